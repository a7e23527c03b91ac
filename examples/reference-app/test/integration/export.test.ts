// Issue 17 item 1: `ha-ingestor export` and /api/v1/export read a range back from a real InfluxDB 1.x,
// written through the influx sink: every format, hostile text, filters, errors and exit codes.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { createTestContext, makeStateChanged } from '@ha-ingestor/core/testing';
import { influxSink } from '@ha-ingestor/sink-influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, startTestApi, type TestApi } from '../http-harness.js';
import { createLineProtocolExporter } from '../../src/lp-export.js';
import { requireService, uniqueName } from '../../../../test-support/services.js';
import { startCli } from './cli-process.js';
import { DuckDBInstance } from '@duckdb/node-api';

const T0 = Date.UTC(2026, 0, 1) * 1000; // 2026-01-01T00:00:00Z in µs
const RANGE = ['--start', '2026-01-01T00:00:00Z', '--end', '2026-01-01T02:00:00Z'];
const HOSTILE = '=cmd|"/c calc"!A0,\nline2 "quoted" ünïcödé 🌡️ 温度';

function events(): StateChangedEvent[] {
  const list: StateChangedEvent[] = [];
  for (let i = 0; i < 300; i++) {
    list.push(
      makeStateChanged({
        entity_id: `sensor.room_${i % 3}_temperature`,
        state: (20 + i / 100).toFixed(2),
        attributes: { unit_of_measurement: '°C', friendly_name: `Room ${i % 3}` },
        last_updated: T0 + i * 10_000_000 + 1, // every 10 s, µs precise
      }),
    );
  }
  list.push(
    makeStateChanged({
      entity_id: 'input_text.note',
      state: HOSTILE,
      attributes: { friendly_name: HOSTILE },
      last_updated: T0 + 7,
    }),
  );
  return list;
}

describe('export from InfluxDB 1.x (CLI and HTTP)', () => {
  let url = '';
  let database = '';
  let dir = '';
  const env = () => ({ INFLUXDB_URL: url, INFLUXDB_API_VERSION: '1', INFLUXDB_DATABASE: database, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    url = requireService('influxdb').url;
    database = uniqueName('app_export');
    const sink = influxSink({ url, apiVersion: '1', database, createDatabase: true });
    const context = createTestContext();
    await sink.open?.(context);
    await sink.write(events(), context);
    await sink.close?.();
    dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-export-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('csv to a file: every row, attribute columns, hostile text escaped, summary on stderr, no temp file left', async () => {
    const out = join(dir, 'all.csv');
    const cli = startCli(['export', ...RANGE, '--format', 'csv', '--out', out], env());
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/exported 301 rows in/);
    const text = await readFile(out, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('time,entity_id,domain,state,value,unit,attr_friendly_name');
    expect(text).toContain(`${T0 + 1},sensor.room_0_temperature,sensor,,20,°C,Room 0\n`);
    expect(text).toContain(`"'=cmd|""/c calc""!A0,\nline2 ""quoted"" ünïcödé 🌡️ 温度"`);
    expect(await readdir(dir)).toEqual(['all.csv']);
  });

  it('ndjson to stdout with --entities globs and --json progress', async () => {
    const cli = startCli(
      ['export', ...RANGE, '--format', 'ndjson', '--entities', 'sensor.room_1_*,input_text.note', '--json'],
      env(),
    );
    expect(await cli.exited, cli.output()).toBe(0);
    const out = cli
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const rows = out.filter((o) => 'entity_id' in o);
    expect(rows).toHaveLength(101);
    expect(new Set(rows.map((r) => r['entity_id']))).toEqual(new Set(['sensor.room_1_temperature', 'input_text.note']));
    expect(rows.find((r) => r['entity_id'] === 'input_text.note')).toEqual({
      time: T0 + 7,
      entity_id: 'input_text.note',
      domain: 'input_text',
      state: HOSTILE,
      value: null,
      unit: null,
      attributes: { friendly_name: HOSTILE },
    });
    expect(out.at(-1)).toMatchObject({ done: true, rows: 101 });
  });

  it('json is one valid array; lp re-serialises the same points as the sink', async () => {
    const jsonFile = join(dir, 'all.json');
    const lpFile = join(dir, 'all.lp');
    for (const [format, file] of [
      ['json', jsonFile],
      ['lp', lpFile],
    ] as const) {
      const cli = startCli(['export', ...RANGE, '--format', format, '--out', file], env());
      expect(await cli.exited, cli.output()).toBe(0);
    }
    const rows = JSON.parse(await readFile(jsonFile, 'utf8')) as unknown[];
    expect(rows).toHaveLength(301);
    const lp = (await readFile(lpFile, 'utf8')).trimEnd().split('\n');
    expect(lp).toHaveLength(301);
    const expected = createLineProtocolExporter({ kind: 'ha' }, 'us')(events() as unknown as Record<string, unknown>[]);
    expect(lp).toContain(expected.split('\n').find((l) => l.includes(`${T0 + 1}`)));
  });

  it('parquet to a file: DuckDB reads every row back with typed columns and the hostile text intact', async () => {
    const out = join(dir, 'all.parquet');
    const cli = startCli(['export', ...RANGE, '--format', 'parquet', '--out', out], env());
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/exported 301 rows in/);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const file = `'${out.replaceAll("'", "''")}'`;
    const types = (await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`)).getRowObjectsJson();
    expect(Object.fromEntries(types.map((t) => [t['column_name'], t['column_type']]))).toMatchObject({
      time: 'TIMESTAMP WITH TIME ZONE',
      entity_id: 'VARCHAR',
      value: 'DOUBLE',
      attr_friendly_name: 'VARCHAR',
    });
    const summary = (
      await db.runAndReadAll(
        `SELECT count(*) AS n, count(DISTINCT entity_id) AS entities, epoch_us(min(time)) AS first, sum(value) AS total FROM read_parquet(${file})`,
      )
    ).getRowObjectsJson();
    const expectedTotal = events()
      .filter((e) => e.entity_id.startsWith('sensor.'))
      .reduce((sum, e) => sum + Number(e.state), 0);
    expect(summary[0]).toMatchObject({ n: '301', entities: '4', first: String(T0 + 1) });
    expect(Number(summary[0]?.['total'])).toBeCloseTo(expectedTotal, 6);
    const note = (
      await db.runAndReadAll(
        `SELECT state, attr_friendly_name FROM read_parquet(${file}) WHERE entity_id = 'input_text.note'`,
      )
    ).getRowObjectsJson();
    expect(note).toEqual([{ state: HOSTILE, attr_friendly_name: HOSTILE }]);
    db.closeSync();
  });

  it('an empty range exports nothing but the frame', async () => {
    const cli = startCli(
      ['export', '--start', '2025-01-01T00:00:00Z', '--end', '2025-01-02T00:00:00Z', '--format', 'json'],
      env(),
    );
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/^\[\]\nexported 0 rows/);
  });

  it('refuses bad requests with exit 2 and a clear message, before touching the database', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['export', '--start', 'yesterday', '--end', '2026-01-02T00:00:00Z'],
        env(),
        /start "yesterday" is not an ISO 8601 time/,
      ],
      [
        ['export', '--start', '2026-01-02T00:00:00Z', '--end', '2026-01-01T00:00:00Z'],
        env(),
        /end must be after start/,
      ],
      [['export', ...RANGE, '--format', 'xlsx'], env(), /--format "xlsx" is not one of parquet, csv, ndjson, json, lp/],
      [['export', ...RANGE], { LOG_LEVEL: 'warn' }, /export needs a database: set INFLUXDB_URL/],
      [['export', ...RANGE, '--entities', 'sensor.x;drop'], env(), /bad entity pattern/],
    ];
    for (const [args, e, message] of cases) {
      const cli = startCli(args, e);
      expect(await cli.exited, cli.output()).toBe(2);
      expect(cli.output()).toMatch(message);
    }
  });

  it('a database failure is exit 1 without the password, and no partial file is left', async () => {
    const out = join(dir, 'never.csv');
    const cli = startCli(['export', ...RANGE, '--out', out], {
      ...env(),
      INFLUXDB_URL: 'http://127.0.0.1:9',
      INFLUXDB_USERNAME: 'u',
      INFLUXDB_PASSWORD: 'pw-v3ry-s3cret',
    });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(/export failed: CONNECTION_LOST/);
    expect(cli.output()).not.toContain('pw-v3ry-s3cret');
    expect((await readdir(dir)).filter((f) => f.startsWith('never'))).toEqual([]);
  });

  describe('/api/v1/export', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({
        storeExport: {
          database: { url, apiVersion: '1', database },
          toLineProtocol: createLineProtocolExporter({ kind: 'ha' }, 'us'),
        },
      });
    });
    afterAll(async () => api.close());

    it('streams the range as an attachment in each format', async () => {
      const q = 'start=2026-01-01T00:00:00Z&end=2026-01-01T02:00:00Z';
      const csv = await get(api.port, `/api/v1/export?${q}&format=csv&entities=sensor.room_2_temperature`);
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toBe(
        'attachment; filename="ha-export_2026-01-01T00-00-00-000Z_2026-01-01T02-00-00-000Z.csv"',
      );
      expect(csv.body.trimEnd().split('\n')).toHaveLength(101);
      const json = await get(api.port, `/api/v1/export?${q}&format=json`);
      expect(JSON.parse(json.body)).toHaveLength(301);
      const bad = await get(api.port, `/api/v1/export?start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z`);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatch(/end must be after start/);
    });
  });
});
