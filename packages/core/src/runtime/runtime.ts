import { EventEmitter } from 'eventemitter3';
import { type AckGroup, type AckTracker, releaseAll } from './ack.js';
import { createBreaker } from '../delivery/breaker.js';
import type { StageContext } from '../component/context.js';
import { createDeadLetter } from './dead-letter.js';
import { createDedupeStore, dedupeStage, type DedupeStore } from '../stages/dedupe.js';
import { createDelivery, type Delivery, type DeliveryDeps } from '../delivery/delivery.js';
import { enrichStage } from '../stages/enrich.js';
import { ErrorCode, SdkError, toSdkError } from '../model/errors.js';
import { eventTimeStage } from '../stages/event-time.js';
import { filterStage } from '../stages/filter.js';
import { aggregateHealth, newSinkCheck, runSinkCheck, type SinkCheck } from '../observability/health.js';
import { noopLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { openOutbox } from '../outbox/disk.js';
import type { StageSpec } from '../builder/types.js';
import type { AnyEnricher, AnySink, AnySource } from '../component/any.js';
import type { Pipeline, PipelineEvents, PipelineHealth, PipelineStats } from './types.js';
import type { PipelineOptions } from './options.js';
import { createBoundedQueue } from './queue.js';
import { withRetry } from '../delivery/retry.js';
import { resolveDedupeOptions } from '../stages/dedupe-options.js';
import { resolveDeliveryOptions } from '../delivery/options.js';
import { resolvePipelineOptions } from './options.js';
import { initialSourceStates, runSources } from './source-runner.js';
import type { StageBatch, StageEnv, StageRunner } from '../stages/stage.js';
import { createCounters } from './stats.js';
import { validateStage } from '../stages/validate.js';

/** Input of {@link createRuntime}: what the builder collected. */
export interface RuntimeInput {
  readonly sources: readonly AnySource[];
  readonly stages: readonly StageSpec[];
  readonly options: PipelineOptions;
  /** Replaces the resilience building blocks (tests). */
  readonly deps?: Partial<DeliveryDeps>;
}

/**
 * Builds the batch-oriented runtime behind `pipeline(...).build()`: a bounded intake queue fed by the
 * sources, one loop moving arrays of up to `stageBatchSize` events through the stages in order, and one
 * delivery per sink tap (own buffer, batcher, retry, breaker, outbox). Acknowledgements follow every event
 * to every sink it reaches; see `ack.ts`.
 */
export function createRuntime(input: RuntimeInput): Pipeline {
  const opts = resolvePipelineOptions(input.options);
  const logger = input.options.logger ?? noopLogger;
  const now = input.options.now ?? Date.now;
  const metrics = input.options.metrics ?? createMetrics();
  const events = new EventEmitter<PipelineEvents>();
  const counters = createCounters(metrics);
  const hard = new AbortController(); // aborted when stop gives up: cancels sink waits and retries
  const sourceAbort = new AbortController();
  const report = (error: unknown) => {
    const e = toSdkError(error);
    metrics.errors.inc({ code: e.code });
    if (events.listenerCount('error') === 0) {
      logger.error({ err: e, code: e.code, stage: e.stage }, e.message);
      return;
    }
    try {
      events.emit('error', e);
    } catch (listenerError) {
      logger.error({ err: e, code: e.code, stage: e.stage }, e.message);
      logger.error({ err: toSdkError(listenerError) }, 'a pipeline `error` listener threw');
    }
  };
  /** Emits a pipeline event; a throwing listener is reported, never allowed to break the loop. */
  const emitSafely = (emit: () => void) => {
    try {
      emit();
    } catch (listenerError) {
      report(new SdkError(ErrorCode.INTERNAL, 'a pipeline event listener threw', { cause: listenerError }));
    }
  };
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
  const ctx: StageContext = { signal: hard.signal, logger, now, metrics, deadLetter: deadLetter.write, report };
  const tracker: AckTracker = { open: new Set<AckGroup>(), report };
  const deps: DeliveryDeps = { withRetry, createBreaker, openOutbox, ...input.deps };
  const intake = createBoundedQueue<unknown, AckGroup>(opts.maxQueued);
  const intakeDepth = metrics.queueDepth.labels({ queue: 'intake' });

  // --- compile the stage list ---
  const enrichers: AnyEnricher[] = [];
  const dedupeStores: DedupeStore[] = [];
  const taps: { sink: AnySink; delivery: Delivery; check: SinkCheck }[] = [];
  const runners: StageRunner[] = input.stages.map((spec): StageRunner => {
    switch (spec.kind) {
      case 'validate':
        return validateStage(spec.schema);
      case 'filter':
        return filterStage(spec.name, spec.predicate);
      case 'dedupe': {
        // Copies held back on an in-flight first copy settle outside the stage loop: count them here.
        const evicted = metrics.counter('dedupe_series_evicted_total', 'Dedupe series forgotten because maxSeries was reached (series names come from outside)');
        const store = createDedupeStore(resolveDedupeOptions(spec.options), now, {
          duplicates: (n) => counters.drop('duplicate', n),
          failed: (n) => {
            counters.failed += n;
          },
          evicted: (n) => evicted.inc(n),
        });
        dedupeStores.push(store);
        return dedupeStage(store);
      }
      case 'enrich':
        enrichers.push(spec.enricher);
        return enrichStage(spec.enricher);
      case 'sink': {
        if (taps.some((t) => t.sink.name === spec.sink.name)) {
          throw new SdkError(ErrorCode.CONFIG_INVALID, `pipeline: two sinks are named "${spec.sink.name}"; sink names must be unique`);
        }
        const delivery = createDelivery(spec.sink, resolveDeliveryOptions(spec.delivery, spec.sink.name), {
          ctx,
          counters,
          deps,
          onWritten: (sink, written) => {
            if (events.listenerCount('written') > 0) emitSafely(() => events.emit('written', sink, written));
          },
        });
        taps.push({ sink: spec.sink, delivery, check: newSinkCheck() });
        return { name: `sink:${spec.sink.name}`, run: (batch: StageBatch) => delivery.push(batch.events, batch.groups) };
      }
    }
  });
  // First, always: the one event-time rule every sink relies on (issue 11, event-time.ts).
  runners.unshift(eventTimeStage());

  // --- the processing loop ---
  const batchDrops: Record<string, number> = {};
  const env: StageEnv = {
    ctx,
    drop: (group, reason) => {
      batchDrops[reason] = (batchDrops[reason] ?? 0) + 1;
      group.release(1);
    },
  };
  let processing = 0;
  const loopWaiters: (() => void)[] = [];
  let gaveUp = false;

  const runStages = async (batch: StageBatch) => {
    const started = performance.now();
    let failure: SdkError | undefined;
    try {
      for (const stage of runners) {
        if (batch.events.length === 0) break;
        const pending = stage.run(batch, env);
        if (pending !== undefined) await pending;
      }
    } catch (caught) {
      failure = toSdkError(caught, ErrorCode.INTERNAL, 'pipeline');
    }
    for (const reason in batchDrops) {
      counters.drop(reason, batchDrops[reason]);
      delete batchDrops[reason];
    }
    if (failure !== undefined) {
      // A bug or an aborted delivery: the events still in the batch are not durable.
      report(failure);
      counters.failed += batch.events.length;
      for (const g of batch.groups) g.fail(failure);
      return;
    }
    metrics.processingDuration.observe((performance.now() - started) / 1000);
    const n = batch.events.length;
    counters.processed += n;
    metrics.eventsProcessed.inc(n);
    if (n > 0 && events.listenerCount('processed') > 0) emitSafely(() => events.emit('processed', batch.events.slice()));
    releaseAll(batch.groups);
  };

  const loop = async () => {
    const batch: StageBatch = { events: [], groups: [] };
    for (;;) {
      if (intake.length() === 0) {
        for (const w of loopWaiters.splice(0)) w();
        if (intake.closed()) return;
        await intake.waitForItems();
        continue;
      }
      batch.events.length = 0;
      batch.groups.length = 0;
      processing = intake.take(opts.stageBatchSize, batch.events, batch.groups);
      intakeDepth.set(intake.length());
      flushSourceMetrics();
      if (gaveUp) {
        counters.failed += processing;
        const error = new SdkError(ErrorCode.TIMEOUT, 'pipeline stop timed out before these events were processed');
        for (const g of batch.groups) g.fail(error);
      } else await runStages(batch);
      processing = 0;
    }
  };
  const loopIdle = () => (intake.length() === 0 && processing === 0 ? Promise.resolve() : new Promise<void>((r) => loopWaiters.push(r)));

  /** Waits until the intake is empty, every batcher flushed and every sink write settled. */
  const drained = async () => {
    for (;;) {
      await loopIdle();
      for (const t of taps) t.delivery.flush();
      await Promise.all(taps.map((t) => t.delivery.whenIdle()));
      if (intake.length() === 0 && processing === 0) return;
    }
  };

  // --- lifecycle ---
  const sourceStates = initialSourceStates(input.sources);
  let phase: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let startPromise: Promise<void> | undefined;
  let stopPromise: Promise<PipelineStats> | undefined;
  let loopDone: Promise<void> = Promise.resolve();
  let sourcesDone: Promise<void> = Promise.resolve();
  let flushSourceMetrics = (): void => undefined;
  let fatal: SdkError | undefined;
  const fatalWaiters: ((e: SdkError) => void)[] = [];
  const inFlight = () =>
    intake.length() + processing + taps.reduce((n, t) => n + t.delivery.buffered(), 0) + dedupeStores.reduce((n, s) => n + s.waitingCount(), 0);
  const stats = () => counters.snapshot(inFlight());

  const start = async () => {
    phase = 'starting';
    for (const t of taps) {
      try {
        await t.sink.open?.(ctx);
        await runSinkCheck(t.sink, t.check, now, hard.signal);
      } catch (error) {
        // Not fatal: nothing is lost while the sink is down (outbox or onFailed), and health shows it.
        t.check.ok = false;
        t.check.message ??= toSdkError(error).message;
        report(toSdkError(error, ErrorCode.SINK_UNAVAILABLE, `sink:${t.sink.name}`));
      }
      await t.delivery.start();
    }
    for (const e of enrichers) await e.start?.(ctx);
    loopDone = loop().catch((error: unknown) => report(toSdkError(error, ErrorCode.INTERNAL, 'pipeline')));
    phase = 'running';
    const running = runSources(input.sources, sourceStates, {
      intake,
      tracker,
      counters,
      ctx,
      signal: sourceAbort.signal,
      emitStatus: (name, status) => emitSafely(() => events.emit('source:status', name, status)),
      onFatal: (error) => {
        fatal ??= error;
        for (const w of fatalWaiters.splice(0)) w(error);
      },
    });
    sourcesDone = running.done;
    flushSourceMetrics = running.flushMetrics;
  };

  const stop = async (): Promise<PipelineStats> => {
    if (startPromise !== undefined) await startPromise.catch(report);
    phase = 'stopping';
    const deadline = timeout(opts.stopTimeoutMs);
    sourceAbort.abort(new SdkError(ErrorCode.ABORTED, 'pipeline stopping'));
    for (const t of taps) t.delivery.beginStop();
    let finished = await Promise.race([sourcesDone.then(() => true), deadline.promise]);
    intake.close();
    if (finished) finished = await Promise.race([drained().then(() => true), deadline.promise]);
    deadline.clear();
    if (!finished) {
      gaveUp = true;
      const error = new SdkError(ErrorCode.TIMEOUT, `pipeline stop timed out after ${opts.stopTimeoutMs} ms; pending events failed`);
      report(error);
      hard.abort(error);
      for (const t of taps) t.delivery.abort(error);
      for (const g of [...tracker.open]) g.fail(error);
    }
    // After a timeout the loop may be stuck in a stage that never settles (e.g. a hung async enricher): its
    // events were failed above, so don't let it hang stop too.
    if (finished) await loopDone;
    for (const e of enrichers) await settle(e.close?.(), report);
    for (const t of taps) {
      await settle(t.delivery.close(), report);
      await settle(t.sink.close?.(), report);
    }
    // Normally empty by now; after a timeout, entries still open fail (with the copies held on them).
    for (const s of dedupeStores) s.clear();
    flushSourceMetrics();
    // Everything is closed: release whatever still listens on the stage signal (pollers, sockets).
    if (!hard.signal.aborted) hard.abort(new SdkError(ErrorCode.ABORTED, 'pipeline stopped'));
    phase = 'stopped';
    return stats();
  };

  const health = (): PipelineHealth =>
    aggregateHealth(
      sourceStates,
      taps.map((t) => ({ name: t.sink.name, delivery: t.delivery.status(), check: t.check })),
    );

  return {
    start: () => {
      if (phase === 'stopping' || phase === 'stopped') return Promise.reject(new SdkError(ErrorCode.INTERNAL, 'pipeline was stopped; build a new one'));
      startPromise ??= start();
      return startPromise;
    },
    stop: () => {
      stopPromise ??= stop();
      return stopPromise;
    },
    stats,
    health,
    checkHealth: async () => {
      await Promise.all(taps.map((t) => runSinkCheck(t.sink, t.check, now, hard.signal).catch((e: unknown) => logger.warn({ sink: t.sink.name, err: e }, 'sink healthcheck failed'))));
      return health();
    },
    events,
    metrics,
    idle: async () => {
      if (fatal !== undefined) throw fatal;
      const failed = new Promise<never>((_, reject) => fatalWaiters.push(reject));
      await Promise.race([sourcesDone, failed]);
      if (fatal !== undefined) throw fatal;
      await Promise.race([drained(), failed]);
    },
    [Symbol.asyncDispose]: async () => {
      await (stopPromise ??= stop());
    },
  };
}

// --- internal ---

/** A timer promise resolving `false` after `ms` (fake timers control it), with a way to cancel it. */
function timeout(ms: number): { promise: Promise<false>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/** Awaits a close step; its failure is reported, never thrown, so the other steps still run. */
async function settle(step: Promise<void> | void | undefined, report: (error: unknown) => void): Promise<void> {
  try {
    await step;
  } catch (error) {
    report(error);
  }
}
