import { createRegistryStore, noopLogger } from '@ha-ingestor/core';
import { createTestContext, makeStateChanged } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { createEnrichers, runOrder } from './enrichers-config.js';

const wiring = () => ({ registry: createRegistryStore(), logger: noopLogger });

describe('runOrder', () => {
  it('keeps the listed order, moving units after registry when both are selected', () => {
    expect(runOrder(['units', 'time', 'registry'])).toEqual(['registry', 'units', 'time']);
    expect(runOrder(['time', 'registry', 'units'])).toEqual(['time', 'registry', 'units']);
    expect(runOrder(['units', 'time'])).toEqual(['units', 'time']);
    expect(runOrder(['octopus_agile', 'ha_weather', 'registry'])).toEqual(['octopus_agile', 'ha_weather', 'registry']);
  });
});

describe('createEnrichers', () => {
  it('builds registry and time by default', () => {
    expect(createEnrichers(resolveConfig({}, {}), wiring()).map((e) => e.name)).toEqual(['registry', 'time-context']);
  });

  it('builds every selected enricher in run order, none when ENRICHERS=none', () => {
    const config = resolveConfig(
      {},
      {
        HA_URL: 'ws://ha:8123/api/websocket',
        HA_TOKEN: 't',
        ENRICHERS:
          'units,registry,ha_weather,ha_calendar,openweathermap,openweathermap_air,carbon_intensity_uk,octopus_agile,time',
        HA_CALENDARS: 'calendar.family',
        OPENWEATHERMAP_API_KEY: 'k',
        OCTOPUS_AGILE_REGION: 'C',
      },
    );
    expect(createEnrichers(config, wiring()).map((e) => e.name)).toEqual([
      'registry',
      'unit-normalize',
      'ha-weather',
      'ha-calendar',
      'owm_weather',
      'air_quality',
      'carbon_intensity',
      'electricity_price',
      'time-context',
    ]);
    expect(createEnrichers(resolveConfig({}, { ENRICHERS: 'none' }), wiring())).toEqual([]);
  });

  it('leaves provider context out of imported history, saying so', () => {
    const logged: string[] = [];
    const logger = { ...noopLogger, info: (_o: unknown, msg?: string) => void logged.push(msg ?? '') };
    const config = resolveConfig(
      {},
      {
        ENRICHERS: 'registry,carbon_intensity_uk,ha_weather,octopus_agile',
        OCTOPUS_AGILE_REGION: 'C',
      },
    );
    const names = createEnrichers(config, { ...wiring(), logger, history: true }).map((e) => e.name);
    expect(names).toEqual(['registry', 'ha-weather']);
    expect(logged).toEqual([
      "not applied to imported history: carbon_intensity_uk, octopus_agile (they attach today's context, not the events' time)",
    ]);
  });

  it('converts only the configured unit groups', () => {
    const [units] = createEnrichers(resolveConfig({}, { ENRICHERS: 'units', UNITS_CONVERT: 'energy' }), wiring());
    const event = (state: string, unit: string) =>
      makeStateChanged({ entity_id: 'sensor.x', state, attributes: { unit_of_measurement: unit } });
    const ctx = createTestContext();
    expect(units?.enrich(event('2000', 'Wh'), ctx)).toMatchObject({ state: 2, unit: 'kWh' });
    expect(units?.enrich(event('68', '°F'), ctx)).toEqual({ state: 68, unit: '°F' });
  });
});
