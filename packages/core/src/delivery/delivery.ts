import type { AnySink } from '../component/any.js';
import type { StageContext } from '../component/context.js';
import { ErrorCode, SdkError, isSdkError, toSdkError } from '../model/errors.js';
import { createGuard } from '../observability/guard.js';
import type { OutboxFullInfo } from '../outbox/full.js';
import type { OpenOutboxOptions, Outbox } from '../outbox/outbox.js';
import type { AckGroup } from '../runtime/ack.js';
import type { Counters } from '../runtime/stats.js';
import { createDeliveryAccounting } from './accounting.js';
import { type Batch, createBatcher, sizeOfOrEstimate } from './batcher.js';
import type { Breaker, BreakerState, CreateBreakerOptions } from './breaker.js';
import { createDeliveryBuffer } from './buffer.js';
import { isolateUnfit } from './isolate.js';
import type { ResolvedDeliveryOptions } from './options.js';
import { createDeliveryOutbox, type DeliveryOutbox } from './outbox-lane.js';
import type { WithRetryOptions } from './retry.js';
import { createSinkWrite } from './write.js';
import { createDeliveryWriter, type DeliveryState } from './writer.js';

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
 * One sink's delivery, in named parts: its own bounded buffer (buffer.ts: backpressure when full), a
 * batcher (batcher.ts), the write path (write.ts: retry → breaker → sink), the accounting (accounting.ts),
 * and two tasks.
 *
 * - The **writer** (writer.ts) takes cut batches one at a time, in order. While the outbox is empty it writes
 *   them; a batch the sink can't take goes to the outbox (handled) or fails its groups (no outbox). While the
 *   outbox holds entries, it appends new batches behind them, so the sink sees events in order. With
 *   `whenFull: 'block'` that append waits for space (backpressure reaches the sources).
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

/** Creates the delivery of `sink` with resolved options: assembles the parts and drives their lifecycle. */
export function createDelivery(sink: AnySink, options: ResolvedDeliveryOptions, env: DeliveryEnv): Delivery {
  const { ctx, counters, deps } = env;
  const name = sink.name;
  const stage = `sink:${name}`;
  const controller = new AbortController(); // aborted by abort() or close(): every wait and retry ends
  const state: DeliveryState = { stopped: false, lastError: undefined };
  let tasksDone: Promise<unknown> = Promise.resolve();

  const breaker = deps.createBreaker({
    name,
    threshold: options.breaker.threshold,
    resetTimeoutMs: options.breaker.resetTimeoutMs,
    isFailure: (e) => !isSdkError(e, ErrorCode.SINK_REJECTED),
    report: ctx.report,
  });
  const { write, stopRetrying } = createSinkWrite({
    sink,
    breaker,
    options,
    ctx,
    withRetry: deps.withRetry,
    signal: controller.signal,
  });
  const accounting = createDeliveryAccounting({
    name,
    ctx,
    counters,
    onWritten: (events) => env.onWritten(name, events),
  });

  /** Fails a batch that was not made durable; `quiet` when its reason is logged elsewhere (rate-limited). */
  const fail = (batch: Batch, error: SdkError, quiet = false) => {
    if (controller.signal.aborted) return; // abort() already failed and counted everything it held
    if (!quiet) ctx.report(error);
    accounting.failEvents(batch.groups, batch.events.length, error);
  };
  /** The delivery can't take these events any more (aborted or closed): they fail here, counted once. */
  const refuse = (events: readonly unknown[], groups: readonly AckGroup[], from: number) => {
    accounting.failEvents(
      groups,
      events.length - from,
      toSdkError(controller.signal.reason, ErrorCode.ABORTED, stage),
      from,
    );
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
          stopped: () => state.stopped,
          setLastError: (error) => {
            state.lastError = error;
          },
          accepted: accounting.accepted,
          rejectAll: accounting.rejectAll,
          fail,
          isolate: (batch) => isolateUnfit(batch, true, ctx, counters, stage),
          onOutboxed: (events) => env.onWritten(name, events),
        });
  const writer = createDeliveryWriter({
    name,
    ctx,
    counters,
    state,
    signal: controller.signal,
    write,
    accounting,
    lane,
    fail,
    settled: (batch) => buffer.settled(batch.events.length),
    onIdle: () => batcher.writerIdle(),
  });
  const batcher = createBatcher({
    maxSize: options.batch.maxSize,
    maxBytes: options.batch.maxBytes,
    maxWaitMs: options.batch.maxWaitMs,
    lingerMs: options.batch.lingerMs,
    canWrite: writer.idle,
    sizeOf: sizeOfOrEstimate(sink.sizeOf as ((event: unknown) => number) | undefined, (error) =>
      ctx.report(
        new SdkError(ErrorCode.INTERNAL, `sink ${name}: sizeOf threw; using the size estimate`, {
          stage,
          cause: error,
        }),
      ),
    ),
    onBatch: writer.enqueue,
    guard: createGuard(ctx, stage),
    onCutFailed: (batch, error) => {
      accounting.failEvents(batch.groups, batch.events.length, error);
      buffer.settled(batch.events.length);
    },
  });
  const buffer = createDeliveryBuffer({
    maxQueued: options.maxQueued,
    depth: ctx.metrics.queueDepth.labels({ queue: stage }),
    batcher,
    signal: controller.signal,
    stopped: () => state.stopped,
    refuse,
  });
  const unsubscribe = breaker.onStateChange((breakerState) => {
    // Wake first: if logging throws, the drainer must still learn that it may try again.
    if (breakerState !== 'open') lane?.wake();
    if (breakerState === 'open')
      ctx.logger.warn(
        { sink: name, state: breakerState },
        `sink ${name}: circuit breaker open, batches go to the outbox (or fail)`,
      );
    else ctx.logger.info({ sink: name, state: breakerState }, `sink ${name}: circuit breaker ${breakerState}`);
  });

  return {
    name,
    start: async () => {
      await lane?.open();
      const report = (error: unknown) => ctx.report(toSdkError(error, ErrorCode.INTERNAL, stage));
      tasksDone = Promise.all([writer.run().catch(report), lane?.drain().catch(report)]);
    },
    push: buffer.push,
    flush: () => batcher.flush(),
    beginStop: () => {
      if (lane === undefined) return;
      stopRetrying();
      lane.stopWaiting();
    },
    buffered: buffer.buffered,
    whenIdle: buffer.whenIdle,
    abort: (error) => {
      if (controller.signal.aborted) return;
      controller.abort(error);
      batcher.flush();
      for (const batch of writer.unwritten()) accounting.failEvents(batch.groups, batch.events.length, error);
      buffer.clear();
      lane?.wake();
    },
    close: async () => {
      state.stopped = true;
      // Called once nothing is buffered (or after abort): only an outbox drain can be running. Abort its retry
      // wait; an entry not acked stays on disk and is drained after the next start (at-least-once, idempotent).
      if (!controller.signal.aborted)
        controller.abort(new SdkError(ErrorCode.ABORTED, `sink ${name}: delivery closed`, { stage }));
      writer.wake();
      lane?.wake();
      await tasksDone;
      batcher.close();
      unsubscribe();
      breaker.shutdown();
      await lane?.close();
    },
    status: () => ({
      breaker: breaker.state(),
      outboxRecords: lane?.records() ?? 0,
      outboxFull: lane?.full(),
      lastError: state.lastError,
    }),
  };
}
