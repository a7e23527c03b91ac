import type { StageSpec } from '../builder/types.js';
import type { AnySource } from '../component/any.js';
import type { StageContext } from '../component/context.js';
import { createBreaker } from '../delivery/breaker.js';
import type { DeliveryDeps } from '../delivery/delivery.js';
import { withRetry } from '../delivery/retry.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import { aggregateHealth, runSinkCheck } from '../observability/health.js';
import { noopLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { openOutbox } from '../outbox/disk.js';
import { createSignal } from '../primitives/signal.js';
import type { AckGroup } from './ack.js';
import { createCapabilityTable, type PipelineProvision } from './capabilities.js';
import { createPipelineChannel } from './channel.js';
import { compileStages } from './compile.js';
import { createDeadLetter } from './dead-letter.js';
import { inFlight, newLifecycle, startPipeline, stopPipeline, waitIdle, type RuntimeParts } from './lifecycle.js';
import { resolvePipelineOptions, type PipelineOptions } from './options.js';
import { createProcessingLoop } from './processing-loop.js';
import { createBoundedQueue } from './queue.js';
import { initialSourceStates } from './source-runner.js';
import { createCounters } from './stats.js';
import type { Pipeline, PipelineHealth, PipelineStats } from './types.js';

/** Input of {@link createRuntime}: what the builder collected. */
export interface RuntimeInput {
  readonly sources: readonly AnySource[];
  readonly stages: readonly StageSpec[];
  /** Capabilities given to the builder's `.provide()`. */
  readonly provisions?: readonly PipelineProvision[];
  readonly options: PipelineOptions;
  /** Replaces the resilience building blocks (tests). */
  readonly deps?: Partial<DeliveryDeps>;
}

/**
 * Builds the batch-oriented runtime behind `pipeline(...).build()` from named parts: a bounded intake
 * queue fed by the sources (source-runner.ts), one loop moving arrays of up to `stageBatchSize` events
 * through the stages in order (processing-loop.ts), one delivery per sink tap (compile.ts: own buffer,
 * batcher, retry, breaker, outbox), and the lifecycle driving them (lifecycle.ts). Acknowledgements follow
 * every event to every sink it reaches; see `ack.ts`.
 */
export function createRuntime(input: RuntimeInput): Pipeline {
  const opts = resolvePipelineOptions(input.options);
  const logger = input.options.logger ?? noopLogger;
  const now = input.options.now ?? Date.now;
  const metrics = input.options.metrics ?? createMetrics();
  const channel = createPipelineChannel(logger, metrics);
  const { events, report } = channel;
  const counters = createCounters(metrics);
  const hard = new AbortController();
  const deadLetter = createDeadLetter({
    ...(opts.deadLetter === undefined ? {} : { path: opts.deadLetter.path }),
    maxBytes: opts.deadLetter?.maxBytes ?? Number.MAX_SAFE_INTEGER,
    logger,
    metrics,
    now,
    onRecord: (record) => {
      counters.deadLettered++;
      events.emit('dead-letter', record); // dead-letter.ts guards this call
    },
    report,
  });
  const capabilities = createCapabilityTable(input.sources, input.provisions ?? []);
  const ctx: StageContext = {
    signal: hard.signal,
    logger,
    now,
    metrics,
    deadLetter: deadLetter.write,
    report,
    capability: capabilities.get,
  };
  const intake = createBoundedQueue<unknown, AckGroup>(opts.maxQueued);
  const { runners, enrichers, dedupeStores, taps } = compileStages(input.stages, {
    ctx,
    capabilities,
    counters,
    deps: { withRetry, createBreaker, openOutbox, ...input.deps },
    onWritten: (sink, written) => {
      if (events.listenerCount('written') > 0) channel.emitSafely(() => events.emit('written', sink, written));
    },
  });
  const life = newLifecycle();
  const loop = createProcessingLoop({
    intake,
    runners,
    ctx,
    counters,
    channel,
    stageBatchSize: opts.stageBatchSize,
    onTake: () => life.flushSourceMetrics(),
  });
  const parts: RuntimeParts = {
    sources: input.sources,
    capabilities,
    sourceStates: initialSourceStates(input.sources),
    ctx,
    channel,
    counters,
    tracker: { open: new Set<AckGroup>(), report },
    intake,
    loop,
    enrichers,
    dedupeStores,
    taps,
    sourceAbort: new AbortController(),
    hard,
    stopTimeoutMs: opts.stopTimeoutMs,
    fatalRaised: createSignal(),
  };

  const stats = (): PipelineStats => counters.snapshot(inFlight(parts));
  const health = (): PipelineHealth =>
    aggregateHealth(
      parts.sourceStates,
      taps.map((t) => ({ name: t.sink.name, delivery: t.delivery.status(), check: t.check })),
    );
  const stop = async (): Promise<PipelineStats> => {
    life.stopPromise ??= stopPipeline(parts, life);
    await life.stopPromise;
    return stats();
  };

  return {
    start: () => {
      if (life.phase === 'stopping' || life.phase === 'stopped')
        return Promise.reject(new SdkError(ErrorCode.INTERNAL, 'pipeline was stopped; build a new one'));
      life.startPromise ??= startPipeline(parts, life);
      return life.startPromise;
    },
    stop,
    stats,
    health,
    checkHealth: async () => {
      await Promise.all(
        taps.map((t) =>
          runSinkCheck(t.sink, t.check, now, hard.signal).catch((e: unknown) =>
            logger.warn({ sink: t.sink.name, err: e }, 'sink healthcheck failed'),
          ),
        ),
      );
      return health();
    },
    events,
    metrics,
    idle: () => waitIdle(parts, life),
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
