/**
 * Issue 14, bench-only: the event path in one process at a paced rate, without sockets, to see what the young
 * generation keeps across scavenges. `tsx --conditions=source bench/gc-probe.ts [--rate=N] [--seconds=N]
 * [--no-dedupe] [--no-enrich] [--sink=lp|drop]`, under `node --trace-gc-nvp` (via `NODE_OPTIONS` or tsx's
 * node flags): compare `promoted=` per scavenge between variants. Frames go through source-ws's own frame
 * handling (as scenario 2), `rate / 100` of them every 10 ms as one `emitBatch`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRegistryStore, millisToMicros, pipeline } from '@ha-ingestor/core';
import type { HaEvent, Sink, Source } from '@ha-ingestor/core';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';
import { influxSink } from '@ha-ingestor/sink-influx';
import type { MappableEvent } from '@ha-ingestor/sink-influx';
import { classifyMessage, haWebSocketSource, normaliseEvent, splitFrame } from '@ha-ingestor/source-ws';
import { buildCorpus } from './corpus.js';
import { nullLineProtocolSink } from './processing.js';

const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : Number(found.slice(name.length + 3));
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const rate = arg('rate', 2000);
const seconds = arg('seconds', 20);
const sinkKind = process.argv.find((a) => a.startsWith('--sink='))?.slice('--sink='.length) ?? 'lp';

const corpus = buildCorpus({ seed: 42, entityCount: 1500, count: rate * seconds });
const frames = corpus.frames;

let sunk = 0;
function pacedSource(): Source<HaEvent> {
  return {
    kind: 'source',
    name: 'paced',
    run: async (ctx) => {
      const perTick = Math.max(1, Math.round(rate / 100));
      let next = 0;
      while (next < frames.length && !ctx.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const batch: HaEvent[] = [];
        const receivedAt = millisToMicros(ctx.now());
        for (const frame of frames.slice(next, next + perTick)) {
          const parsed = splitFrame(frame);
          if (!parsed.ok) continue;
          for (const raw of parsed.messages) {
            const msg = classifyMessage(raw);
            if (msg.kind !== 'event') continue;
            const n = normaliseEvent(msg.event, { source: 'paced', mode: 'live', receivedAt });
            if (n.ok) batch.push(n.event);
          }
        }
        next += perTick;
        if (flag('no-emit')) sunk += batch.length;
        else await ctx.emitBatch(batch);
      }
    },
  };
}

const dropSink: Sink<MappableEvent> = { kind: 'sink', name: 'drop', write: () => Promise.resolve() };
const store = createRegistryStore(corpus.registry);
// --ws=<url>,<token>: the real WebSocket source against a simulator in another process (it paces, not us).
const ws = process.argv.find((a) => a.startsWith('--ws='))?.slice('--ws='.length);
const [wsUrl = '', wsToken = ''] = ws?.split(',') ?? [];
let p = pipeline(
  ws === undefined
    ? pacedSource()
    : haWebSocketSource(
        { url: wsUrl, token: wsToken, backfill: { enabled: false }, compression: !flag('no-compression') },
        { registry: store },
      ),
);
if (flag('drop-all')) p = p.filter(() => false);
if (!flag('no-dedupe')) p = p.dedupe();
if (!flag('no-enrich')) p = p.use(registryEnricher({}, { registry: store })).use(timeContext({}, { registry: store }));
// --influx=<url>: the real influxSink (v2, gzip unless --no-gzip) against a discard endpoint in another process.
const influxUrl = process.argv.find((a) => a.startsWith('--influx='))?.slice('--influx='.length);
const sink =
  influxUrl !== undefined
    ? influxSink({ url: influxUrl, apiVersion: '2', bucket: 'b', org: 'o', token: 't', gzip: !flag('no-gzip') })
    : sinkKind === 'drop'
      ? dropSink
      : nullLineProtocolSink();
const built = p.to(sink, { batch: { maxSize: 1000, maxWaitMs: 1000 } }).build();
const cpu0 = process.cpuUsage();
// --sampling=<file>: a sampling heap profile from 2 s in to the end that keeps what a major GC collected (i.e.
// what was promoted), allocation stacks included.
const samplingFile = process.argv.find((a) => a.startsWith('--sampling='))?.slice('--sampling='.length);
const session = new Session();
if (samplingFile !== undefined) {
  session.connect();
  setTimeout(() => {
    session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true });
  }, 2000).unref();
}
// --bench-like: what the bench child adds around the pipeline (a `written` listener collecting latencies, stats
// polled every 20 ms).
const latencies: number[] = [];
if (flag('bench-like')) {
  built.events.on('written', (_sink, events) => {
    for (const e of events as readonly { time_fired: number }[]) latencies.push(Date.now() - e.time_fired / 1000);
  });
  setInterval(() => built.stats(), 20).unref();
}
await built.start();
if (ws === undefined) await built.idle();
else await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
if (samplingFile !== undefined)
  await new Promise<void>((resolve) =>
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error === null) writeFileSync(samplingFile, JSON.stringify(result.profile));
      resolve();
    }),
  );
const stats = await built.stop();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `gc-probe: ${stats.received + sunk} events, ${((cpu.user + cpu.system) / Math.max(1, stats.received + sunk)).toFixed(1)} µs CPU/event\n`,
);
