import { type AckGroup, failAll, releaseAll } from './ack.js';
import { type Batch, type Batcher, createBatcher, estimateSize } from './batcher.js';
import type { Breaker, BreakerState, CreateBreakerOptions } from './breaker.js';
import type { StageContext } from './context.js';
import { ErrorCode, SdkError, isSdkError, toSdkError } from './errors.js';
import { createLagObserver } from './event-time.js';
import type { OpenOutboxOptions, Outbox } from './outbox.js';
import type { AnySink } from './pipeline.js';
import type { WithRetryOptions } from './retry.js';
import type { ResolvedDeliveryOptions } from './runtime-options.js';
import type { SinkWriteResult } from './sink.js';
import type { Counters } from './stats.js';
import { createSinkWrite } from './delivery-write.js';

/** The resilience building blocks a delivery uses (injectable for tests). */
export interface DeliveryDeps {
  readonly withRetry: <T>(fn: (attempt: number) => Promise<T>, options: WithRetryOptions) => Promise<T>;
  readonly createBreaker: (options: CreateBreakerOptions) => Breaker;
  readonly openOutbox: (options: OpenOutboxOptions) => Promise<Outbox<unknown>>;
}

/** Everything a delivery reports to. */
export interface DeliveryEnv {
  readonly ctx: StageContext;
  readonly counters: Counters;
  readonly deps: DeliveryDeps;
  /** A batch was durably accepted or outboxed (the pipeline emits `written`). */
  readonly onWritten: (sink: string, events: readonly unknown[]) => void;
}

/** What health needs to know about a delivery. */
export interface DeliveryStatus {
  readonly breaker: BreakerState;
  readonly outboxRecords: number;
  readonly lastError: SdkError | undefined;
}

/**
 * One sink's delivery: its own bounded buffer (backpressure when full), a batcher, and two tasks.
 *
 * - The **writer** takes cut batches one at a time, in order. While the outbox is empty it writes them
 *   (retry around a breaker); a batch the sink can't take goes to the outbox (handled) or fails its groups
 *   (no outbox). While the outbox holds entries, it appends new batches behind them, so the sink sees events
 *   in order. With `whenFull: 'block'` that append waits for space (backpressure reaches the sources).
 * - The **drainer** writes outbox entries oldest first and acks each after the sink accepted it, which is
 *   what frees space. It is a separate task so that it is never the one waiting in `append`: a full outbox
 *   during an outage can't lock the delivery up. The writer writes directly only when the outbox is empty,
 *   and only the writer appends, so the two never write to the sink at the same time.
 */
export interface Delivery {
  readonly name: string;
  /** Opens the outbox (when configured) and starts the pump. */
  readonly start: () => Promise<void>;
  /**
   * Takes `events[from..]` (retaining one obligation per event). Returns a promise only when the buffer
   * was full and it had to wait; the caller must not touch the arrays until it settles.
   */
  readonly push: (events: readonly unknown[], groups: readonly AckGroup[], from?: number) => void | Promise<void>;
  /** Cuts the batch being built now. */
  readonly flush: () => void;
  /** Events in this delivery's buffer, batcher and in-flight write. */
  readonly buffered: () => number;
  /** Resolves when nothing is buffered or in flight (the outbox may still hold handled entries). */
  readonly whenIdle: () => Promise<void>;
  /**
   * Stop began: with an outbox, failures are no longer retried (a retry wait in progress is cut short), so
   * batches the sink can't take go to the outbox instead of failing when the stop timeout runs out.
   */
  readonly beginStop: () => void;
  /** Stop timed out: aborts waits and retries, fails every buffered event's group with `error`. */
  readonly abort: (error: SdkError) => void;
  /** Stops the writer and the drainer (an entry being drained stays on disk), the breaker and the outbox. */
  readonly close: () => Promise<void>;
  readonly status: () => DeliveryStatus;
}

/** Creates the delivery of `sink` with resolved options. */
export function createDelivery(sink: AnySink, options: ResolvedDeliveryOptions, env: DeliveryEnv): Delivery {
  const { ctx, counters, deps } = env;
  const name = sink.name;
  const stage = `sink:${name}`;
  const metrics = ctx.metrics;
  const depth = metrics.queueDepth.labels({ queue: stage });
  const observeLag = createLagObserver(metrics); // skips impossible times (issue 11)
  const controller = new AbortController();
  const breaker = deps.createBreaker({
    name,
    threshold: options.breaker.threshold,
    resetTimeoutMs: options.breaker.resetTimeoutMs,
    isFailure: (e) => !isSdkError(e, ErrorCode.SINK_REJECTED),
  });
  const ready: Batch[] = [];
  let inFlight: Batch | undefined;
  let buffered = 0;
  let outbox: Outbox<unknown> | undefined;
  let lastError: SdkError | undefined;
  let stopped = false;
  let drainBlocked = false;
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeWriter: (() => void) | undefined;
  let wakeDrainer: (() => void) | undefined;
  let spaceWaiter: (() => void) | undefined;
  let idleWaiters: (() => void)[] = [];
  let tasksDone: Promise<unknown> = Promise.resolve();
  counters.written[name] ??= 0;
  counters.outboxed[name] ??= 0;

  const wakeWriterNow = () => {
    const w = wakeWriter;
    wakeWriter = undefined;
    w?.();
  };
  const wakeDrainerNow = () => {
    const w = wakeDrainer;
    wakeDrainer = undefined;
    w?.();
  };
  // A throwing sizeOf must not strand an event half-taken (retained and counted as buffered, never batched):
  // fall back to the estimate and report the bug once.
  const sinkSizeOf = sink.sizeOf as ((event: unknown) => number) | undefined;
  let sizeOfReported = false;
  const sizeOf = (event: unknown): number => {
    if (sinkSizeOf === undefined) return estimateSize(event);
    try {
      return sinkSizeOf(event);
    } catch (error) {
      if (!sizeOfReported) ctx.report(new SdkError(ErrorCode.INTERNAL, `sink ${name}: sizeOf threw; using the size estimate`, { stage, cause: error }));
      sizeOfReported = true;
      return estimateSize(event);
    }
  };
  const batcher: Batcher = createBatcher({
    maxSize: options.batch.maxSize,
    maxBytes: options.batch.maxBytes,
    maxWaitMs: options.batch.maxWaitMs,
    sizeOf,
    onBatch: (batch) => {
      ready.push(batch);
      wakeWriterNow();
    },
  });
  const unsubscribe = breaker.onStateChange((state) => {
    if (state === 'open') ctx.logger.warn({ sink: name, state }, `sink ${name}: circuit breaker open, batches go to the outbox (or fail)`);
    else ctx.logger.info({ sink: name, state }, `sink ${name}: circuit breaker ${state}`);
    if (state !== 'open') wakeDrainerNow();
  });

  const settled = (batch: Batch) => {
    buffered = Math.max(0, buffered - batch.events.length);
    depth.set(buffered);
    const s = spaceWaiter;
    if (s !== undefined && buffered < options.maxQueued) {
      spaceWaiter = undefined;
      s();
    }
    if (buffered === 0) {
      const ws = idleWaiters;
      idleWaiters = [];
      for (const w of ws) w();
    }
  };

  const { write, stopRetrying } = createSinkWrite({ sink, breaker, options, ctx, withRetry: deps.withRetry, signal: controller.signal });

  /** Dead-letters the events the sink refused; returns how many it accepted. */
  const applyResult = (events: readonly unknown[], result: SinkWriteResult | void): number => {
    const rejected = result?.rejected;
    if (rejected === undefined || rejected.length === 0) return events.length;
    for (const r of rejected) {
      ctx.deadLetter({ stage, reason: r.reason, code: ErrorCode.SINK_REJECTED, message: r.message, raw: events[r.index] });
    }
    counters.drop('rejected', rejected.length);
    return events.length - rejected.length;
  };

  /** The sink took `count` of `events`; `announce` is false for drained outbox entries (already announced). */
  const accepted = (events: readonly unknown[], count: number, announce: boolean) => {
    counters.written[name] = (counters.written[name] ?? 0) + count;
    metrics.sinkPointsWritten.inc({ sink: name }, count);
    observeLag(events, ctx.now());
    if (announce) env.onWritten(name, events);
  };

  const rejectAll = (events: readonly unknown[], error: SdkError) => {
    for (const raw of events) ctx.deadLetter({ stage, reason: 'rejected', code: error.code, message: error.message, raw });
    counters.drop('rejected', events.length);
  };

  /** Fails `groups[from..]` of events this delivery did not make durable (counted once, here). */
  const failEvents = (groups: readonly AckGroup[], count: number, error: SdkError, from = 0) => {
    counters.failed += count;
    failAll(groups, error, from);
  };

  const fail = (batch: Batch, error: SdkError) => {
    if (controller.signal.aborted) return; // abort() already failed and counted everything it held
    ctx.report(error);
    failEvents(batch.groups, batch.events.length, error);
  };

  const toOutbox = async (batch: Batch, box: Outbox<unknown>) => {
    try {
      await box.append(batch.events, controller.signal);
    } catch (error) {
      // drop-newest (or a batch larger than maxBytes) rejects with BUFFER_OVERFLOW: the events are not durable,
      // so they fail (onFailed: the source keeps them) and count once, as failed, never also as dropped.
      fail(batch, toSdkError(error, ErrorCode.STORAGE_FAILED, stage));
      return;
    } finally {
      wakeDrainerNow();
    }
    counters.outboxed[name] = (counters.outboxed[name] ?? 0) + batch.events.length;
    metrics.outboxBytes.set({ sink: name }, box.bytes());
    env.onWritten(name, batch.events);
    releaseAll(batch.groups);
  };

  const deliver = async (batch: Batch) => {
    let result: SinkWriteResult | void;
    try {
      result = await write(batch.events);
    } catch (caught) {
      const error = toSdkError(caught, ErrorCode.SINK_UNAVAILABLE, stage);
      lastError = error;
      if (error.code === ErrorCode.SINK_REJECTED) {
        rejectAll(batch.events, error);
        releaseAll(batch.groups);
      } else if (outbox !== undefined && !controller.signal.aborted) {
        ctx.logger.warn({ sink: name, code: error.code, events: batch.events.length }, `sink ${name}: unavailable, batch moved to the outbox`);
        await toOutbox(batch, outbox);
      } else fail(batch, error);
      return;
    }
    lastError = undefined;
    accepted(batch.events, applyResult(batch.events, result), true);
    releaseAll(batch.groups);
  };

  /** Writes the oldest outbox entry; false when the sink is still unavailable. */
  const drainOne = async (box: Outbox<unknown>): Promise<boolean> => {
    const entry = await box.peek();
    if (entry === undefined) return true;
    try {
      const result = await write(entry.records);
      accepted(entry.records, applyResult(entry.records, result), false);
    } catch (caught) {
      const error = toSdkError(caught, ErrorCode.SINK_UNAVAILABLE, stage);
      lastError = error;
      if (error.code !== ErrorCode.SINK_REJECTED) return false;
      rejectAll(entry.records, error);
    }
    lastError = undefined;
    await box.ack(entry);
    metrics.outboxBytes.set({ sink: name }, box.bytes());
    return true;
  };

  const blockDrain = () => {
    drainBlocked = true;
    drainTimer = setTimeout(() => {
      drainTimer = undefined;
      drainBlocked = false;
      wakeDrainerNow();
    }, options.breaker.resetTimeoutMs);
  };

  /** The writer task: one batch at a time, in order (see {@link Delivery}). */
  const runWriter = async () => {
    while (!stopped) {
      const batch = ready.shift();
      if (batch === undefined) {
        await new Promise<void>((resolve) => {
          wakeWriter = resolve;
        });
        continue;
      }
      inFlight = batch;
      // Keep order: while older events wait in the outbox, newer ones queue behind them on disk. A blocking
      // append waits for the drainer (another task) to free space, never for this one.
      if (outbox !== undefined && outbox.size() > 0 && !controller.signal.aborted) await toOutbox(batch, outbox);
      else await deliver(batch);
      inFlight = undefined;
      settled(batch);
    }
  };

  /** The drainer task: writes outbox entries oldest first while the sink looks available. */
  const runDrainer = async (box: Outbox<unknown>) => {
    while (!stopped) {
      if (box.size() === 0 || drainBlocked || breaker.state() === 'open' || controller.signal.aborted) {
        await new Promise<void>((resolve) => {
          wakeDrainer = resolve;
        });
        continue;
      }
      let ok: boolean;
      try {
        ok = await drainOne(box);
      } catch (error) {
        ctx.report(toSdkError(error, ErrorCode.STORAGE_FAILED, stage));
        ok = false;
      }
      if (!ok && !stopped) blockDrain();
    }
  };

  /** The delivery can't take these events any more (aborted or closed): they fail here, counted once. */
  const refuse = (events: readonly unknown[], groups: readonly AckGroup[], from: number) => {
    const error = toSdkError(controller.signal.reason, ErrorCode.ABORTED, stage);
    failEvents(groups, events.length - from, error, from);
  };

  const pushSlow = async (events: readonly unknown[], groups: readonly AckGroup[], from: number) => {
    for (let i = from; i < events.length; i++) {
      while (buffered >= options.maxQueued && !controller.signal.aborted) {
        // Full: write what the batcher holds now rather than wait for its timer (maxQueued may be < maxSize).
        batcher.flush();
        await new Promise<void>((resolve) => {
          spaceWaiter = resolve;
        });
      }
      if (controller.signal.aborted) return refuse(events, groups, i);
      take(events[i], groups[i] as AckGroup);
    }
    depth.set(buffered);
  };
  const take = (event: unknown, group: AckGroup) => {
    group.retain(1);
    buffered++;
    batcher.add(event, group);
  };

  return {
    name,
    start: async () => {
      if (options.outbox !== undefined) {
        outbox = await deps.openOutbox({
          ...options.outbox,
          name,
          logger: ctx.logger,
          now: ctx.now,
          onDrop: (records, policy) => {
            // drop-newest refuses the new batch: it fails (see toOutbox) and is counted there, once.
            if (policy === 'drop-newest') return;
            counters.drop('outbox_full', records);
            ctx.logger.error({ sink: name, records, policy }, `sink ${name}: outbox full, ${records} events dropped (${policy})`);
          },
        });
        metrics.outboxBytes.set({ sink: name }, outbox.bytes());
      }
      const box = outbox;
      const report = (error: unknown) => ctx.report(toSdkError(error, ErrorCode.INTERNAL, stage));
      tasksDone = Promise.all([runWriter().catch(report), box === undefined ? undefined : runDrainer(box).catch(report)]);
    },
    push: (events, groups, from = 0) => {
      if (stopped || controller.signal.aborted) return refuse(events, groups, from);
      for (let i = from; i < events.length; i++) {
        if (buffered >= options.maxQueued) return pushSlow(events, groups, i);
        take(events[i], groups[i] as AckGroup);
      }
      depth.set(buffered);
      return undefined;
    },
    flush: () => batcher.flush(),
    beginStop: () => {
      if (outbox !== undefined) stopRetrying();
    },
    buffered: () => buffered,
    whenIdle: () => (buffered === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    abort: (error) => {
      if (controller.signal.aborted) return;
      controller.abort(error);
      batcher.flush();
      const pending = ready.splice(0);
      if (inFlight !== undefined) pending.unshift(inFlight);
      for (const batch of pending) failEvents(batch.groups, batch.events.length, error);
      buffered = 0;
      depth.set(0);
      const s = spaceWaiter;
      spaceWaiter = undefined;
      s?.();
      for (const w of idleWaiters.splice(0)) w();
      wakeDrainerNow();
    },
    close: async () => {
      stopped = true;
      // Called once nothing is buffered (or after abort): only an outbox drain can be running. Abort its retry
      // wait; an entry not acked stays on disk and is drained after the next start (at-least-once, idempotent).
      if (!controller.signal.aborted) controller.abort(new SdkError(ErrorCode.ABORTED, `sink ${name}: delivery closed`, { stage }));
      wakeWriterNow();
      wakeDrainerNow();
      await tasksDone;
      if (drainTimer !== undefined) clearTimeout(drainTimer);
      batcher.close();
      unsubscribe();
      breaker.shutdown();
      await outbox?.close();
    },
    status: () => ({ breaker: breaker.state(), outboxRecords: outbox?.size() ?? 0, lastError }),
  };
}
