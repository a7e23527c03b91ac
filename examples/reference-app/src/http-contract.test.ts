import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ErrorCode,
  pipeline,
  SdkError,
  type Pipeline,
  type Sink,
  type Source,
  type SourceStatus,
} from '@ha-ingestor/core';
import { collectingSink, waitFor } from '@ha-ingestor/core/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { get, startTestApi, stateEvent, type TestApi, type TestApiOptions } from '../test/http-harness.js';
import { DashboardBody } from './dashboard-schema.js';
import { ROUTES } from './http-routes.js';
import * as S from './http-schemas.js';

// Issue 13 item 4: every route's success and failure codes against the real server, each JSON answer
// parsed with the zod schema the OpenAPI document is generated from.

const TOKEN = 'contract-test-token-0123456789abcdef';
const covered = new Set<string>();

type Answer = Awaited<ReturnType<typeof get>>;
function expectAnswer<T>(res: Answer, path: string, status: number, schema?: z.ZodType<T>): T | undefined {
  expect(res.status, `${path} → ${res.body.slice(0, 200)}`).toBe(status);
  covered.add(`${path} ${status}`);
  if (schema === undefined) return undefined;
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const parsed = schema.safeParse(JSON.parse(res.body));
  expect(parsed.error?.issues, path).toBeUndefined();
  return parsed.data;
}

/** A source whose connection status the test sets; it runs until stopped, or fails when told to. */
function statusSource(name: string) {
  let setStatus: ((status: SourceStatus) => void) | undefined;
  let fail: ((error: Error) => void) | undefined;
  const source: Source<unknown> = {
    kind: 'source',
    name,
    run: async (ctx) => {
      setStatus = ctx.setStatus;
      const failed = new Promise<never>((_resolve, reject) => (fail = reject));
      await Promise.race([once(ctx.signal, 'abort'), failed]);
    },
  };
  return {
    source,
    started: () => setStatus !== undefined,
    set: (status: SourceStatus) => setStatus?.(status),
    fail: (error: Error) => fail?.(error),
  };
}

/** A collecting sink whose healthcheck fails while `down` is true. */
function switchableSink(name: string) {
  const state = { down: false };
  const sink: Sink<unknown> = {
    ...collectingSink({ name }),
    healthcheck: async () => {
      if (state.down)
        throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${name}: connection refused`, { stage: `sink:${name}` });
    },
  };
  return { sink, state };
}

describe('HTTP API contract (issue 13)', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const start = async (options: TestApiOptions = {}): Promise<TestApi> => {
    const api = await startTestApi(options);
    cleanups.push(() => api.close());
    return api;
  };
  const running = async (p: Pipeline): Promise<Pipeline> => {
    await p.start();
    cleanups.push(() => p.stop());
    return p;
  };
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('answers 200 with the documented shape on every JSON route', async () => {
    const clock = { t: 1_700_000_000_000 };
    const api = await start({ now: () => clock.t });
    api.publish([stateEvent('sensor.a')]);
    clock.t += 12_500;
    expectAnswer(await get(api.port, '/'), '/', 200, S.IndexBody);
    const health = expectAnswer(await get(api.port, '/health'), '/health', 200, S.HealthBody);
    expect(health).toMatchObject({ service: 'ha-ingestor', version: '0.0.0-test', uptime_seconds: 12.5 });
    expectAnswer(await get(api.port, '/ready'), '/ready', 200, S.ReadyBody);
    expectAnswer(await get(api.port, '/health/dependencies'), '/health/dependencies', 200, S.DependenciesBody);
    expectAnswer(await get(api.port, '/api/v1/events/recent'), '/api/v1/events/recent', 200, S.RecentBody);
    expectAnswer(await get(api.port, '/api/v1/stats'), '/api/v1/stats', 200, S.StatsBody);
    expectAnswer(await get(api.port, '/api/v1/config'), '/api/v1/config', 200, S.ConfigBody);
    expectAnswer(await get(api.port, '/api/v1/dashboard'), '/api/v1/dashboard', 200, DashboardBody);
    expectAnswer(await get(api.port, '/api/v1/openapi.json'), '/api/v1/openapi.json', 200, S.OpenApiBody);
    const metrics = await get(api.port, '/metrics');
    expectAnswer(metrics, '/metrics', 200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    const exported = await get(api.port, '/api/v1/export');
    expectAnswer(exported, '/api/v1/export', 200);
    expect(JSON.parse(exported.body.trim())).toMatchObject({ entity_id: 'sensor.a' });
    const stream = (await get(api.port, '/api/v1/events/stream', {}, 'HEAD')).status;
    expect(stream).toBe(200);
    covered.add('/api/v1/events/stream 200');
  });

  it('/api/v1/export with a database: 502 when the query fails before the first byte, 503 + Retry-After past two exports', async () => {
    const range = 'start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z';
    const down = await start({
      storeExport: {
        database: { url: 'http://127.0.0.1:9', apiVersion: '1', database: 'ha', password: 'pw-s3cret', username: 'u' },
        toLineProtocol: () => '',
      },
    });
    const failed = await get(down.port, `/api/v1/export?${range}`);
    expect(expectAnswer(failed, '/api/v1/export', 502, S.ErrorBody)?.error).toMatch(/CONNECTION_LOST/);
    expect(failed.body).not.toContain('pw-s3cret');
    // A database that accepts the query and never answers: two exports wait, the third is refused.
    let queries = 0;
    const hanging = createServer(() => void queries++);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      hanging.closeAllConnections();
      return new Promise<void>((resolve) => hanging.close(() => resolve()));
    });
    const api = await start({
      storeExport: {
        database: {
          url: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
          apiVersion: '1',
          database: 'ha',
        },
        toLineProtocol: () => '',
      },
    });
    const waiting = [1, 2].map(() => get(api.port, `/api/v1/export?${range}&format=ndjson`).catch((e: unknown) => e));
    await waitFor(() => queries >= 2, 'two export queries at the database');
    const busy = await get(api.port, `/api/v1/export?${range}`);
    expectAnswer(busy, '/api/v1/export', 503, S.ErrorBody);
    expect(busy.headers['retry-after']).toBe('30');
    await api.close();
    await Promise.all(waiting);
  });

  it('answers 400 on every /api/v1 route given an unknown query parameter', async () => {
    const api = await start();
    for (const route of ROUTES.filter((r) => 400 in r.responses))
      expectAnswer(await get(api.port, `${route.path}?bogus=1`), route.path, 400, S.ErrorBody);
  });

  it('answers 401 without the bearer token on every token route, 200 with it, and keeps probes open', async () => {
    const api = await start({ access: { apiToken: TOKEN } });
    for (const route of ROUTES) {
      const res = await get(api.port, route.path);
      if (!route.token) {
        expect(res.status, route.path).not.toBe(401);
        continue;
      }
      expect(expectAnswer(res, route.path, 401, S.ErrorBody)?.error).toMatch(/bearer token/);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      if (route.path !== '/api/v1/events/stream') expect((await get(api.port, route.path, auth)).status).toBe(200);
    }
  });

  it('answers 404 for unknown paths and 405 for other methods on every route', async () => {
    const api = await start();
    for (const path of ['/nope', '/api/v1/nope', '/api/v2/stats']) {
      const body = expectAnswer(await get(api.port, path), path, 404, S.ErrorBody);
      expect(body?.endpoints).toContain('GET /api/v1/openapi.json');
    }
    for (const route of ROUTES)
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'])
        expectAnswer(await get(api.port, route.path, {}, method), route.path, 405, S.ErrorBody);
  });

  it('answers 503 from /api/v1/events/stream past SSE_MAX_CLIENTS', async () => {
    const api = await start({ sse: { maxClients: 0 } });
    expectAnswer(await get(api.port, '/api/v1/events/stream'), '/api/v1/events/stream', 503, S.ErrorBody);
  });

  it('answers 503 from /ready while a sink is down and from /health/dependencies with a failing dependency', async () => {
    const src = statusSource('ha');
    const influx = switchableSink('influx');
    influx.state.down = true;
    const p = await running(pipeline(src.source).to(influx.sink).build());
    await waitFor(() => src.started(), 'the source to run');
    src.set({ connected: true });
    const api = await start({ pipeline: p });
    const ready = expectAnswer(await get(api.port, '/ready'), '/ready', 503, S.ReadyBody);
    const influxHealth = ready?.components.find((c) => c.name === 'influx');
    expect(influxHealth?.acceptingWrites).toBe(false);
    expect(influxHealth?.message).toMatch(/healthcheck failed/);
    const deps = expectAnswer(
      await get(api.port, '/health/dependencies'),
      '/health/dependencies',
      503,
      S.DependenciesBody,
    );
    expect(deps?.dependencies.find((d) => d.name === 'influx')).toMatchObject({
      status: 'down',
      message: expect.stringMatching(/connection refused/) as unknown,
    });
    influx.state.down = false;
    expectAnswer(await get(api.port, '/health/dependencies'), '/health/dependencies', 200, S.DependenciesBody);
    expectAnswer(await get(api.port, '/ready'), '/ready', 200, S.ReadyBody);
  });

  it('answers 503 from /health when a source failed fatally, with the reason in checks', async () => {
    const src = statusSource('ha');
    const p = await running(pipeline(src.source).to(collectingSink()).build());
    p.idle().catch(() => undefined);
    await waitFor(() => src.started(), 'the source to run');
    src.fail(new SdkError(ErrorCode.AUTH_FAILED, 'auth_invalid'));
    await waitFor(() => p.health().status, 'the source to be down', { until: (s) => s === 'down' });
    const api = await start({ pipeline: p });
    const health = expectAnswer(await get(api.port, '/health'), '/health', 503, S.HealthBody);
    expect(health?.checks.find((c) => c.name === 'ha')).toMatchObject({ status: 'down' });
  });

  it('reports reconnects and the last reconnect time per source in /api/v1/stats', async () => {
    const clock = { t: Date.UTC(2025, 0, 1) };
    const src = statusSource('ha');
    const p = await running(pipeline(src.source).to(collectingSink()).build());
    const api = await start({ pipeline: p, now: () => clock.t });
    await waitFor(() => src.started(), 'the source to run');
    src.set({ connected: true });
    clock.t += 60_000;
    src.set({ connected: false, message: 'reconnecting in 1.0 s' });
    clock.t += 1_000;
    src.set({ connected: true });
    const stats = expectAnswer(await get(api.port, '/api/v1/stats'), '/api/v1/stats', 200, S.StatsBody);
    expect(stats?.sources['ha']).toEqual({
      connected: true,
      reconnects: 1,
      disconnects: 1,
      last_reconnect_at: '2025-01-01T00:01:01.000Z',
      last_status_at: '2025-01-01T00:01:01.000Z',
      message: null,
    });
  });

  it('serves an OpenAPI 3.1 document of every route that reveals no secret', async () => {
    const api = await start({ access: { apiToken: TOKEN }, maskedConfig: () => ({ apiToken: TOKEN }) });
    const res = await get(api.port, '/api/v1/openapi.json', auth);
    const doc = expectAnswer(res, '/api/v1/openapi.json', 200, S.OpenApiBody);
    expect(res.body).not.toContain(TOKEN);
    expect(Object.keys(doc?.paths ?? {})).toEqual(ROUTES.map((r) => r.path));
    expect(Object.keys(doc?.paths['/api/v1/stats']?.['get'] as object)).toContain('responses');
    expect(JSON.stringify(doc?.components.schemas['Stats'])).toContain('#/components/schemas/SourceStats');
    // HEAD is documented next to GET for every route, with the same statuses and no body.
    for (const route of ROUTES) {
      const item = doc?.paths[route.path] as Record<string, { responses: Record<string, { content?: unknown }> }>;
      expect(Object.keys(item['head']?.responses ?? {}), route.path).toEqual(Object.keys(item['get']?.responses ?? {}));
      expect(Object.values(item['head']?.responses ?? {}).some((r) => r.content !== undefined)).toBe(false);
    }
  });

  it('its OpenAPI document passes an independent OpenAPI 3.1 validator (the official JSON schema, with refs resolved)', async () => {
    const api = await start({});
    const res = await get(api.port, '/api/v1/openapi.json');
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(res.body) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator really rejects: a response without its required description, and a dangling $ref.
    const noDescription = JSON.parse(res.body) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const health = noDescription.paths['/health']?.['get'];
    if (health !== undefined) health['responses'] = { '200': {} };
    expect((await new Validator().validate(noDescription)).valid).toBe(false);
    const dangling = res.body.replace('#/components/schemas/Health"', '#/components/schemas/Nowhere"');
    expect(dangling).not.toBe(res.body);
    expect((await new Validator().validate(JSON.parse(dangling) as Record<string, unknown>)).valid).toBe(false);
  });

  afterAll(() => {
    // Every documented (route, status) pair was requested by a test above.
    const documented = ROUTES.flatMap((r) => Object.keys(r.responses).map((s) => `${r.path} ${s}`));
    expect(documented.filter((d) => !covered.has(d))).toEqual([]);
  });
});
