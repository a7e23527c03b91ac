import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { carbonIntensityUk, octopusAgile, openWeatherMap, openWeatherMapAir } from '@ha-ingestor/enrichers';
import type { PresetHooks } from '@ha-ingestor/enrichers';
import { waitFor } from '@ha-ingestor/core/testing';
import { capturedText, counterValue, stateEvent, testContext } from '../helpers.js';

// Each preset against a real HTTP server on loopback, serving the provider's documented response shapes.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8');
const KEY = 'SECRET-appid-42';
const NOW = Date.parse('2026-01-15T12:10:00Z');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.writeHead(404).end();
const requests: string[] = [];
const held: ServerResponse[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  requests.length = 0;
  for (const res of held.splice(0)) res.destroy();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const reply =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  };
const hold: Handler = (_req, res) => {
  held.push(res);
};

interface Case {
  readonly name: string;
  readonly field: string;
  readonly fixture: string;
  readonly path: RegExp;
  readonly make: (
    hooks: PresetHooks,
  ) =>
    | ReturnType<typeof openWeatherMap>
    | ReturnType<typeof openWeatherMapAir>
    | ReturnType<typeof carbonIntensityUk>
    | ReturnType<typeof octopusAgile>;
  readonly expected: Record<string, unknown>;
  /** Whether the preset sends an API key. */
  readonly secret: boolean;
}

const cases: Case[] = [
  {
    name: 'OpenWeatherMap current weather',
    field: 'owm_weather',
    fixture: 'owm-weather',
    path: /^\/data\/2\.5\/weather\?lat=44\.34&lon=10\.99&appid=SECRET-appid-42&units=metric$/,
    make: (hooks) =>
      openWeatherMap({ apiKey: KEY, baseUrl, locations: [{ id: 'home', lat: 44.34, lon: 10.99 }] }, hooks),
    expected: {
      temperature: 25.33,
      feels_like: 25.59,
      humidity: 64,
      pressure: 1015,
      wind_speed: 0.62,
      wind_deg: 349,
      wind_gust: 1.18,
      clouds: 100,
      condition: 'Rain',
      description: 'moderate rain',
      observed_at: 1661870592000,
    },
    secret: true,
  },
  {
    name: 'OpenWeatherMap air pollution',
    field: 'air_quality',
    fixture: 'owm-air',
    path: /^\/data\/2\.5\/air_pollution\?lat=50&lon=50&appid=SECRET-appid-42$/,
    make: (hooks) =>
      openWeatherMapAir({ apiKey: KEY, baseUrl: `${baseUrl}/`, locations: [{ id: 'home', lat: 50, lon: 50 }] }, hooks),
    expected: {
      aqi: 2,
      pm2_5: 12.5,
      pm10: 20.54,
      o3: 68.66,
      no2: 0.77,
      so2: 0.64,
      co: 201.94,
      observed_at: 1606147200000,
    },
    secret: true,
  },
  {
    name: 'UK carbon intensity',
    field: 'carbon_intensity',
    fixture: 'carbon-intensity',
    path: /^\/intensity$/,
    make: (hooks) => carbonIntensityUk({ baseUrl }, hooks),
    expected: { forecast: 266, index: 'moderate', from: '2026-01-15T12:00Z', to: '2026-01-15T12:30Z' },
    secret: false,
  },
  {
    name: 'UK carbon intensity by region id',
    field: 'carbon_intensity',
    fixture: 'carbon-intensity-regional',
    path: /^\/regional\/regionid\/13$/,
    make: (hooks) => carbonIntensityUk({ baseUrl, region: 13 }, hooks),
    expected: {
      forecast: 182,
      index: 'moderate',
      from: '2026-01-15T12:00Z',
      to: '2026-01-15T12:30Z',
      region_id: 13,
      region: 'London',
    },
    secret: false,
  },
  {
    name: 'UK carbon intensity by postcode',
    field: 'carbon_intensity',
    fixture: 'carbon-intensity-regional',
    path: /^\/regional\/postcode\/SW1A$/,
    make: (hooks) => carbonIntensityUk({ baseUrl, region: 'SW1A' }, hooks),
    expected: {
      forecast: 182,
      index: 'moderate',
      from: '2026-01-15T12:00Z',
      to: '2026-01-15T12:30Z',
      region_id: 13,
      region: 'London',
    },
    secret: false,
  },
  {
    name: 'Octopus Agile',
    field: 'electricity_price',
    fixture: 'octopus-agile',
    path: /^\/v1\/products\/AGILE-24-10-01\/electricity-tariffs\/E-1R-AGILE-24-10-01-C\/standard-unit-rates\/$/,
    make: (hooks) => octopusAgile({ baseUrl, product: 'AGILE-24-10-01', tariff: 'E-1R-AGILE-24-10-01-C' }, hooks),
    expected: {
      price_inc_vat: 19.425,
      price_exc_vat: 18.5,
      valid_from: '2026-01-15T12:00:00Z',
      valid_to: '2026-01-15T12:30:00Z',
    },
    secret: false,
  },
];

describe.each(cases)('$name preset', (c) => {
  const { setup, field } = harness(c);

  it('requests the documented endpoint and attaches the documented fields', async () => {
    handler = reply(200, fixture(c.fixture));
    const { t, e } = setup();
    await e.start?.(t.ctx);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(c.path);
    expect(field(e.enrich(stateEvent('sensor.x', '1'), t.ctx))).toEqual({
      ...c.expected,
      location: 'home',
      fetched_at: NOW,
      stale: false,
    });
    await e.close?.();
  });

  it('serves the last value as stale after a 500 and reports http_error', async () => {
    handler = reply(200, fixture(c.fixture));
    const { t, e } = setup();
    await e.start?.(t.ctx);
    handler = reply(500, '{"error":"internal"}');
    await e.refresh();
    expect(field(e.enrich(stateEvent('sensor.x', '1'), t.ctx))).toMatchObject({ stale: true });
    expect(e.status()[0]).toMatchObject({ lastFailure: 'http_error' });
    await e.close?.();
  });

  it('passes events without context on a malformed body, counting invalid_response', async () => {
    handler = reply(200, '{"data": [ {"from": ');
    const { t, e } = setup();
    await e.start?.(t.ctx);
    expect(e.enrich(stateEvent('sensor.x', '1'), t.ctx)).toEqual({});
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: c.field,
        reason: 'invalid_response',
      }),
    ).toBe(1);
    handler = reply(200, '{"unexpected": true}');
    await e.refresh();
    expect(e.status()[0]).toMatchObject({ lastFailure: 'invalid_response' });
    await e.close?.();
  });

  it('honours 429 Retry-After', async () => {
    handler = reply(429, '{"message":"slow down"}', { 'Retry-After': '3600' });
    const { t, e } = setup();
    await e.start?.(t.ctx);
    expect(e.status()[0]).toMatchObject({
      lastFailure: 'rate_limited',
      nextFetchAt: NOW + 3_600_000,
      breaker: 'closed',
    });
    await e.close?.();
  });

  it('gives up on a server that does not answer within the deadline', async () => {
    handler = hold;
    const { t, e, timeOut } = setup();
    const started = e.start?.(t.ctx);
    await waitFor(() => held.length, 'the request the server holds', { until: (n) => n === 1 });
    timeOut();
    await started;
    expect(e.status()[0]).toMatchObject({ lastFailure: 'timeout' });
    expect(e.enrich(stateEvent('sensor.x', '1'), t.ctx)).toEqual({});
    await e.close?.();
  });
});

describe.each(cases.filter((c) => c.secret))('$name preset with an API key', (c) => {
  const { setup } = harness(c);

  it('never leaks the API key, even when the server echoes it', async () => {
    handler = reply(
      401,
      `{"cod":401,"message":"Invalid API key ${KEY}. Please see https://openweathermap.org/faq#error401?appid=${KEY}"}`,
    );
    const { t, e } = setup();
    await e.start?.(t.ctx);
    handler = (req, res) => {
      // Drop the connection mid-request: a network error whose message may quote the URL.
      req.socket.destroy();
      res.destroy();
    };
    await e.refresh();
    expect(e.enrich(stateEvent('sensor.x', '1'), t.ctx)).toEqual({});
    const text = `${await capturedText(t)}\n${JSON.stringify(e.status())}`;
    expect(text).toMatch(/auth_failed|http_error/);
    expect(text).toContain('network');
    expect(text).not.toContain(KEY);
    await e.close?.();
  });
});

describe('Octopus Agile and carbon intensity slots', () => {
  it('attach nothing when no slot covers now', async () => {
    handler = (req, res) =>
      res.writeHead(200).end(fixture(req.url?.startsWith('/intensity') ? 'carbon-intensity' : 'octopus-agile'));
    const later = Date.parse('2026-01-15T18:00:00Z');
    const t = testContext({ now: () => later });
    const octopus = octopusAgile({ baseUrl, product: 'P', tariff: 'T' }, { now: () => later });
    await octopus.start?.(t.ctx);
    expect(octopus.enrich(stateEvent('sensor.x', '1'), t.ctx)).toEqual({});
    expect(octopus.status()[0]).toMatchObject({ lastFailure: 'no_data' });
    await octopus.close?.();
  });
});

function harness(c: Case) {
  const setup = () => {
    const t = testContext({ now: () => NOW });
    let abortFetch: AbortController | undefined;
    const e = c.make({
      now: () => NOW,
      timeout: () => {
        abortFetch = new AbortController();
        return abortFetch.signal;
      },
    });
    return { t, e, timeOut: () => abortFetch?.abort(new DOMException('timed out', 'TimeoutError')) };
  };
  const field = (r: unknown) => (r as Record<string, unknown>)[c.field];
  return { setup, field };
}

describe('carbonIntensityUk region option', () => {
  it('refuses a region id outside 1–17 and a full postcode, naming the option', () => {
    expect(() => carbonIntensityUk({ region: 18 })).toThrow(/region/);
    expect(() => carbonIntensityUk({ region: 'SW1A 1AA' })).toThrow(/outward postcode/);
  });

  it('accepts the regional answer with `data` as the region object itself', async () => {
    const regional = JSON.parse(fixture('carbon-intensity-regional')) as { data: unknown[] };
    handler = reply(200, JSON.stringify({ data: regional.data[0] }));
    const t = testContext({ now: () => NOW });
    const e = carbonIntensityUk({ baseUrl, region: 13 }, { now: () => NOW });
    await e.start?.(t.ctx);
    expect(e.enrich(stateEvent('sensor.x', '1'), t.ctx)).toMatchObject({
      carbon_intensity: { forecast: 182, region_id: 13, region: 'London' },
    });
    await e.close?.();
  });
});
