import { createRegistryStore, millisToMicros, pipeline } from '@ha-ingestor/core';
import { serializePoints } from '@ha-ingestor/core/line-protocol';
import type { HaEvent, RegistryData, Sink, Source } from '@ha-ingestor/core';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';
import type { MappableEvent } from '@ha-ingestor/sink-influx';
import { classifyMessage, normaliseEvent, splitFrame } from '@ha-ingestor/source-ws';
import { createLineFields } from '../packages/sink-influx/src/schema/ha-line.js';
import { createSchemaCodec } from '../packages/sink-influx/src/schema/mapper.js';
import { StrictHaEventSchema } from './event-schema.js';

/** Result of one processing-path run. */
export interface ProcessingRun {
  readonly events: number;
  readonly points: number;
  readonly bytes: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

/**
 * A source that replays text frames through source-ws's own frame handling (splitFrame → classifyMessage
 * → normaliseEvent) and hands events to the pipeline in batches of 500, as the WebSocket source does.
 */
export function framesSource(frames: readonly string[], repeat = 1): Source<HaEvent> {
  return {
    kind: 'source',
    name: 'bench-frames',
    run: async (ctx) => {
      let batch: HaEvent[] = [];
      for (let r = 0; r < repeat; r++) {
        for (const frame of frames) {
          const parsed = splitFrame(frame);
          if (!parsed.ok) continue;
          const receivedAt = millisToMicros(ctx.now());
          for (const raw of parsed.messages) {
            const msg = classifyMessage(raw);
            if (msg.kind !== 'event') continue;
            const n = normaliseEvent(msg.event, { source: 'bench-frames', mode: 'live', receivedAt });
            if (n.ok) batch.push(n.event);
          }
          if (batch.length >= 500) {
            await ctx.emitBatch(batch);
            batch = [];
          }
        }
      }
      if (batch.length > 0) await ctx.emitBatch(batch);
    },
  };
}

/**
 * A sink that writes the `ha` schema's line protocol as influxSink does and discards it (the null transport):
 * every event straight to its line (issue 14: the schema's line writer), the rest through the point path
 * (mapper, then `serializePoint`). Field-type checks and the HTTP write are left out.
 */
export function nullLineProtocolSink(path: 'line' | 'point' = 'line'): Sink<MappableEvent> & {
  readonly totals: () => { points: number; bytes: number };
} {
  const codec = createSchemaCodec({ kind: 'ha' }, {}, { precision: 'us', serializeOptions: {} });
  const mapper = codec.mapper;
  // `point`: the write path before issue 14 (every event mapped to a point, then serialised), for A/B runs.
  const toLine = path === 'line' ? codec.toLine : undefined;
  const fields = createLineFields();
  let points = 0;
  let bytes = 0;
  return {
    kind: 'sink',
    name: 'null-lp',
    write: (batch) => {
      const lines: string[] = [];
      for (const event of batch) {
        const line = toLine === undefined ? null : toLine(event, fields);
        if (line === undefined) continue;
        if (line !== null) {
          lines.push(line);
          continue;
        }
        const lp = serializePoints(mapper(event), 'us');
        lines.push(...lp.lines);
      }
      const text = lines.join('\n');
      points += lines.length;
      bytes += text.length;
      return Promise.resolve();
    },
    totals: () => ({ points, bytes }),
  };
}

/**
 * Scenario 2: frames → source-ws frame handling → [validate] → filter → dedupe → registry + time
 * enrichers → batch (1,000) → line protocol into a null transport. A fresh pipeline per run (dedupe
 * would drop a replayed corpus).
 */
export async function runProcessingPath(
  frames: readonly string[],
  registry: RegistryData,
  options: { strict: boolean; repeat?: number; path?: 'line' | 'point' },
): Promise<ProcessingRun> {
  const store = createRegistryStore(registry);
  const sink = nullLineProtocolSink(options.path);
  const source = framesSource(frames, options.repeat ?? 1);
  const start = pipeline(source);
  const validated = options.strict ? start.validate(StrictHaEventSchema) : start;
  const built = validated
    .select({ exclude: { domains: ['persistent_notification'], event_types: ['system_log_event'] } })
    .dedupe()
    .use(registryEnricher({}, { registry: store }))
    .use(timeContext({}, { registry: store }))
    .to(sink, { batch: { maxSize: 1000, maxWaitMs: 1000 } })
    .build();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await built.start();
  await built.idle();
  const stats = await built.stop();
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const totals = sink.totals();
  const events = stats.received;
  return { events, points: totals.points, bytes: totals.bytes, wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
