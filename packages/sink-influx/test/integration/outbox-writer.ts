// Child process of the crash test (run with tsx): a pipeline whose InfluxDB is down writes N events into
// its disk outbox, prints `OUTBOXED <n>` once every event is handled (durably outboxed), then idles until
// the parent SIGKILLs it. Usage: outbox-writer.ts <influxUrl> <database> <outboxDir> <count> <start µs>
import { pipeline } from '@ha-ingestor/core';
import { arraySource, waitFor } from '@ha-ingestor/core/testing';
import { influxSink } from '../../src/index.js';
import { temperatureEvents } from './helpers.js';

const [url, database, dir, countText, startText] = process.argv.slice(2);
if (!url || !database || !dir || !countText || !startText) {
  console.error('usage: outbox-writer.ts <influxUrl> <database> <outboxDir> <count> <start µs>');
  process.exit(2);
}
const count = Number(countText);
const source = arraySource(temperatureEvents(count, { start: Number(startText) }), { batch: true, finite: true });
const p = pipeline(source)
  .to(influxSink({ url, apiVersion: '1', database, timeoutMs: 1000 }), {
    batch: { maxSize: 100, maxWaitMs: 50 },
    retry: { retries: 0, minDelayMs: 10, maxDelayMs: 10 },
    breaker: { threshold: 1, resetTimeoutMs: 60_000 },
    outbox: { dir, fsync: 'always' },
  })
  .build();
p.events.on('error', (e) => console.error(`expected while the database is down: ${e.code} ${e.message}`));
await p.start();
await waitFor(() => source.handled(), `${count} events handled (outboxed)`, {
  until: (n) => n >= count,
  timeoutMs: 30_000,
  intervalMs: 20,
});
console.log(`OUTBOXED ${source.handled()} ${JSON.stringify(p.stats().outboxed)}`);
// Idle until killed: the outbox must survive an abrupt end.
setInterval(() => undefined, 60_000);
