import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { isSdkError } from '@ha-ingestor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParquetStreamWriter } from './stream-writer.js';
import type { ParquetColumn } from './columns.js';
import { zstdAvailable } from './compression.js';
import { duckdb, sqlString } from './test-helpers.js';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const nextFile = () => join(dir, `f${n++}.parquet`);

const COLUMNS: ParquetColumn[] = [
  { name: 'time', type: 'timestamp_us' },
  { name: 'entity_id', type: 'string' },
  { name: 'value', type: 'double', nullable: true },
  { name: 'on', type: 'boolean', nullable: true },
  { name: 'count', type: 'int64', nullable: true },
];

async function writeFile(
  file: string,
  batches: readonly (readonly (readonly unknown[])[])[],
  options: Partial<Parameters<typeof createParquetStreamWriter>[1]> = {},
): Promise<number> {
  const writer = createParquetStreamWriter(createWriteStream(file), { columns: COLUMNS, ...options });
  for (const rows of batches) await writer.write(rows);
  await writer.end();
  return writer.rowsWritten;
}

describe('createParquetStreamWriter', () => {
  it('writes typed columns DuckDB reads back: TIMESTAMP WITH TIME ZONE µs, DOUBLE, VARCHAR, BOOLEAN, BIGINT', async () => {
    const file = nextFile();
    const written = await writeFile(file, [
      [
        [1_700_000_000_000_001n, 'sensor.a', 21.5, true, 3n],
        [1_700_000_000_000_002, 'sensor.ü', null, null, null],
      ],
    ]);
    expect(written).toBe(2);
    const rows = await duckdb(
      `select epoch_us(time)::varchar as us, typeof(time) as tt, entity_id, value, typeof(value) as tv, "on", typeof("on") as tb, count, typeof(count) as tc from ${sqlString(file)} order by time`,
    );
    expect(rows).toEqual([
      {
        us: '1700000000000001',
        tt: 'TIMESTAMP WITH TIME ZONE',
        entity_id: 'sensor.a',
        value: 21.5,
        tv: 'DOUBLE',
        on: true,
        tb: 'BOOLEAN',
        count: '3',
        tc: 'BIGINT',
      },
      {
        us: '1700000000000002',
        tt: 'TIMESTAMP WITH TIME ZONE',
        entity_id: 'sensor.ü',
        value: null,
        tv: 'DOUBLE',
        on: null,
        tb: 'BOOLEAN',
        count: null,
        tc: 'BIGINT',
      },
    ]);
  });

  it('cuts row groups of rowGroupRows rows, however the rows arrive, with snappy pages by default', async () => {
    const file = nextFile();
    const rows = Array.from({ length: 2_500 }, (_, i) => [
      1_700_000_000_000_000 + i,
      `sensor.s${i % 7}`,
      i / 4,
      i % 2 === 0,
      i,
    ]);
    await writeFile(file, [rows.slice(0, 333), rows.slice(333, 1_800), rows.slice(1_800)], { rowGroupRows: 1_000 });
    const groups = await duckdb(
      `select row_group_id, any_value(row_group_num_rows)::int as n, list(distinct compression) as codecs from parquet_metadata(${sqlString(file)}) group by 1 order by 1`,
    );
    expect(groups.map((g) => g['n'])).toEqual([1_000, 1_000, 500]);
    for (const g of groups) expect(g['codecs']).toEqual(['SNAPPY']);
    const [sum] = await duckdb(
      `select count(*)::int as n, sum(count)::bigint::varchar as total from ${sqlString(file)}`,
    );
    expect(sum).toEqual({ n: 2_500, total: String((2_499 * 2_500) / 2) });
  });

  it('writes uncompressed pages when asked', async () => {
    const file = nextFile();
    await writeFile(file, [[[1n, 'a', 1, true, 1n]]], { compression: 'uncompressed' });
    const codecs = await duckdb(`select distinct compression from parquet_metadata(${sqlString(file)})`);
    expect(codecs).toEqual([{ compression: 'UNCOMPRESSED' }]);
  });

  it('zstd: writes ZSTD pages where Node has zstd, else says which Node it needs', async () => {
    const file = nextFile();
    if (zstdAvailable()) {
      await writeFile(file, [[[1n, 'a', 1, true, 1n]]], { compression: 'zstd' });
      expect(await duckdb(`select distinct compression from parquet_metadata(${sqlString(file)})`)).toEqual([
        { compression: 'ZSTD' },
      ]);
    } else {
      expect(() => createParquetStreamWriter(new PassThrough(), { columns: COLUMNS, compression: 'zstd' })).toThrow(
        /zstd" needs Node 22\.15/,
      );
    }
  });

  it('an empty file (no rows) is still a valid Parquet file with the schema', async () => {
    const file = nextFile();
    await writeFile(file, []);
    expect(await duckdb(`select count(*)::int as n from ${sqlString(file)}`)).toEqual([{ n: 0 }]);
    const names = await duckdb(
      `select name, type from parquet_schema(${sqlString(file)}) where name <> 'root' order by name`,
    );
    expect(names.map((r) => r['name'])).toEqual(['count', 'entity_id', 'on', 'time', 'value']);
  });

  it.each([
    [[[1n, 5, null, null, null]], /column "entity_id" \(string\) row 0: expected a string, got number 5/],
    [[[1.5, 'a', null, null, null]], /column "time" \(timestamp_us\) row 0: expected an integer epoch µs/],
    [[[1n, 'a', '21.5', null, null]], /column "value" \(double\) row 0: expected a number, got string "21.5"/],
    [[[1n, 'a', null, 'yes', null]], /column "on" \(boolean\) row 0: expected a boolean/],
    [[[1n, 'a', null, null, 2 ** 60]], /column "count" \(int64\) row 0: expected an integer .*safe integer/],
    [
      [[null, 'a', null, null, null]],
      /column "time" \(timestamp_us\) row 0: expected a value \(the column is not nullable\), got null/,
    ],
    [[[1n, 'a', null, null, 2n ** 64n]], /column "count" \(int64\) row 0: expected .* within INT64/],
    [[[1n, 'a']], /row 0: expected an array of 5 values \(one per column\), got 2 values/],
  ])('rejects a value of the wrong type with EVENT_INVALID naming the column and row (%#)', async (rows, message) => {
    const writer = createParquetStreamWriter(new PassThrough(), { columns: COLUMNS });
    const error: unknown = await writer.write(rows).then(
      () => expect.fail('write resolved'),
      (e: unknown) => e,
    );
    expect(isSdkError(error, 'EVENT_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('a rejected batch leaves nothing behind: the row numbers count accepted rows and the file has only them', async () => {
    const file = nextFile();
    const writer = createParquetStreamWriter(createWriteStream(file), { columns: COLUMNS });
    await writer.write([[1n, 'a', null, null, null]]);
    await expect(
      writer.write([
        [2n, 'b', null, null, null],
        [3n, 7, null, null, null],
      ]),
    ).rejects.toThrow(/row 2:/);
    await writer.write([[4n, 'd', null, null, null]]);
    await writer.end();
    expect(writer.rowsWritten).toBe(2);
    expect(await duckdb(`select entity_id from ${sqlString(file)} order by time`)).toEqual([
      { entity_id: 'a' },
      { entity_id: 'd' },
    ]);
  });

  it('rejects a bad column list and a bad rowGroupRows with CONFIG_INVALID', () => {
    const out = new PassThrough();
    expect(() => createParquetStreamWriter(out, { columns: [] })).toThrow(/at least one column/);
    expect(() =>
      createParquetStreamWriter(out, {
        columns: [
          { name: 'a', type: 'double' },
          { name: 'a', type: 'string' },
        ],
      }),
    ).toThrow(/column "a" is defined twice/);
    expect(() => createParquetStreamWriter(out, { columns: COLUMNS, rowGroupRows: 0 })).toThrow(/rowGroupRows/);
  });

  it('write after end rejects; end is idempotent; ends the stream', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => out.on('end', resolve));
    const writer = createParquetStreamWriter(out, { columns: COLUMNS });
    await writer.end();
    await writer.end();
    await ended;
    await expect(writer.write([[1n, 'a', null, null, null]])).rejects.toThrow(/ended/);
    const bytes = Buffer.concat(chunks);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');
  });

  it('holds at most one row group: bytes reach the stream as each group completes', async () => {
    let received = 0;
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        received += chunk.length;
        done();
      },
    });
    const writer = createParquetStreamWriter(out, { columns: COLUMNS, rowGroupRows: 100 });
    await writer.write(Array.from({ length: 99 }, (_, i) => [BigInt(i), 'x', 1, true, 1n]));
    const afterPartial = received;
    await writer.write([[99n, 'x', 1, true, 1n]]);
    expect(afterPartial).toBe(0); // 99 rows (and the PAR1 magic) are still buffered
    expect(received).toBeGreaterThan(afterPartial);
    await writer.end();
  });

  it('a stream error rejects write/end with an SdkError', async () => {
    const out = new Writable({
      write(_chunk, _enc, done) {
        done(new Error('disk full'));
      },
    });
    out.on('error', () => undefined);
    const writer = createParquetStreamWriter(out, { columns: COLUMNS, rowGroupRows: 1 });
    const error: unknown = await writer.write([[1n, 'a', null, null, null]]).then(
      () => expect.fail('resolved'),
      (e: unknown) => e,
    );
    expect(isSdkError(error)).toBe(true);
    expect((error as Error).message).toMatch(/disk full/);
  });

  it('property: random rows round-trip through DuckDB unchanged', async () => {
    const row = fc.tuple(
      fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.option(fc.double({ noNaN: true }), { nil: null }),
      fc.option(fc.boolean(), { nil: null }),
      fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: null }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 60 }), fc.integer({ min: 1, max: 25 }), async (rows, groupRows) => {
        const file = nextFile();
        await writeFile(file, [rows.slice(0, 7), rows.slice(7)], { rowGroupRows: groupRows });
        const back = await duckdb(
          `select epoch_us(time)::varchar as t, entity_id as s, value as v, "on" as b, count::varchar as c from ${sqlString(file)}`,
        );
        expect(back).toEqual(
          rows.map(([t, s, v, b, c]) => ({ t: String(t), s, v: jsonDouble(v), b, c: c === null ? null : String(c) })),
        );
        await rm(file);
      }),
      { numRuns: 40 },
    );
  });
});

/** How DuckDB's JSON rows show a double: -0 as 0, ±Infinity as text. */
function jsonDouble(v: number | null): unknown {
  if (v === null) return null;
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return Object.is(v, -0) ? -0 : v;
}
