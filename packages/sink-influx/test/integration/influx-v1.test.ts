// The v1 write path against a real InfluxDB 1.6.7: round trips, type conflicts, server-side isolation,
// auth and configuration failures.
import { isSdkError } from '@ha-ingestor/core';
import { createTestContext, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { influxSink } from '../../src/index.js';
import {
  createInfluxDatabase,
  influxQuery,
  influxRows,
  requireService,
  uniqueName,
} from '../../../../test-support/services.js';
import { writableCorpus } from '../fixtures/hostile-corpus.js';
import { authDatabase, expectNoSecret, WRONG_PASSWORD } from './auth.js';
import { eventKeys, keysOf, temperatureEvents } from './helpers.js';

async function count(url: string, db: string, measurement: string): Promise<number> {
  const series = await influxQuery(url, db, `SELECT count(value) FROM "${measurement}"`);
  return Number(series[0]?.values[0]?.[1] ?? 0);
}

describe('influxSink v1 on InfluxDB 1.6.7', () => {
  it('writes a batch that reads back exactly (µs times, ha schema)', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('v1_basic');
    const sink = influxSink({ url, apiVersion: '1', database, createDatabase: true });
    const context = createTestContext();
    await sink.open?.(context);
    const events = temperatureEvents(500);
    expect(await sink.write(events, context)).toBeUndefined();
    const rows = await influxRows(url, database, 'SELECT * FROM "°C"');
    expect(rows).toHaveLength(500);
    expect(keysOf(rows)).toEqual(eventKeys(events));
    expect(rows[0]).toMatchObject({
      domain: 'sensor',
      entity_id: 'room_0_temperature',
      value: 15,
      friendly_name_str: 'Room 0',
    });
    await sink.healthcheck?.(new AbortController().signal);
    await sink.close?.();
  });

  it('round-trips the hostile corpus exactly (written through the sink, read back with InfluxQL)', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('v1_corpus');
    await createInfluxDatabase(url, database);
    const events = writableCorpus.map((c) => ({ event_type: 'corpus', time_fired: c.point.time, corpus: c }));
    // The hook is typed by the sink's event type: no cast to reach `corpus` (issue 20).
    const sink = influxSink<(typeof events)[number]>(
      { url, apiVersion: '1', database },
      { toPoints: (e) => [e.corpus.point] },
    );
    const context = createTestContext();
    expect(await sink.write(events, context)).toBeUndefined();
    for (const c of writableCorpus) {
      const series = await influxQuery(url, database, `SELECT * FROM /.*/ WHERE time = ${c.expected.time}u`);
      const match = series.find((s) => s.name === c.expected.measurement);
      expect(match, c.name).toBeDefined();
      const row: Record<string, unknown> = {};
      match?.columns.forEach((col, i) => {
        const v = match.values[0]?.[i];
        if (v !== null && v !== undefined) row[col] = v;
      });
      expect(row, c.name).toEqual({ time: c.expected.time, ...c.expected.tags, ...c.expected.fields });
    }
    await sink.close?.();
  });

  it('1,000-point batch with one point conflicting with a pre-seeded field: 999 written, 1 dead-lettered (caught before sending)', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('v1_conflict');
    await createInfluxDatabase(url, database);
    await fetch(`${url}/write?db=${database}&precision=u`, {
      method: 'POST',
      body: `kWh,entity_id=seed value="text" ${TEST_EVENT_TIME - 5}`,
    });
    const events = temperatureEvents(1000);
    events[500] = temperatureEvents(1, {
      start: events[500]?.last_updated ?? 0,
      unit: 'kWh',
    })[0] as (typeof events)[number];
    const sink = influxSink({ url, apiVersion: '1', database });
    const context = createTestContext();
    await sink.open?.(context);
    const result = await sink.write(events, context);
    expect(result?.rejected).toEqual([
      {
        index: 500,
        reason: 'type_conflict',
        message: expect.stringContaining('field "value" of measurement "kWh" is float here but string'),
      },
    ]);
    expect(await count(url, database, '°C')).toBe(999);
    expect(await count(url, database, 'kWh')).toBe(1); // the seed only
    await sink.close?.();
  });

  it('isolates a conflict the registry did not know (server partial write): 999 written, 1 rejected with the server reason', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('v1_partial');
    await createInfluxDatabase(url, database);
    const sink = influxSink({ url, apiVersion: '1', database, seedFieldTypes: false });
    const context = createTestContext();
    await sink.open?.(context);
    // Seeded after open: the sink cannot know.
    await fetch(`${url}/write?db=${database}&precision=u`, {
      method: 'POST',
      body: `kWh,entity_id=seed value="text" ${TEST_EVENT_TIME - 5}`,
    });
    const events = temperatureEvents(1000);
    events[10] = temperatureEvents(1, {
      start: events[10]?.last_updated ?? 0,
      unit: 'kWh',
    })[0] as (typeof events)[number];
    const result = await sink.write(events, context);
    expect(result?.rejected).toEqual([
      {
        index: 10,
        reason: 'type_conflict',
        message: expect.stringMatching(
          /HTTP 400: field type conflict: field "value" of measurement "kWh" already exists as type string/,
        ),
      },
    ]);
    expect(await count(url, database, '°C')).toBe(999);
    // The registry learnt the server's type: the next conflicting point is refused before sending.
    const again = await sink.write(
      [temperatureEvents(1, { start: 5, unit: 'kWh' })[0] as (typeof events)[number]],
      context,
    );
    expect(again?.rejected?.[0]).toMatchObject({
      index: 0,
      reason: 'type_conflict',
      message: expect.stringContaining('(typeConflict: dead-letter)'),
    });
    await sink.close?.();
  });

  it('coerces a conflicting value losslessly when typeConflict is coerce', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('v1_coerce');
    await createInfluxDatabase(url, database);
    await fetch(`${url}/write?db=${database}&precision=u`, {
      method: 'POST',
      body: `kWh,entity_id=seed value="text" ${TEST_EVENT_TIME - 5}`,
    });
    const sink = influxSink({ url, apiVersion: '1', database, typeConflict: 'coerce' });
    const context = createTestContext();
    await sink.open?.(context);
    const events = temperatureEvents(3, { unit: 'kWh' });
    expect(await sink.write(events, context)).toBeUndefined();
    const rows = await influxRows(url, database, 'SELECT value FROM "kWh" WHERE entity_id != \'seed\'');
    expect(rows.map((r) => r['value'])).toEqual(['15.0', '15.1', '15.2'].map((v) => String(Number(v))));
    await sink.close?.();
  });

  it('coerce also resolves a conflict only the server knew: the refused point is coerced and resent', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('v1_coerce_server');
    await createInfluxDatabase(url, database);
    const sink = influxSink({ url, apiVersion: '1', database, typeConflict: 'coerce', seedFieldTypes: false });
    const context = createTestContext();
    await sink.open?.(context);
    await fetch(`${url}/write?db=${database}&precision=u`, {
      method: 'POST',
      body: `kWh,entity_id=seed value="text" ${TEST_EVENT_TIME - 5}`,
    });
    const events = temperatureEvents(100);
    events[42] = temperatureEvents(1, {
      start: events[42]?.last_updated ?? 0,
      unit: 'kWh',
    })[0] as (typeof events)[number];
    expect(await sink.write(events, context)).toBeUndefined();
    expect(await count(url, database, '°C')).toBe(99);
    const rows = await influxRows(url, database, 'SELECT value FROM "kWh" WHERE entity_id != \'seed\'');
    expect(rows.map((r) => r['value'])).toEqual([String(Number(events[42]?.state))]);
    expect(await context.metrics.registry.getSingleMetricAsString('ha_ingestor_influx_points_coerced_total')).toMatch(
      / 1$/m,
    );
    await sink.close?.();
  });

  it('bisects a body the server refuses without naming the line, keeping every good point', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('v1_bisect');
    await createInfluxDatabase(url, database);
    // 1.x refuses a point outside the retention policy with "partial write: points beyond retention policy dropped=1".
    await influxQuery(
      url,
      database,
      `CREATE RETENTION POLICY "short" ON "${database}" DURATION 1h REPLICATION 1 DEFAULT`,
    );
    const now = Date.now() * 1000;
    const events = temperatureEvents(64, { start: now });
    events[37] = temperatureEvents(1, { start: now - 30 * 24 * 3600 * 1_000_000 })[0] as (typeof events)[number];
    const sink = influxSink({ url, apiVersion: '1', database, seedFieldTypes: false });
    const context = createTestContext();
    const result = await sink.write(events, context);
    expect(result?.rejected).toEqual([
      { index: 37, reason: 'beyond_retention', message: expect.stringContaining('beyond retention') },
    ]);
    expect(await count(url, database, '°C')).toBe(63);
    const requests = await context.metrics.registry.getSingleMetricAsString('ha_ingestor_influx_requests_total');
    expect(requests).toMatch(/kind="bisect"/);
    await sink.close?.();
  });

  it('keeps the data and reports a missing database as a retryable configuration error', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const sink = influxSink({ url, apiVersion: '1', database: uniqueName('missing'), seedFieldTypes: false });
    const error: unknown = await sink.write(temperatureEvents(2), createTestContext()).catch((e: unknown) => e);
    expect(isSdkError(error, 'SINK_UNAVAILABLE')).toBe(true);
    expect(error).toMatchObject({ retryable: true, data: { status: 404, reason: 'not_found' } });
    expect((error as Error).message).toMatch(/database "missing_.*" not found/);
    await sink.close?.();
  });

  it('auth: the right credentials write; wrong ones give AUTH_FAILED (retryable) without leaking the password', async (ctx) => {
    const { auth, database, v1 } = await authDatabase(ctx, 'v1_auth');
    const good = influxSink(v1);
    const context = createTestContext();
    await good.open?.(context);
    expect(await good.write(temperatureEvents(5), context)).toBeUndefined();
    expect(await influxRows(auth.url, database, 'SELECT * FROM "°C"', auth)).toHaveLength(5);

    const bad = influxSink({ ...v1, password: WRONG_PASSWORD });
    const error: unknown = await bad.write(temperatureEvents(5), context).catch((e: unknown) => e);
    expect(isSdkError(error, 'AUTH_FAILED')).toBe(true);
    expect(error).toMatchObject({ retryable: true, data: { status: 401 } });
    expectNoSecret(error, auth.username, WRONG_PASSWORD);
    await expect(good.healthcheck?.(new AbortController().signal)).resolves.toBeUndefined();
    await expect(bad.healthcheck?.(new AbortController().signal)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await good.close?.();
    await bad.close?.();
  });
});
