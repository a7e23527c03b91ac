import { appendFile, mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HaEvent } from '@ha-ingestor/core';
import {
  createTestContext,
  makeStateChanged,
  testSink,
  TEST_EVENT_TIME,
  type TestContext,
} from '@ha-ingestor/core/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parquetSink } from './parquet-sink.js';
import type { ParquetSinkOptions } from './options.js';
import { duckdb, sqlString } from './test-helpers.js';

const HOUR_US = 3_600_000_000;
/** 2023-11-14T22:00:00Z: the hour TEST_EVENT_TIME falls in. */
const H0 = Math.floor(TEST_EVENT_TIME / HOUR_US) * HOUR_US;

let root: string;
let dir: string;
let runs = 0;
beforeEach(async () => {
  root ??= await mkdtemp(join(tmpdir(), 'parquet-sink-'));
  dir = join(root, `run-${runs++}`);
});

/** Every row in the archive's part files, read by DuckDB with hive partitioning. */
async function archived(where = dir): Promise<Record<string, unknown>[]> {
  const parts = await partFiles(where);
  if (parts.length === 0) return [];
  return duckdb(
    `select *, epoch_us(time)::varchar as us from read_parquet(${sqlString(join(where, '**', '*.parquet'))}, hive_partitioning = true) order by time, key`,
  );
}

async function partFiles(where = dir): Promise<string[]> {
  try {
    return (await readdir(where, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
  } catch {
    return [];
  }
}

async function stagedLines(where = dir): Promise<number> {
  let n = 0;
  try {
    for (const f of await readdir(join(where, '.staging'))) {
      const text = await readFile(join(where, '.staging', f), 'utf8');
      n += text.split('\n').filter((l) => l.length > 0).length;
    }
  } catch {
    return n;
  }
  return n;
}

let seq = 0;
const event = (timeUs: number, entity = 'sensor.kitchen_temp', state = '21.5') =>
  makeStateChanged({ entity_id: entity, state, last_updated: timeUs, key: `k${seq++}` });

testSink({
  name: 'parquet',
  create: () => parquetSink({ dir }),
  sampleEvents: () => [event(TEST_EVENT_TIME + seq), event(TEST_EVENT_TIME + HOUR_US + seq, 'light.hall', 'on')],
  // Durable = in a part file, or fsynced to a staging file (the open hour).
  read: async () => [...(await archived()), ...Array.from({ length: await stagedLines() })],
});

describe('parquetSink', () => {
  let ctx: TestContext;
  const sinks: { close?: (() => Promise<void>) | undefined }[] = [];
  const make = (options: Partial<ParquetSinkOptions> = {}) => {
    const sink = parquetSink({ dir, rowGroupRows: 100, ...options });
    sinks.push(sink);
    return sink;
  };
  beforeEach(() => {
    ctx = createTestContext({ now: () => TEST_EVENT_TIME / 1000 });
  });
  afterEach(async () => {
    for (const s of sinks.splice(0)) await s.close?.();
  });
  const counter = async (name: string) =>
    (await ctx.metrics.registry.getSingleMetric(`ha_ingestor_parquet_${name}_total`)?.get())?.values[0]?.value ?? 0;

  it('writes hive-partitioned hourly part files DuckDB reads with typed columns and date/hour partitions', async () => {
    const sink = make();
    const events: HaEvent[] = [
      event(H0 + 5, 'sensor.kitchen_temp', '21.5'),
      event(H0 + 6, 'light.hall', 'on'),
      event(H0 + HOUR_US + 7, 'sensor.kitchen_temp', 'unavailable'),
      {
        event_type: 'call_service',
        time_fired: H0 + 8,
        context: { id: 'ctx1', parent_id: null, user_id: 'u1' },
        provenance: { source: 'ha-websocket', mode: 'live', receivedAt: H0 + 8 },
        key: 'svc1',
        data: { domain: 'light', service: 'turn_on', service_data: { entity_id: 'light.hall' } },
      },
    ];
    expect(await sink.write(events, ctx)).toBeUndefined();
    await sink.close?.();
    expect(await partFiles()).toEqual([
      expect.stringMatching(/^date=2023-11-14\/hour=22\/part-20231114T22-[a-z0-9]+\.parquet$/),
      expect.stringMatching(/^date=2023-11-14\/hour=23\/part-20231114T23-[a-z0-9]+\.parquet$/),
    ]);
    const rows = await archived();
    expect(rows.map((r) => [r['us'], r['key'], r['date'], r['hour']])).toEqual([
      [String(H0 + 5), 'k' + String(seq - 3), '2023-11-14', '22'],
      [String(H0 + 6), 'k' + String(seq - 2), '2023-11-14', '22'],
      [String(H0 + 8), 'svc1', '2023-11-14', '22'],
      [String(H0 + HOUR_US + 7), 'k' + String(seq - 1), '2023-11-14', '23'],
    ]);
    expect(rows[0]).toMatchObject({
      event_type: 'state_changed',
      entity_id: 'sensor.kitchen_temp',
      domain: 'sensor',
      state: '21.5',
      value: 21.5,
      unit: '°C',
      attributes: JSON.stringify({ unit_of_measurement: '°C', friendly_name: 'Test temperature' }),
      source: 'test',
    });
    expect(rows[1]).toMatchObject({ state: 'on', value: null });
    expect(rows[2]).toMatchObject({
      event_type: 'call_service',
      entity_id: null,
      domain: 'light',
      state: null,
      attributes: JSON.stringify(events[3] && 'data' in events[3] ? events[3].data : null),
      context_id: 'ctx1',
      context_user_id: 'u1',
      source: 'ha-websocket',
    });
    expect(rows[3]).toMatchObject({ state: 'unavailable', value: null });
    const types = await duckdb(
      `describe select * from read_parquet(${sqlString(join(dir, '**', '*.parquet'))}, hive_partitioning = true)`,
    );
    expect(Object.fromEntries(types.map((t) => [t['column_name'], t['column_type']]))).toMatchObject({
      time: 'TIMESTAMP WITH TIME ZONE',
      value: 'DOUBLE',
      entity_id: 'VARCHAR',
      attributes: 'VARCHAR',
    });
    expect(await counter('parts_written')).toBe(2);
    expect(await counter('rows_archived')).toBe(4);
  });

  it('write() resolves once the rows are fsynced to the staging file; no part file while the hour is open', async () => {
    const sink = make();
    await sink.write([event(H0 + 1), event(H0 + 2)], ctx);
    expect(await stagedLines()).toBe(2);
    expect(await partFiles()).toEqual([]);
    expect(await counter('rows_staged')).toBe(2);
  });

  it('finishes an hour once event time is closeAfterMs past its end; a late event gets a part file of its own', async () => {
    const sink = make({ closeAfterMs: 60_000 });
    const later = createTestContext({ now: () => (H0 + 3 * HOUR_US) / 1000, metrics: ctx.metrics });
    await sink.write([event(H0 + 1)], later);
    await sink.write([event(H0 + HOUR_US + 30_000_000)], later); // 30 s into the next hour: H0 still open
    expect(await partFiles()).toEqual([]);
    await sink.write([event(H0 + HOUR_US + 61_000_000)], later); // 61 s: H0 is due
    expect(await partFiles()).toEqual([expect.stringMatching(/^date=2023-11-14\/hour=22\/part-/)]);
    await sink.write([event(H0 + 2)], later); // late for the finished hour
    await sink.write([event(H0 + HOUR_US + 62_000_000)], later); // the late part is due again
    const hour22 = (await partFiles()).filter((f) => f.includes('hour=22'));
    expect(hour22).toHaveLength(2);
    await sink.close?.();
    expect((await archived()).map((r) => r['us'])).toEqual(
      [H0 + 1, H0 + 2, H0 + HOUR_US + 30_000_000, H0 + HOUR_US + 61_000_000, H0 + HOUR_US + 62_000_000].map(String),
    );
  });

  it('event time far ahead of the clock does not close the open hours (the watermark is capped by the clock)', async () => {
    const sink = make({ closeAfterMs: 0 });
    await sink.write([event(H0 + 1)], ctx);
    await sink.write([event(H0 + 100 * HOUR_US)], ctx); // a bad clock on a device
    expect(await partFiles()).toEqual([]);
  });

  it('keeps at most maxOpenHours open: another hour first finishes the oldest (counted)', async () => {
    const sink = make({ maxOpenHours: 2, closeAfterMs: 10 * 3_600_000 });
    await sink.write([event(H0 + 1)], ctx);
    await sink.write([event(H0 + HOUR_US + 1)], ctx);
    expect(await partFiles()).toEqual([]);
    await sink.write([event(H0 + 2 * HOUR_US + 1)], ctx);
    expect(await partFiles()).toEqual([expect.stringMatching(/hour=22\//)]);
    expect(await counter('hours_evicted')).toBe(1);
    const open = await ctx.metrics.registry.getSingleMetric('ha_ingestor_parquet_open_hours')?.get();
    expect(open?.values[0]?.value).toBe(2);
  });

  it('rejects events that cannot be rows (by index, with a reason) and writes the rest', async () => {
    const sink = make();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const result = await sink.write(
      [
        event(H0 + 1),
        { ...event(H0 + 2), time_fired: 1.5 },
        { ...event(H0 + 3), attributes: cyclic },
        { ...event(H0 + 4), attributes: { big: 1n } },
      ],
      ctx,
    );
    expect(result?.rejected?.map((r) => [r.index, r.reason])).toEqual([
      [1, 'invalid_time'],
      [2, 'not_serialisable'],
      [3, 'not_serialisable'],
    ]);
    await sink.close?.();
    expect(await archived()).toHaveLength(1);
  });

  it('recovers the staging files of a run that never closed: torn last line cut, every acknowledged row once', async () => {
    const first = parquetSink({ dir }); // never closed: the process "crashed"
    await first.write([event(H0 + 1), event(H0 + 2)], ctx);
    await first.write([event(H0 + HOUR_US + 1)], ctx);
    const staging = join(dir, '.staging');
    const [oldest] = (await readdir(staging)).sort();
    await appendFile(join(staging, oldest as string), '[1700000000000003,"state_chan'); // a write cut by the crash

    const second = make();
    await second.write([event(H0 + 3)], ctx);
    await second.close?.();
    const rows = await archived();
    expect(rows.map((r) => r['us'])).toEqual([H0 + 1, H0 + 2, H0 + 3, H0 + HOUR_US + 1].map(String));
    expect(await readdir(staging)).toEqual([]);
    expect(await counter('rows_recovered')).toBe(3);
    expect(await counter('torn_bytes')).toBe('[1700000000000003,"state_chan'.length);
  });

  it('home: provenance.home of a scaled-out edge (issue 16), null without one', async () => {
    const sink = make();
    const fromEdge = makeStateChanged({
      entity_id: 'sensor.kitchen_temp',
      state: '20',
      last_updated: H0 + 1,
      key: 'edge1',
      provenance: { source: 'nats', mode: 'live', receivedAt: H0 + 1, home: 'home-a' },
    });
    await sink.write([fromEdge, event(H0 + 2)], ctx);
    await sink.close?.();
    expect((await archived()).map((r) => [r['key'], r['home']])).toEqual([
      ['edge1', 'home-a'],
      [`k${seq - 1}`, null],
    ]);
  });

  it('a staging file of a version without the home column (13 values a row) becomes a part file with a null home', async () => {
    const first = parquetSink({ dir }); // never closed: the process "crashed" before the upgrade
    await first.write([event(H0 + 1), event(H0 + 2)], ctx);
    const staging = join(dir, '.staging');
    const [name] = await readdir(staging);
    const path = join(staging, name as string);
    const legacy = (await readFile(path, 'utf8'))
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.stringify((JSON.parse(l) as unknown[]).slice(0, 13)));
    expect(legacy.map((l) => (JSON.parse(l) as unknown[]).length)).toEqual([13, 13]);
    await writeFile(path, legacy.join('\n') + '\n');

    const second = make();
    await second.close?.();
    const rows = await archived();
    expect(rows.map((r) => [r['us'], r['entity_id'], r['home']])).toEqual([
      [String(H0 + 1), 'sensor.kitchen_temp', null],
      [String(H0 + 2), 'sensor.kitchen_temp', null],
    ]);
    expect(await readdir(staging)).toEqual([]);
  });

  it('recovery deletes a temporary part of a crashed conversion and does not duplicate an already renamed part', async () => {
    const first = parquetSink({ dir });
    await first.write([event(H0 + 1)], ctx);
    // A conversion that crashed before its rename…
    await mkdir(join(dir, 'date=2023-11-14', 'hour=22'), { recursive: true });
    await writeFile(join(dir, 'date=2023-11-14', 'hour=22', '.part-20231114T22-x.parquet.tmp'), 'PAR1 half');
    const second = make();
    await second.close?.();
    expect(await partFiles()).toHaveLength(1);
    expect((await readdir(join(dir, 'date=2023-11-14', 'hour=22'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // …and one that crashed after its rename but before deleting the staging file.
    const dir2 = join(root, `run-${runs++}`);
    const a = parquetSink({ dir: dir2 });
    await a.write([event(H0 + 5)], ctx);
    const [stagedName] = await readdir(join(dir2, '.staging'));
    const staged = await readFile(join(dir2, '.staging', stagedName as string), 'utf8');
    const b = parquetSink({ dir: dir2 });
    await b.close?.(); // writes the part and deletes the staging file
    await mkdir(join(dir2, '.staging'), { recursive: true });
    await writeFile(join(dir2, '.staging', stagedName as string), staged); // the staging file "survived"
    const c = parquetSink({ dir: dir2 });
    await c.close?.();
    expect((await archived(dir2)).map((r) => r['us'])).toEqual([String(H0 + 5)]);
    expect(await readdir(join(dir2, '.staging'))).toEqual([]);
  });

  it('a failed start (dir not creatable) is retried by the next write once the problem is gone', async () => {
    const blocked = join(root, `blocked-${runs++}`);
    await writeFile(blocked, 'a file where the archive should be');
    const sink = make({ dir: blocked });
    await expect(sink.write([event(H0 + 1)], ctx)).rejects.toThrow(/EEXIST|ENOTDIR/);
    await rm(blocked);
    await sink.write([event(H0 + 1)], ctx);
    await sink.close?.();
    expect(await archived(blocked)).toHaveLength(1);
  });

  it('healthcheck rejects with SINK_UNAVAILABLE when dir cannot be created', async () => {
    const file = join(root, `file-${runs++}`);
    await writeFile(file, 'x');
    const sink = parquetSink({ dir: join(file, 'sub') });
    await expect(sink.healthcheck?.(new AbortController().signal)).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE' });
  });
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});
