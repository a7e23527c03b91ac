/**
 * `tsx --conditions=source bench/parquet.ts [rows]`: figures of @ha-ingestor/sink-parquet (issue 17), as
 * ratios to a floor measured in the same run (JSON.stringify of the same rows, what the staging file
 * costs anyway). Prints rows/s of the stream writer (archive-shaped rows, snappy and uncompressed),
 * bytes per row, the heap after writing N rows vs N/10 (bounded memory: one row group), and the sink's
 * staging and hour-finishing rates. Temp files only; nothing is timed in a test.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStateChanged, createTestContext, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { ARCHIVE_COLUMNS, createParquetStreamWriter, parquetSink } from '@ha-ingestor/sink-parquet';

const total = Number(process.argv[2] ?? 200_000);
const dir = await mkdtemp(join(tmpdir(), 'bench-parquet-'));
const row = (i: number): unknown[] => [
  TEST_EVENT_TIME + i * 1_000_000,
  'state_changed',
  `sensor.room_${i % 300}_temperature`,
  'sensor',
  (20 + (i % 50) / 10).toFixed(1),
  20 + (i % 50) / 10,
  '°C',
  `{"unit_of_measurement":"°C","device_class":"temperature","friendly_name":"Room ${i % 300} temperature"}`,
  `01JCONTEXT${String(i).padStart(16, '0')}`,
  null,
  null,
  'ha-websocket',
  `sensor.room_${i % 300}_temperature@${TEST_EVENT_TIME + i * 1_000_000}`,
];

const floorStart = performance.now();
let floorBytes = 0;
for (let i = 0; i < total; i++) floorBytes += JSON.stringify(row(i)).length;
const floorMs = performance.now() - floorStart;

async function writerRun(compression: 'snappy' | 'uncompressed', rows: number) {
  const file = join(dir, `w-${compression}-${rows}.parquet`);
  const writer = createParquetStreamWriter(createWriteStream(file), { columns: [...ARCHIVE_COLUMNS], compression });
  const started = performance.now();
  for (let i = 0; i < rows; i += 1000)
    await writer.write(Array.from({ length: Math.min(1000, rows - i) }, (_, k) => row(i + k)));
  await writer.end();
  const ms = performance.now() - started;
  return { ms, bytes: (await stat(file)).size, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

const snappy = await writerRun('snappy', total);
const plain = await writerRun('uncompressed', total);
globalThis.gc?.();
const small = await writerRun('snappy', Math.round(total / 10));
globalThis.gc?.();
const large = await writerRun('snappy', total);

const sinkDir = join(dir, 'archive');
const sink = parquetSink({ dir: sinkDir, closeAfterMs: 0 });
const ctx = createTestContext({ now: () => TEST_EVENT_TIME / 1000 + 86_400_000 });
const events = Array.from({ length: total }, (_, i) =>
  makeStateChanged({
    entity_id: `sensor.room_${i % 300}_temperature`,
    state: '21.5',
    last_updated: TEST_EVENT_TIME + i * 20_000,
  }),
);
const sinkStart = performance.now();
for (let i = 0; i < total; i += 1000) await sink.write(events.slice(i, i + 1000), ctx);
await sink.close?.();
const sinkMs = performance.now() - sinkStart;

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en');
console.log(`rows: ${total.toLocaleString('en')} (archive shape, 13 columns), Node ${process.versions.node}`);
console.log(`floor JSON.stringify:          ${rate(total, floorMs)} rows/s, ${(floorBytes / total).toFixed(0)} B/row`);
console.log(
  `writer snappy:                 ${rate(total, snappy.ms)} rows/s (${(snappy.ms / floorMs).toFixed(1)}x floor), ${(snappy.bytes / total).toFixed(1)} B/row`,
);
console.log(
  `writer uncompressed:           ${rate(total, plain.ms)} rows/s (${(plain.ms / floorMs).toFixed(1)}x floor), ${(plain.bytes / total).toFixed(1)} B/row`,
);
console.log(
  `heap after ${Math.round(total / 10).toLocaleString('en')} vs ${total.toLocaleString('en')} rows: ${small.heapMb.toFixed(0)} MB vs ${large.heapMb.toFixed(0)} MB (run with --expose-gc for a clean figure)`,
);
console.log(
  `sink (fsync per 1,000-event batch, hours finished as they close): ${rate(total, sinkMs)} events/s (${(sinkMs / floorMs).toFixed(1)}x floor)`,
);
await rm(dir, { recursive: true, force: true });
