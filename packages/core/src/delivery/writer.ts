import type { StageContext } from '../component/context.js';
import type { SinkWriteResult } from '../component/sink.js';
import { ErrorCode, type SdkError, toSdkError } from '../model/errors.js';
import { createSignal } from '../primitives/signal.js';
import { releaseAll } from '../runtime/ack.js';
import type { Counters } from '../runtime/stats.js';
import type { DeliveryAccounting } from './accounting.js';
import type { Batch } from './batcher.js';
import { isolateUnfit } from './isolate.js';
import type { DeliveryOutbox } from './outbox-lane.js';

/** The state a delivery's parts share, in one record. */
export interface DeliveryState {
  /** Set by `close()`: the writer and the drainer end. */
  stopped: boolean;
  /** The last write failure, until a write succeeds (health shows it). */
  lastError: SdkError | undefined;
}

/** What the writer needs from its delivery. */
export interface DeliveryWriterEnv {
  readonly name: string;
  readonly ctx: StageContext;
  readonly counters: Counters;
  readonly state: DeliveryState;
  /** Aborted when the delivery is aborted or closed. */
  readonly signal: AbortSignal;
  /** The write path (retry → breaker → sink). */
  readonly write: (events: readonly unknown[]) => Promise<SinkWriteResult | void>;
  readonly accounting: Pick<DeliveryAccounting, 'accepted' | 'rejectAll'>;
  /** The outbox side, when the delivery has an outbox. */
  readonly lane: DeliveryOutbox | undefined;
  /** Fails a batch that was not made durable (reported unless aborted). */
  readonly fail: (batch: Batch, error: SdkError) => void;
  /** A batch left the delivery (written, outboxed or failed): frees its buffer space. */
  readonly settled: (batch: Batch) => void;
  /** The writer finished a batch and has nothing queued (the batcher may cut a lingering batch now). */
  readonly onIdle: () => void;
}

/** The writer task of a delivery: cut batches, one at a time, in order. */
export interface DeliveryWriter {
  /** Queues a batch the batcher cut. */
  readonly enqueue: (batch: Batch) => void;
  /** The task: runs until the delivery is stopped. */
  readonly run: () => Promise<void>;
  /** Wakes the task (to notice that the delivery stopped). */
  readonly wake: () => void;
  /** Every batch not written yet, the one in flight first (abort fails them). */
  readonly unwritten: () => Batch[];
  /** Nothing in flight and nothing queued: a batch cut now would be written at once. */
  readonly idle: () => boolean;
}

/**
 * Creates the writer. While the outbox is empty it writes each batch (retry around a breaker); a batch the
 * sink can't take goes to the outbox (handled) or fails its groups (no outbox). While the outbox holds
 * entries it appends new batches behind them, so the sink sees events in order. A batch whose write fails is
 * first checked for events nothing can serialise (isolate.ts): those are dead-lettered, the rest tried again.
 */
export function createDeliveryWriter(env: DeliveryWriterEnv): DeliveryWriter {
  const { name, ctx, counters, state, signal, lane } = env;
  const stage = `sink:${name}`;
  const ready: Batch[] = [];
  const batchReady = createSignal();
  let inFlight: Batch | undefined;

  const deliver = async (batch: Batch): Promise<void> => {
    let result: SinkWriteResult | void;
    try {
      result = await env.write(batch.events);
    } catch (caught) {
      const error = toSdkError(caught, ErrorCode.SINK_UNAVAILABLE, stage);
      state.lastError = error;
      if (error.code === ErrorCode.SINK_REJECTED) {
        env.accounting.rejectAll(batch.events, error);
        releaseAll(batch.groups);
        return;
      }
      // One event the sink can't serialise (a RangeError from a 10,000-deep attribute) must not fail the rest.
      const rest = signal.aborted ? undefined : isolateUnfit(batch, false, ctx, counters, stage);
      if (rest !== undefined) {
        inFlight = rest;
        if (rest.events.length > 0) await deliver(rest);
      } else if (lane !== undefined && !signal.aborted) {
        ctx.logger.warn(
          { sink: name, code: error.code, events: batch.events.length },
          `sink ${name}: unavailable, batch moved to the outbox`,
        );
        await lane.append(batch);
      } else env.fail(batch, error);
      return;
    }
    state.lastError = undefined;
    env.accounting.accepted(batch.events, result, true);
    releaseAll(batch.groups);
  };

  return {
    enqueue: (batch) => {
      ready.push(batch);
      batchReady.notify();
    },
    run: async () => {
      while (!state.stopped) {
        const batch = ready.shift();
        if (batch === undefined) {
          await batchReady.wait();
          continue;
        }
        inFlight = batch;
        try {
          // Keep order: while older events wait in the outbox, newer ones queue behind them on disk. A blocking
          // append waits for the drainer (another task) to free space, never for this one.
          if (lane !== undefined && lane.records() > 0 && !signal.aborted) await lane.append(batch);
          else await deliver(batch);
        } catch (error) {
          // A bug (or a throwing logger) in the write path: fail this batch, keep the writer alive. Issue 11: a
          // dead writer strands every later batch and hangs stop() until its timeout.
          env.fail(batch, toSdkError(error, ErrorCode.INTERNAL, stage));
        }
        inFlight = undefined;
        env.settled(batch);
        if (ready.length === 0 && !state.stopped) {
          try {
            env.onIdle();
          } catch (error) {
            ctx.report(toSdkError(error, ErrorCode.INTERNAL, stage));
          }
        }
      }
    },
    wake: batchReady.notify,
    unwritten: () => {
      const pending = ready.splice(0);
      if (inFlight !== undefined) pending.unshift(inFlight);
      return pending;
    },
    idle: () => inFlight === undefined && ready.length === 0,
  };
}
