import { type AckGroup, releaseAll } from '../runtime/ack.js';
import { type Batch, type Batcher, createBatcher, sizeOfOrEstimate } from './batcher.js';
import type { Breaker, BreakerState, CreateBreakerOptions } from './breaker.js';
import type { StageContext } from '../component/context.js';
import { createDeliveryAccounting } from './accounting.js';
import { isolateUnfit } from './isolate.js';
import { createDeliveryOutbox, type DeliveryOutbox } from './outbox-lane.js';
import { ErrorCode, SdkError, isSdkError, toSdkError } from '../model/errors.js';
import { createGuard } from '../observability/guard.js';
import { createSignal } from '../primitives/signal.js';
import type { OutboxFullInfo } from '../outbox/full.js';
import type { OpenOutboxOptions, Outbox } from '../outbox/outbox.js';
import type { AnySink } from '../component/any.js';
import type { WithRetryOptions } from './retry.js';
import type { ResolvedDeliveryOptions } from './options.js';
import type { SinkWriteResult } from '../component/sink.js';
import type { Counters } from '../runtime/stats.js';
import { createSinkWrite } from './write.js';

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
  /** Set while the outbox is full (issue 11: health says so, degraded). */
  readonly outboxFull: OutboxFullInfo | undefined;
  readonly lastError: SdkError | undefined;
}

/**
 * One sink's delivery: its own bounded buffer (backpressure when full), a batcher, and two tasks.
 *
 * - The **writer** takes cut batches one at a time, in order. While the outbox is empty it writes them
 *   (retry around a breaker); a batch the sink can't take goes to the outbox (handled) or fails its groups
 *   (no outbox). While the outbox holds entries, it appends new batches behind them, so the sink sees events
 *   in order. With `whenFull: 'block'` that append waits for space (backpressure reaches the sources).
 * - The **drainer** (outbox-lane.ts) writes outbox entries oldest first and acks each after the sink
 *   accepted it, which is what frees space. The writer writes directly only when the outbox is empty, and
 *   only the writer appends, so the two never write to the sink at the same time.
 *
 * A batch whose write or append fails is first checked for events nothing can serialise (too deep, not
 * JSON): those are dead-lettered and the rest is tried again (isolate.ts).
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
  /** Resolves (true) when nothing is buffered or in flight (the outbox may still hold handled entries). */
  readonly whenIdle: () => Promise<boolean>;
  /**
   * Stop began: with an outbox, failures are no longer retried (a retry wait in progress is cut short), so
   * batches the sink can't take go to the outbox instead of failing when the stop timeout runs out; and a
   * full outbox no longer blocks: what does not fit fails at once (its sources keep it), so stop is prompt.
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
  const controller = new AbortController();
  const breaker = deps.createBreaker({
    name,
    threshold: options.breaker.threshold,
    resetTimeoutMs: options.breaker.resetTimeoutMs,
    isFailure: (e) => !isSdkError(e, ErrorCode.SINK_REJECTED),
    report: ctx.report,
  });
  const guard = createGuard(ctx, stage);
  const ready: Batch[] = [];
  let inFlight: Batch | undefined;
  let buffered = 0;
  let lastError: SdkError | undefined;
  let stopped = false;
  const batchReady = createSignal(); // wakes the writer
  const spaceFreed = createSignal(); // wakes a push waiting for buffer space
  const drainedAll = createSignal(); // wakes whenIdle()
  let tasksDone: Promise<unknown> = Promise.resolve();

  const sizeOf = sizeOfOrEstimate(sink.sizeOf as ((event: unknown) => number) | undefined, (error) =>
    ctx.report(new SdkError(ErrorCode.INTERNAL, `sink ${name}: sizeOf threw; using the size estimate`, { stage, cause: error })),
  );
  const batcher: Batcher = createBatcher({
    maxSize: options.batch.maxSize,
    maxBytes: options.batch.maxBytes,
    maxWaitMs: options.batch.maxWaitMs,
    sizeOf,
    onBatch: (batch) => {
      ready.push(batch);
      batchReady.notify();
    },
    guard,
    onCutFailed: (batch, error) => {
      failEvents(batch.groups, batch.events.length, error);
      settled(batch);
    },
  });
  const unsubscribe = breaker.onStateChange((state) => {
    // Wake first: if logging throws, the drainer must still learn that it may try again.
    if (state !== 'open') lane?.wake();
    if (state === 'open') ctx.logger.warn({ sink: name, state }, `sink ${name}: circuit breaker open, batches go to the outbox (or fail)`);
    else ctx.logger.info({ sink: name, state }, `sink ${name}: circuit breaker ${state}`);
  });

  const settled = (batch: Batch) => {
    buffered = Math.max(0, buffered - batch.events.length);
    depth.set(buffered);
    if (buffered < options.maxQueued) spaceFreed.notify();
    if (buffered === 0) drainedAll.notify();
  };

  const { write, stopRetrying } = createSinkWrite({ sink, breaker, options, ctx, withRetry: deps.withRetry, signal: controller.signal });

  const { accepted, rejectAll, failEvents } = createDeliveryAccounting({ name, ctx, counters, onWritten: (events) => env.onWritten(name, events) });

  /** Fails a batch that was not made durable; `quiet` when its reason is logged elsewhere (rate-limited). */
  const fail = (batch: Batch, error: SdkError, quiet = false) => {
    if (controller.signal.aborted) return; // abort() already failed and counted everything it held
    if (!quiet) ctx.report(error);
    failEvents(batch.groups, batch.events.length, error);
  };

  const lane: DeliveryOutbox | undefined =
    options.outbox === undefined
      ? undefined
      : createDeliveryOutbox({
          name,
          ctx,
          counters,
          options: options.outbox,
          retryDrainMs: options.breaker.resetTimeoutMs,
          openOutbox: deps.openOutbox,
          write: (events) => write(events),
          breakerState: () => breaker.state(),
          signal: controller.signal,
          stopped: () => stopped,
          setLastError: (error) => {
            lastError = error;
          },
          accepted,
          rejectAll,
          fail,
          isolate: (batch) => isolateUnfit(batch, true, ctx, counters, stage),
          onOutboxed: (events) => env.onWritten(name, events),
        });

  const deliver = async (batch: Batch): Promise<void> => {
    let result: SinkWriteResult | void;
    try {
      result = await write(batch.events);
    } catch (caught) {
      const error = toSdkError(caught, ErrorCode.SINK_UNAVAILABLE, stage);
      lastError = error;
      if (error.code === ErrorCode.SINK_REJECTED) {
        rejectAll(batch.events, error);
        releaseAll(batch.groups);
        return;
      }
      // One event the sink can't serialise (a RangeError from a 10,000-deep attribute) must not fail the rest.
      const rest = controller.signal.aborted ? undefined : isolateUnfit(batch, false, ctx, counters, stage);
      if (rest !== undefined) {
        inFlight = rest;
        if (rest.events.length > 0) await deliver(rest);
      } else if (lane !== undefined && !controller.signal.aborted) {
        ctx.logger.warn({ sink: name, code: error.code, events: batch.events.length }, `sink ${name}: unavailable, batch moved to the outbox`);
        await lane.append(batch);
      } else fail(batch, error);
      return;
    }
    lastError = undefined;
    accepted(batch.events, result, true);
    releaseAll(batch.groups);
  };

  /** The writer task: one batch at a time, in order (see {@link Delivery}). */
  const runWriter = async () => {
    while (!stopped) {
      const batch = ready.shift();
      if (batch === undefined) {
        await batchReady.wait();
        continue;
      }
      inFlight = batch;
      try {
        // Keep order: while older events wait in the outbox, newer ones queue behind them on disk. A blocking
        // append waits for the drainer (another task) to free space, never for this one.
        if (lane !== undefined && lane.records() > 0 && !controller.signal.aborted) await lane.append(batch);
        else await deliver(batch);
      } catch (error) {
        // A bug (or a throwing logger) in the write path: fail this batch, keep the writer alive. Issue 11: a
        // dead writer strands every later batch and hangs stop() until its timeout.
        fail(batch, toSdkError(error, ErrorCode.INTERNAL, stage));
      }
      inFlight = undefined;
      settled(batch);
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
        await spaceFreed.wait();
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
      await lane?.open();
      const report = (error: unknown) => ctx.report(toSdkError(error, ErrorCode.INTERNAL, stage));
      tasksDone = Promise.all([runWriter().catch(report), lane?.drain().catch(report)]);
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
      if (lane === undefined) return;
      stopRetrying();
      lane.stopWaiting();
    },
    buffered: () => buffered,
    // Not async, like the waiter it replaced: an extra await would shift when stop() sees the delivery idle.
    whenIdle: () => (buffered === 0 ? IDLE : drainedAll.wait()),
    abort: (error) => {
      if (controller.signal.aborted) return;
      controller.abort(error);
      batcher.flush();
      const pending = ready.splice(0);
      if (inFlight !== undefined) pending.unshift(inFlight);
      for (const batch of pending) failEvents(batch.groups, batch.events.length, error);
      buffered = 0;
      depth.set(0);
      spaceFreed.notify();
      drainedAll.notify();
      lane?.wake();
    },
    close: async () => {
      stopped = true;
      // Called once nothing is buffered (or after abort): only an outbox drain can be running. Abort its retry
      // wait; an entry not acked stays on disk and is drained after the next start (at-least-once, idempotent).
      if (!controller.signal.aborted) controller.abort(new SdkError(ErrorCode.ABORTED, `sink ${name}: delivery closed`, { stage }));
      batchReady.notify();
      lane?.wake();
      await tasksDone;
      batcher.close();
      unsubscribe();
      breaker.shutdown();
      await lane?.close();
    },
    status: () => ({ breaker: breaker.state(), outboxRecords: lane?.records() ?? 0, outboxFull: lane?.full(), lastError }),
  };
}

// --- internal ---

const IDLE: Promise<boolean> = Promise.resolve(true);
