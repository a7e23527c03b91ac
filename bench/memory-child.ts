/**
 * Scenario 6 (child process, run with --expose-gc): 10,000 entities, 300 s dedupe window, 5,000 events/s
 * of EVENT time. The pipeline is driven directly (generator → source-ws normalisation → dedupe →
 * enrichers → null line-protocol sink) with an injected clock, so `seconds` of event time pass as fast as
 * the CPU allows. Samples RSS and heap (after a full GC) every `sampleEvery` event-seconds.
 */
import { writeHeapSnapshot } from 'node:v8';
import { createRegistryStore, millisToMicros, pipeline } from '@ha-ingestor/core';
import type { HaEvent, Source } from '@ha-ingestor/core';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';
import { normaliseEvent } from '@ha-ingestor/source-ws';
import { createEventGenerator } from '@ha-ingestor/ha-simulator';
import { SUBSCRIBED_TYPES, registryDataOf } from './corpus.js';
import { nullLineProtocolSink } from './processing.js';

export interface MemorySample {
  readonly eventSeconds: number;
  readonly events: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
}

export interface MemoryResult {
  readonly samples: readonly MemorySample[];
  readonly events: number;
  readonly wallSeconds: number;
  readonly gc: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as {
  seconds?: number;
  rate?: number;
  entities?: number;
  sampleEvery?: number;
  baseline?: boolean;
  /** Event-seconds at which to write a heap snapshot (after the full GC) into `snapshotDir`. */
  snapshotAt?: number[];
  snapshotDir?: string;
};
// Baseline: the same generator and normalisation with the events dropped (no pipeline work), to tell the
// generator's own growth (its simulated home gains BLE tag entities over time) from the pipeline's.
const baseline = args.baseline === true;
const seconds = args.seconds ?? 60;
const rate = args.rate ?? 5000;
const entities = args.entities ?? 10_000;
const sampleEvery = args.sampleEvery ?? 5;

const gcFn = (globalThis as { gc?: () => void }).gc;
let virtualMs = Date.UTC(2026, 0, 1);
const gen = createEventGenerator({ seed: 11, entityCount: entities, now: () => virtualMs });
const registry = createRegistryStore(registryDataOf(gen.home));
const samples: MemorySample[] = [];
let produced = 0;

const sample = (eventSeconds: number): void => {
  gcFn?.();
  const m = process.memoryUsage();
  samples.push({ eventSeconds, events: produced, rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20 });
  if (args.snapshotDir !== undefined && args.snapshotAt?.includes(eventSeconds) === true) {
    const file = `${args.snapshotDir}/memory-${baseline ? 'baseline' : 'pipeline'}-${eventSeconds}s.heapsnapshot`;
    writeHeapSnapshot(file);
    process.stderr.write(`[memory-child] heap snapshot ${file}\n`);
  }
};

const source: Source<HaEvent> = {
  kind: 'source',
  name: 'memory-gen',
  run: async (ctx) => {
    const perMs = rate / 1000;
    const start = virtualMs;
    let batch: HaEvent[] = [];
    sample(0);
    for (let s = 1; s <= seconds; s++) {
      for (let i = 0; i < rate; i++) {
        virtualMs = start + (s - 1) * 1000 + Math.floor(i / perMs);
        const wire = gen.next();
        if (!SUBSCRIBED_TYPES.has(wire.event_type)) continue;
        const n = normaliseEvent(wire, { source: 'memory-gen', mode: 'live', receivedAt: millisToMicros(virtualMs) });
        if (!n.ok) continue;
        batch.push(n.event);
        produced++;
        if (batch.length >= 500) {
          if (!baseline) await ctx.emitBatch(batch);
          batch = [];
        }
      }
      if (s % sampleEvery === 0) {
        if (batch.length > 0 && !baseline) await ctx.emitBatch(batch);
        batch = [];
        await new Promise((r) => setImmediate(r));
        sample(s);
      }
    }
    if (batch.length > 0 && !baseline) await ctx.emitBatch(batch);
  },
};

const t0 = Date.now();
const built = pipeline(source)
  .dedupe({ windowMs: 300_000 })
  .use(registryEnricher({}, { registry }))
  .use(timeContext({}, { registry }))
  .to(nullLineProtocolSink(), { batch: { maxSize: 1000, maxWaitMs: 1000 } })
  .build({ now: () => virtualMs });
await built.start();
await built.idle();
await built.stop();
const result: MemoryResult = {
  samples,
  events: produced,
  wallSeconds: (Date.now() - t0) / 1000,
  gc: gcFn !== undefined,
};
if (process.send === undefined) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.send(result);
  process.disconnect();
}
