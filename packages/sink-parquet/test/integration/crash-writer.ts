// Child process of the crash test (run with tsx): writes batches of 25 events, 2 s of event time apart, into
// a Parquet sink forever, printing `ACKED <n>` after each write() resolved (the first n events are
// acknowledged), until the parent SIGKILLs it mid-stream. Usage: crash-writer.ts <dir> <start µs>
import { createTestContext, makeStateChanged } from '@ha-ingestor/core/testing';
import { parquetSink } from '../../src/index.js';

const [dir, startText] = process.argv.slice(2);
if (!dir || !startText) {
  console.error('usage: crash-writer.ts <dir> <start µs>');
  process.exit(2);
}
const start = Number(startText);
// closeAfterMs 0 and a clock far ahead: an hour is finished as soon as the next one is written, so the
// kill also lands during part-file conversions, not only during staging appends.
const sink = parquetSink({ dir, rowGroupRows: 50, closeAfterMs: 0, maxOpenHours: 2 });
const ctx = createTestContext({ now: () => start / 1000 + 365 * 86_400_000 });
let next = 0;
for (;;) {
  const batch = Array.from({ length: 25 }, (_, i) =>
    makeStateChanged({
      entity_id: `sensor.s${(next + i) % 5}`,
      state: String(next + i),
      last_updated: start + (next + i) * 2_000_000,
      key: `e${next + i}`,
    }),
  );
  await sink.write(batch, ctx);
  next += batch.length;
  console.log(`ACKED ${next}`);
}
