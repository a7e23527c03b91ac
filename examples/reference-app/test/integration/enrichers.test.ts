import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { waitFor } from '@ha-ingestor/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxDatabase, influxRows, requireServices, uniqueName } from '../../../../test-support/services.js';
import { startCli, startReadyCli, type CliProcess } from './cli-process.js';

// Every enricher reachable from ENRICHERS, through the CLI as users run it: `run` against the HA simulator
// and local provider servers (recorded response shapes) via the *_BASE_URL variables, with the file sink;
// the assertions read the stored NDJSON. Issue 13.

const OWM_KEY = 'owm-test-key-7f3a';
const ALL =
  'units,registry,time,ha_weather,ha_calendar,openweathermap,openweathermap_air,carbon_intensity_uk,octopus_agile';

type Mode = 'ok' | 'failing';

/** One HTTP server standing in for OpenWeatherMap, carbonintensity.org.uk and Octopus Energy. */
interface Providers {
  readonly url: string;
  readonly requests: string[];
  mode: Mode;
  readonly close: () => Promise<void>;
}

async function startProviders(): Promise<Providers> {
  const requests: string[] = [];
  const state: { mode: Mode } = { mode: 'ok' };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (state.mode === 'failing') {
      // 500 for OpenWeatherMap, a body that is not JSON for air and carbon, a wrong shape for Octopus.
      if (path === '/data/2.5/weather') return json(500, { cod: 500, message: 'Internal error' });
      if (path.startsWith('/v1/products/')) return json(200, { results: 'nope' });
      return res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>');
    }
    const now = Date.now();
    const slot = Math.floor(now / 1_800_000) * 1_800_000;
    const iso = (ms: number) => new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');
    if (path === '/data/2.5/weather') return json(200, OWM_WEATHER);
    if (path === '/data/2.5/air_pollution') return json(200, OWM_AIR);
    if (path === '/regional/regionid/13') {
      return json(200, {
        data: [
          {
            regionid: 13,
            dnoregion: 'UKPN London',
            shortname: 'London',
            data: [
              {
                from: iso(slot),
                to: iso(slot + 1_800_000),
                intensity: { forecast: 182, index: 'moderate' },
                generationmix: [{ fuel: 'wind', perc: 31.2 }],
              },
            ],
          },
        ],
      });
    }
    if (path === '/v1/products/AGILE-24-10-01/electricity-tariffs/E-1R-AGILE-24-10-01-C/standard-unit-rates/') {
      const rate = (from: number, exc: number) => ({
        value_exc_vat: exc,
        value_inc_vat: Math.round(exc * 1.05 * 1000) / 1000,
        valid_from: new Date(from).toISOString().replace('.000Z', 'Z'),
        valid_to: new Date(from + 1_800_000).toISOString().replace('.000Z', 'Z'),
        payment_method: null,
      });
      return json(200, {
        count: 2,
        next: null,
        previous: null,
        results: [rate(slot + 1_800_000, 21), rate(slot, 18.5)],
      });
    }
    return json(404, { detail: 'Not found.' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(m: Mode) {
      state.mode = m;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface StoredEvent {
  readonly event_type: string;
  readonly entity_id?: string;
  readonly state?: unknown;
  readonly [field: string]: unknown;
}

/** Every event the file sink stored under `dataDir` so far. */
async function storedEvents(dataDir: string): Promise<StoredEvent[]> {
  const dir = join(dataDir, 'events');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.ndjson')).sort();
  } catch {
    return []; // Nothing written yet.
  }
  const out: StoredEvent[] = [];
  for (const name of names) {
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      if (line.trim() !== '') out.push(JSON.parse(line) as StoredEvent);
    }
  }
  return out;
}

describe('ENRICHERS through `ha-ingestor run` (HA simulator, local provider servers, file sink)', () => {
  let sim: HaSimulator;
  let providers: Providers;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    sim = await createHaSimulator({ seed: 13 });
    providers = await startProviders();
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await providers.close();
    await sim.close();
  });

  const start = async (env: Record<string, string>): Promise<{ cli: CliProcess; dataDir: string; url: string }> => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-enr-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { cli, url } = await startReadyCli(
      {
        HA_URL: sim.url,
        HA_TOKEN: sim.token,
        DATA_DIR: dataDir,
        HTTP_PORT: '0',
        BATCH_TIMEOUT: '0.05',
        LOG_LEVEL: 'info',
        OPENWEATHERMAP_BASE_URL: providers.url,
        CARBON_INTENSITY_BASE_URL: providers.url,
        OCTOPUS_BASE_URL: providers.url,
        ...env,
      },
      cleanups,
    );
    // Subscribed before any state is set: a change fired earlier is not live (and there is no checkpoint yet).
    await cli.waitForLog('connected to HA', 30_000);
    return { cli, dataDir, url };
  };

  /** The first stored event of `entityId` whose state is `state` (set by the test, so unique). */
  const storedChange = (dataDir: string, entityId: string, state: unknown) =>
    waitFor(
      async () => (await storedEvents(dataDir)).find((e) => e.entity_id === entityId && e.state === state),
      `${entityId} = ${String(state)} stored`,
      { until: (e) => e !== undefined, timeoutMs: 15_000, intervalMs: 50 },
    ) as Promise<StoredEvent>;

  it('stores events carrying every enrichment: registry, time, units, HA weather/calendar, OpenWeatherMap, air, carbon, price', async () => {
    providers.mode = 'ok';
    const { cli, dataDir, url } = await start({
      ENRICHERS: ALL,
      HA_CALENDARS: 'calendar.family',
      OPENWEATHERMAP_API_KEY: OWM_KEY,
      CARBON_INTENSITY_REGION: '13',
      OCTOPUS_AGILE_REGION: 'C',
    });
    // OpenWeatherMap is asked for HA's home (get_config), since WEATHER_LOCATION is not set.
    await waitFor(
      () => providers.requests.filter((r) => r.startsWith('/data/2.5/') && r.includes('lat=52.3731')).length,
      'OpenWeatherMap weather and air fetched for HA home',
      { until: (n) => n >= 2, timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(providers.requests.find((r) => r.startsWith('/data/2.5/weather'))).toMatch(
      /lat=52\.3731&lon=4\.8922&appid=owm-test-key-7f3a&units=metric/,
    );

    // Units: HA says Wh; stored as kWh, with what HA sent kept.
    sim.setState('sensor.solar_energy_total', '12345678', {
      state_class: 'total_increasing',
      unit_of_measurement: 'Wh',
      device_class: 'energy',
      friendly_name: 'Solar inverter Total energy',
    });
    const energy = await storedChange(dataDir, 'sensor.solar_energy_total', 12345.678);
    expect(energy).toMatchObject({
      unit: 'kWh',
      original_state: '12345678',
      original_unit: 'Wh',
      // registry: the inverter's device and area.
      device_manufacturer: 'Fronius',
      device_name: 'Solar inverter',
      area_id: 'garage',
      // time: hour, weekday, part of day and season in HA's time zone.
      hour: expect.any(Number) as number,
      weekday: expect.stringMatching(/day$/) as string,
      part_of_day: expect.stringMatching(/^(night|morning|afternoon|evening)$/) as string,
      season: expect.stringMatching(/^(spring|summer|autumn|winter)$/) as string,
      // ha_weather, seeded from get_states at start: met.no's weather.forecast_home.
      weather: { condition: 'cloudy', temperature: 8.3, humidity: 78, pressure: 1012.4, wind_speed_unit: 'km/h' },
      // ha_calendar, seeded: not busy.
      calendar: { busy: false, active: [] },
      owm_weather: {
        temperature: 25.33,
        humidity: 64,
        pressure: 1015,
        condition: 'Rain',
        description: 'moderate rain',
        location: 'home',
        stale: false,
      },
      air_quality: { aqi: 2, pm2_5: 12.5, pm10: 20.54, location: 'home', stale: false },
      carbon_intensity: { forecast: 182, index: 'moderate', region_id: 13, region: 'London', stale: false },
      electricity_price: { price_exc_vat: 18.5, price_inc_vat: 19.425, stale: false },
    });

    // °F → °C, and weather/calendar follow their entities' changes in the stream.
    sim.setState('weather.forecast_home', 'rainy', {
      temperature: 6.1,
      humidity: 93,
      pressure: 1003.2,
      temperature_unit: '°C',
      friendly_name: 'Forecast Home',
    });
    sim.setState('calendar.family', 'on', {
      message: 'School run',
      all_day: false,
      start_time: '2026-12-05 08:00:00',
      end_time: '2026-12-05 08:45:00',
      friendly_name: 'Family',
    });
    sim.addEntity('sensor.porch_temperature', '68', {
      unit_of_measurement: '°F',
      device_class: 'temperature',
      friendly_name: 'Porch temperature',
    });
    const porch = await storedChange(dataDir, 'sensor.porch_temperature', 20);
    expect(porch).toMatchObject({
      unit: '°C',
      original_state: '68',
      original_unit: '°F',
      weather: { condition: 'rainy', temperature: 6.1, humidity: 93 },
      calendar: { busy: true, active: ['calendar.family'], message: 'School run' },
    });

    // The API key is a secret: never in the log.
    expect(cli.output()).not.toContain(OWM_KEY);
    const config = await (await fetch(`${url}/api/v1/config`)).text();
    expect(config).toContain('"apiKey":"***"');
    expect(config).not.toContain(OWM_KEY);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('stores the time, weather and carbon context as typed fields of the state points in InfluxDB 1.x', async (ctx) => {
    const svc = requireServices(ctx);
    providers.mode = 'ok';
    const run = async (db: string, entity: string, env: Record<string, string>, at: { from: string; tag: string }) => {
      await createInfluxDatabase(svc.influxdb.url, db);
      const carbonAsked = providers.requests.filter((r) => r.startsWith('/regional/')).length;
      const { cli } = await start({
        ENRICHERS: 'registry,time,ha_weather,carbon_intensity_uk',
        CARBON_INTENSITY_REGION: '13',
        INFLUXDB_URL: svc.influxdb.url,
        INFLUXDB_API_VERSION: '1',
        INFLUXDB_DATABASE: db,
        ...env,
      });
      await waitFor(
        () => providers.requests.filter((r) => r.startsWith('/regional/')).length,
        'carbon intensity fetched',
        { until: (n) => n > carbonAsked, timeoutMs: 15_000, intervalMs: 50 },
      );
      sim.addEntity(`sensor.${entity}`, '1234', { unit_of_measurement: 'W', device_class: 'power' });
      const [row] = await waitFor(
        () => influxRows(svc.influxdb.url, db, `SELECT * FROM "${at.from}" WHERE "entity_id" = '${at.tag}'`),
        `${entity} in InfluxDB`,
        {
          until: (rows) => rows.length > 0,
          timeoutMs: 15_000,
          intervalMs: 100,
        },
      );
      const types = Object.fromEntries(
        (await influxRows(svc.influxdb.url, db, `SHOW FIELD KEYS FROM "${at.from}"`)).map((r) => [
          r['fieldKey'],
          r['fieldType'],
        ]),
      );
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      return { row: row ?? {}, types };
    };

    // Derived from ENRICHERS: time → hour…season, ha_weather → weather_*, carbon_intensity_uk → carbon_intensity_*.
    // `ha` schema (the default): measurement = the unit, tag entity_id = the object id.
    const derived = await run(uniqueName('enr_ctx'), 'ctx_power', {}, { from: 'W', tag: 'ctx_power' });
    expect(derived.row).toMatchObject({
      value: 1234,
      hour: expect.any(Number) as number,
      weekday: expect.stringMatching(/day$/) as string,
      weekend: expect.any(Boolean) as boolean,
      part_of_day: expect.stringMatching(/^(night|morning|afternoon|evening)$/) as string,
      season: expect.stringMatching(/^(spring|summer|autumn|winter)$/) as string,
      weather_condition: expect.any(String) as string,
      weather_temperature: expect.any(Number) as number,
      carbon_intensity_forecast: 182,
      carbon_intensity_index: 'moderate',
      carbon_intensity_region: 'London',
      carbon_intensity_stale: false,
    });
    expect(derived.types).toMatchObject({
      value: 'float',
      hour: 'float',
      weekday: 'string',
      weekend: 'boolean',
      part_of_day: 'string',
      season: 'string',
      weather_condition: 'string',
      weather_temperature: 'float',
      carbon_intensity_forecast: 'float',
      carbon_intensity_index: 'string',
      carbon_intensity_region_id: 'float',
      carbon_intensity_stale: 'boolean',
    });

    // INFLUXDB_CONTEXT_FIELDS overrides the derived list: only the carbon context is written (`entity` schema:
    // measurement = the domain, tag entity_id = the full id).
    const chosen = await run(
      uniqueName('enr_ctx'),
      'ctx_power_2',
      { INFLUXDB_CONTEXT_FIELDS: 'carbon_intensity', INFLUXDB_SCHEMA: 'entity' },
      { from: 'sensor', tag: 'sensor.ctx_power_2' },
    );
    expect(chosen.row['carbon_intensity_forecast']).toBe(182);
    for (const field of ['hour', 'weekday', 'season', 'weather_condition'])
      expect(chosen.types).not.toHaveProperty(field);
    expect(Object.keys(chosen.types)).toContain('value');
  });

  it('keeps storing events when every provider answers 500 or garbage; the context is left off and counted', async () => {
    providers.mode = 'failing';
    const { cli, dataDir, url } = await start({
      ENRICHERS: 'registry,openweathermap,openweathermap_air,carbon_intensity_uk,octopus_agile',
      OPENWEATHERMAP_API_KEY: OWM_KEY,
      WEATHER_LOCATION: '51.5072,-0.1276',
      CARBON_INTENSITY_REGION: '13',
      OCTOPUS_AGILE_REGION: 'C',
    });
    sim.setState('sensor.solar_energy_total', '22222222', {
      unit_of_measurement: 'Wh',
      device_class: 'energy',
      friendly_name: 'Solar inverter Total energy',
    });
    const stored = await storedChange(dataDir, 'sensor.solar_energy_total', '22222222');
    expect(stored['device_manufacturer']).toBe('Fronius');
    for (const field of ['owm_weather', 'air_quality', 'carbon_intensity', 'electricity_price'])
      expect(stored, field).not.toHaveProperty(field);
    // WEATHER_LOCATION wins over HA's home.
    expect(providers.requests.some((r) => r.includes('lat=51.5072&lon=-0.1276'))).toBe(true);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const unavailable = (enricher: string, reason: string) =>
      new RegExp(`^ha_ingestor_context_unavailable_total\\{enricher="${enricher}",reason="${reason}"\\} [1-9]`, 'm');
    expect(metrics).toMatch(unavailable('owm_weather', 'http_error'));
    expect(metrics).toMatch(unavailable('air_quality', 'invalid_response'));
    expect(metrics).toMatch(unavailable('carbon_intensity', 'invalid_response'));
    expect(metrics).toMatch(unavailable('electricity_price', 'invalid_response'));
    expect(cli.output()).toContain('context fetch failed');
    expect(cli.output()).not.toContain(OWM_KEY);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});

describe('ENRICHERS config errors at the command line', () => {
  it('`check-config` refuses openweathermap without OPENWEATHERMAP_API_KEY, naming both, and an unknown enricher with the closest name', async () => {
    const missing = startCli(['check-config'], { HA_URL: 'ws://ha:8123/api/websocket', ENRICHERS: 'openweathermap' });
    const typo = startCli(['check-config'], { ENRICHERS: 'registry,octopus_agle' });
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toContain('OPENWEATHERMAP_API_KEY is required when ENRICHERS includes openweathermap');
    expect(await typo.exited).toBe(1);
    expect(typo.output()).toContain('unknown enricher "octopus_agle"; did you mean "octopus_agile"?');
  });

  it('`check-config` masks OPENWEATHERMAP_API_KEY in the effective config', async () => {
    const cli = startCli(['check-config'], {
      HA_URL: 'ws://ha:8123/api/websocket',
      ENRICHERS: 'openweathermap',
      OPENWEATHERMAP_API_KEY: OWM_KEY,
    });
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('"apiKey": "***"');
    expect(cli.output()).not.toContain(OWM_KEY);
  });

  it('`run` with MQTT only refuses OpenWeatherMap without WEATHER_LOCATION before starting anything', async () => {
    const cli = startCli(['run'], {
      MQTT_URL: 'mqtt://127.0.0.1:1',
      HTTP_PORT: '0',
      ENRICHERS: 'openweathermap_air',
      OPENWEATHERMAP_API_KEY: OWM_KEY,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain(
      'set WEATHER_LOCATION ("lat,lon") for openweathermap_air: without HA_URL, HA\'s home location is unknown',
    );
    expect(cli.output()).not.toContain('ha-ingestor started');
  });
});

// Recorded shapes of OpenWeatherMap's /data/2.5/weather and /data/2.5/air_pollution answers.
const OWM_WEATHER = {
  coord: { lon: 4.8922, lat: 52.3731 },
  weather: [{ id: 501, main: 'Rain', description: 'moderate rain', icon: '10d' }],
  base: 'stations',
  main: { temp: 25.33, feels_like: 25.59, temp_min: 24.41, temp_max: 26.9, pressure: 1015, humidity: 64 },
  visibility: 10000,
  wind: { speed: 0.62, deg: 349, gust: 1.18 },
  clouds: { all: 100 },
  dt: 1661870592,
  timezone: 3600,
  id: 2759794,
  name: 'Amsterdam',
  cod: 200,
};
const OWM_AIR = {
  coord: { lon: 4.8922, lat: 52.3731 },
  list: [
    {
      main: { aqi: 2 },
      components: { co: 201.94, no: 0.02, no2: 0.77, o3: 68.66, so2: 0.64, pm2_5: 12.5, pm10: 20.54, nh3: 0.12 },
      dt: 1606147200,
    },
  ],
};
