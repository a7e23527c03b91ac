import { ConfigError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { configFromYaml, maskedConfig, resolveConfig } from './config.js';

const HA = { HA_URL: 'ws://ha:8123/api/websocket', HA_TOKEN: 'tok' };

/** The config error's message for `env` (and optional YAML text); fails the test when it parses. */
function errorOf(env: NodeJS.ProcessEnv, yaml?: string): string {
  try {
    if (yaml === undefined) resolveConfig({}, env);
    else configFromYaml(yaml, env, 'c.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a config error');
}

describe('enrichers config', () => {
  it('defaults to registry,time with every provider at its public URL', () => {
    const { enrichers } = resolveConfig({}, {});
    expect(enrichers.use).toEqual(['registry', 'time']);
    expect(enrichers.units).toEqual({
      convert: ['temperature', 'power', 'energy', 'pressure', 'speed'],
      decimalComma: false,
      decimals: 6,
    });
    expect(enrichers.haWeather).toEqual({ entity: 'weather.forecast_home' });
    expect(enrichers.weather).toEqual({ cacheMinutes: 10 });
    expect(enrichers.openWeatherMap.baseUrl).toBe('https://api.openweathermap.org');
    expect(enrichers.carbonIntensity).toEqual({ region: 'national', baseUrl: 'https://api.carbonintensity.org.uk' });
    expect(enrichers.octopusAgile).toEqual({ product: 'AGILE-24-10-01', baseUrl: 'https://api.octopus.energy' });
  });

  it('reads every enrichment env name', () => {
    const { enrichers } = resolveConfig(
      {},
      {
        ...HA,
        ENRICHERS:
          'registry, units ,openweathermap,openweathermap_air,carbon_intensity_uk,octopus_agile,ha_weather,ha_calendar,time',
        UNITS_CONVERT: 'temperature,energy',
        UNITS_DECIMAL_COMMA: 'true',
        UNITS_DECIMALS: '2',
        HA_WEATHER_ENTITY: 'weather.home',
        HA_WEATHER_MAX_AGE_MINUTES: '90',
        HA_CALENDARS: 'calendar.family, calendar.work',
        WEATHER_LOCATION: '52.37, -4.89',
        WEATHER_CACHE_MINUTES: '30',
        OPENWEATHERMAP_API_KEY: 'k3y',
        OPENWEATHERMAP_BASE_URL: 'http://127.0.0.1:9001',
        OPENWEATHERMAP_LANG: 'de',
        CARBON_INTENSITY_REGION: '13',
        CARBON_INTENSITY_BASE_URL: 'http://127.0.0.1:9002',
        OCTOPUS_AGILE_PRODUCT: 'AGILE-FLEX-22-11-25',
        OCTOPUS_AGILE_REGION: 'c',
        OCTOPUS_BASE_URL: 'http://127.0.0.1:9003',
      },
    );
    expect(enrichers).toEqual({
      use: [
        'registry',
        'units',
        'openweathermap',
        'openweathermap_air',
        'carbon_intensity_uk',
        'octopus_agile',
        'ha_weather',
        'ha_calendar',
        'time',
      ],
      units: { convert: ['temperature', 'energy'], decimalComma: true, decimals: 2 },
      haWeather: { entity: 'weather.home', maxAgeMinutes: 90 },
      haCalendar: { entities: ['calendar.family', 'calendar.work'] },
      weather: { location: { lat: 52.37, lon: -4.89 }, cacheMinutes: 30 },
      openWeatherMap: { apiKey: 'k3y', baseUrl: 'http://127.0.0.1:9001', lang: 'de' },
      carbonIntensity: { region: 13, baseUrl: 'http://127.0.0.1:9002' },
      octopusAgile: { product: 'AGILE-FLEX-22-11-25', region: 'C', baseUrl: 'http://127.0.0.1:9003' },
    });
  });

  it('takes the same settings from YAML, env winning', () => {
    const yaml = [
      'enrichers:',
      '  use: [registry, units]',
      '  units: { convert: [temperature] }',
      '  weather: { location: { lat: 1.5, lon: 2.5 } }',
      '  carbonIntensity: { region: rg10 }',
    ].join('\n');
    const { enrichers } = configFromYaml(yaml, { ENRICHERS: 'time' });
    expect(enrichers.use).toEqual(['time']);
    expect(enrichers.units.convert).toEqual(['temperature']);
    expect(enrichers.weather.location).toEqual({ lat: 1.5, lon: 2.5 });
    expect(enrichers.carbonIntensity.region).toBe('RG10');
  });

  it('ENRICHERS=none selects no enricher; UNITS_CONVERT=none keeps numbers only', () => {
    const { enrichers } = resolveConfig({}, { ENRICHERS: 'none', UNITS_CONVERT: 'none' });
    expect(enrichers.use).toEqual([]);
    expect(enrichers.units.convert).toEqual([]);
  });

  it('refuses an unknown enricher, naming ENRICHERS, the entry and the closest valid name', () => {
    expect(errorOf({ ENRICHERS: 'registry,ha_wether' })).toContain(
      'ENRICHERS (enrichers.use) = "registry,ha_wether": unknown enricher "ha_wether"; did you mean "ha_weather"?',
    );
    expect(errorOf({ ENRICHERS: 'registry,tme' })).toContain('unknown enricher "tme"; did you mean "time"?');
    expect(errorOf({ ENRICHERS: 'registry,openweathermap-air' })).toContain('did you mean "openweathermap_air"?');
    expect(errorOf({ ENRICHERS: 'zzz' })).toMatch(/unknown enricher "zzz"; known: registry, time, units/);
    expect(errorOf({}, 'enrichers:\n  use: [registry, carbon]\n')).toContain(
      'c.yaml: enrichers.use = ["registry","carbon"]: unknown enricher "carbon"',
    );
    expect(errorOf({ ENRICHERS: 'time,time' })).toContain('enricher "time" is listed twice');
  });

  it('refuses an unknown key of an enricher block with the closest key', () => {
    expect(errorOf({}, 'enrichers:\n  openWeatherMap:\n    apikey: x\n')).toContain(
      'c.yaml: enrichers.openWeatherMap.apikey: unknown key; did you mean "apiKey"?',
    );
  });

  it('requires OPENWEATHERMAP_API_KEY when openweathermap or its air enricher is selected, naming both', () => {
    expect(errorOf({ ...HA, ENRICHERS: 'openweathermap' })).toContain(
      'enrichers.openWeatherMap.apiKey = missing: OPENWEATHERMAP_API_KEY is required when ENRICHERS includes openweathermap',
    );
    expect(errorOf({ ...HA, ENRICHERS: 'registry,openweathermap_air' })).toContain(
      'OPENWEATHERMAP_API_KEY is required when ENRICHERS includes openweathermap_air',
    );
  });

  it('requires WEATHER_LOCATION for OpenWeatherMap when HA_URL is not set (HA home unknown)', () => {
    const mqttOnly = { MQTT_URL: 'mqtt://b:1883', ENRICHERS: 'openweathermap', OPENWEATHERMAP_API_KEY: 'k' };
    expect(errorOf(mqttOnly)).toContain(
      'enrichers.weather.location = missing: set WEATHER_LOCATION ("lat,lon") for openweathermap: without HA_URL',
    );
    expect(resolveConfig({}, { ...mqttOnly, WEATHER_LOCATION: '51.5,-0.12' }).enrichers.weather.location).toEqual({
      lat: 51.5,
      lon: -0.12,
    });
    expect(resolveConfig({}, { ...mqttOnly, ...HA }).enrichers.weather.location).toBeUndefined();
  });

  it('refuses a WEATHER_LOCATION that is not "lat,lon" or out of range', () => {
    expect(errorOf({ WEATHER_LOCATION: '91,0' })).toContain(
      'WEATHER_LOCATION (enrichers.weather.location) = "91,0": latitude 91 is outside -90 to 90',
    );
    expect(errorOf({ WEATHER_LOCATION: '0,180.5' })).toContain('longitude 180.5 is outside -180 to 180');
    expect(errorOf({ WEATHER_LOCATION: 'abc' })).toContain(
      'WEATHER_LOCATION (enrichers.weather.location) = "abc": expected "lat,lon" in decimal degrees',
    );
    expect(errorOf({ WEATHER_LOCATION: '52.3;4.8' })).toContain('expected "lat,lon"');
  });

  it('requires HA_CALENDARS for ha_calendar and OCTOPUS_AGILE_REGION for octopus_agile', () => {
    expect(errorOf({ ENRICHERS: 'ha_calendar' })).toContain(
      'HA_CALENDARS (calendar.* entity ids) is required when ENRICHERS includes ha_calendar',
    );
    expect(errorOf({ ENRICHERS: 'octopus_agile' })).toContain(
      'OCTOPUS_AGILE_REGION (A, B, C, D, E, F, G, H, J, K, L, M, N, P) is required when ENRICHERS includes octopus_agile',
    );
    expect(errorOf({ OCTOPUS_AGILE_REGION: 'I' })).toContain(
      'OCTOPUS_AGILE_REGION (enrichers.octopusAgile.region) = "I"',
    );
  });

  it('refuses bad provider settings, naming the env variable', () => {
    expect(errorOf({ CARBON_INTENSITY_REGION: '18' })).toContain(
      'CARBON_INTENSITY_REGION (enrichers.carbonIntensity.region) = "18": expected national, a region id from 1 to 17',
    );
    expect(errorOf({ CARBON_INTENSITY_REGION: 'SW1A 1AA' })).toContain('or an outward postcode such as RG10');
    expect(errorOf({ OCTOPUS_BASE_URL: 'ftp://x' })).toContain('OCTOPUS_BASE_URL (enrichers.octopusAgile.baseUrl)');
    expect(errorOf({ WEATHER_CACHE_MINUTES: '0' })).toContain(
      'WEATHER_CACHE_MINUTES (enrichers.weather.cacheMinutes) = "0": expected an integer from 1 to 1440',
    );
    expect(errorOf({ HA_WEATHER_ENTITY: 'sensor.x' })).toContain('expected a weather.* entity id');
    expect(errorOf({ HA_CALENDARS: 'calendar.ok,family' })).toContain('expected calendar.* entity ids');
    expect(errorOf({ UNITS_CONVERT: 'temp' })).toContain('expected unit groups from: temperature, power');
  });

  it('masks the OpenWeatherMap key in the effective config and keeps it out of every error', () => {
    const config = resolveConfig({}, { ...HA, ENRICHERS: 'openweathermap', OPENWEATHERMAP_API_KEY: 'owm-s3cret' });
    expect(JSON.stringify(maskedConfig(config))).not.toContain('owm-s3cret');
    expect(maskedConfig(config).enrichers.openWeatherMap.apiKey).toBe('***');
    const message = errorOf({ OPENWEATHERMAP_API_KEY: 'owm-s3cret', WEATHER_LOCATION: 'abc', ENRICHERS: 'x' });
    expect(message).not.toContain('owm-s3cret');
  });
});
