import { releaseAll } from '../runtime/ack.js';
import type { Batch } from './batcher.js';
import type { BreakerState } from './breaker.js';
import type { StageContext } from '../component/context.js';
import { ErrorCode, type SdkError, toSdkError } from '../model/errors.js';
import { createGuard } from '../observability/guard.js';
import { createSignal } from '../primitives/signal.js';
import type { OutboxFullInfo } from '../outbox/full.js';
import type { OpenOutboxOptions, Outbox } from '../outbox/outbox.js';
import type { OutboxOptions } from '../outbox/options.js';
import type { SinkWriteResult } from '../component/sink.js';
import type { Counters } from '../runtime/stats.js';

/** What the outbox side of a delivery needs from the delivery. */
export interface DeliveryOutboxEnv {
  readonly name: string;
  readonly ctx: StageContext;
  readonly counters: Counters;
  readonly options: OutboxOptions;
  /** Pause after a failed drain (the breaker's reset timeout). */
  readonly retryDrainMs: number;
  readonly openOutbox: (options: OpenOutboxOptions) => Promise<Outbox<unknown>>;
  /** The delivery's write path (retry → breaker → sink). */
  readonly write: (events: readonly unknown[]) => Promise<SinkWriteResult | void>;
  readonly breakerState: () => BreakerState;
  /** Aborted when the delivery is aborted or closed. */
  readonly signal: AbortSignal;
  readonly stopped: () => boolean;
  readonly setLastError: (error: SdkError | undefined) => void;
  /** Counts what the sink took of `events` (see delivery.ts); `announce` is false for drained entries. */
  readonly accepted: (events: readonly unknown[], result: SinkWriteResult | void, announce: boolean) => void;
  readonly rejectAll: (events: readonly unknown[], error: SdkError) => void;
  /** Fails a batch that was not made durable; `quiet`: its reason is logged elsewhere (rate-limited). */
  readonly fail: (batch: Batch, error: SdkError, quiet: boolean) => void;
  /** Dead-letters the events of `batch` JSON can't hold; returns the rest, or undefined when all are fine. */
  readonly isolate: (batch: Batch) => Batch | undefined;
  /** A batch was outboxed: durable, so its sources may be told it is handled. */
  readonly onOutboxed: (events: readonly unknown[]) => void;
}

/** A delivery's disk outbox: appending the batches the sink can't take and draining them in order. */
export interface DeliveryOutbox {
  /** Opens the outbox. */
  readonly open: () => Promise<void>;
  /** The drainer task (after `open`): runs until the delivery stops. */
  readonly drain: () => Promise<void>;
  /** Records waiting in the outbox. */
  readonly records: () => number;
  /** Appends a batch (durable, its groups released) or fails it; never throws. */
  readonly append: (batch: Batch) => Promise<void>;
  /** Wakes the drainer (the breaker left `open`, or an entry was appended). */
  readonly wake: () => void;
  /** Stop began: a full outbox refuses instead of waiting, and the batch waiting now is refused (issue 11). */
  readonly stopWaiting: () => void;
  /** After the drainer ended: clears its timer, closes the outbox, logs what stop could not make durable. */
  readonly close: () => Promise<void>;
  /** Set while the outbox is full (for health). */
  readonly full: () => OutboxFullInfo | undefined;
}

/**
 * Creates the outbox side of a delivery. The drainer is its own task so that it is never the one waiting in
 * `append`: a full `block` outbox during an outage can't lock the delivery up. Issue 11: reaching the cap is
 * logged once by the outbox, counted here (`ha_ingestor_outbox_full_total{sink}`, gauge
 * `ha_ingestor_outbox_full{sink}`, health), every dropped or refused event is counted
 * (`ha_ingestor_outbox_dropped_total{sink,policy}`), and a stopping pipeline no longer waits for space: the
 * batches that do not fit fail back to their sources, counted once and logged once.
 */
export function createDeliveryOutbox(env: DeliveryOutboxEnv): DeliveryOutbox {
  const { name, ctx, counters } = env;
  const stage = `sink:${name}`;
  const metrics = ctx.metrics;
  const guard = createGuard(ctx, stage);
  const fullGauge = metrics.gauge(
    'outbox_full',
    'Whether a sink outbox is full (1) or not (0); what then happens depends on whenFull',
    ['sink'],
  );
  const fullTotal = metrics.counter('outbox_full_total', 'Times a sink outbox reached its cap', ['sink']);
  const droppedTotal = metrics.counter(
    'outbox_dropped_total',
    'Events a full sink outbox dropped (drop-oldest: lost) or refused (drop-newest, or a batch larger than the cap: failed back to their sources)',
    ['sink', 'policy'],
  );
  let box: Outbox<unknown> | undefined;
  let fullInfo: OutboxFullInfo | undefined;
  let stopping = false;
  let notDurable = 0;
  let drainBlocked = false;
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  const drainable = createSignal(); // wakes the drainer: an entry was appended, the breaker left open, stop
  const wake = drainable.notify;

  /** Writes the oldest entry; false while the sink is still unavailable. */
  const drainOne = async (outbox: Outbox<unknown>): Promise<boolean> => {
    const entry = await outbox.peek();
    if (entry === undefined) return true;
    try {
      env.accepted(entry.records, await env.write(entry.records), false);
    } catch (caught) {
      const error = toSdkError(caught, ErrorCode.SINK_UNAVAILABLE, stage);
      env.setLastError(error);
      if (error.code !== ErrorCode.SINK_REJECTED) return false;
      env.rejectAll(entry.records, error);
    }
    env.setLastError(undefined);
    await outbox.ack(entry);
    metrics.outboxBytes.set({ sink: name }, outbox.bytes());
    return true;
  };

  const pauseDrain = () => {
    drainBlocked = true;
    const resume = () => {
      drainTimer = undefined;
      drainBlocked = false;
      wake();
    };
    // A throw here would leave the drainer paused forever: the guard reports it and resumes anyway.
    drainTimer = setTimeout(guard('outbox drain pause', resume, resume), env.retryDrainMs);
  };

  const runDrainer = async (outbox: Outbox<unknown>) => {
    while (!env.stopped()) {
      if (outbox.size() === 0 || drainBlocked || env.breakerState() === 'open' || env.signal.aborted) {
        await drainable.wait();
        continue;
      }
      let ok: boolean;
      try {
        ok = await drainOne(outbox);
      } catch (error) {
        ctx.report(toSdkError(error, ErrorCode.STORAGE_FAILED, stage));
        ok = false;
      }
      if (!ok && !env.stopped()) pauseDrain();
    }
  };

  const append = async (batch: Batch): Promise<void> => {
    const outbox = box as Outbox<unknown>;
    try {
      await outbox.append(batch.events, env.signal);
    } catch (caught) {
      const error = toSdkError(caught, ErrorCode.STORAGE_FAILED, stage);
      // One event JSON can't hold (too deep, a bigint) must not keep its neighbours out of the outbox.
      const rest = error.code === ErrorCode.EVENT_INVALID ? env.isolate(batch) : undefined;
      if (rest !== undefined) return rest.events.length > 0 ? append(rest) : undefined;
      // Refusals (drop-newest, a batch larger than the cap) and stop's refusals are logged by the outbox or at
      // close, rate-limited or once; the events fail (their sources keep them) and count once, as failed.
      const refusedAtStop = stopping && error.code === ErrorCode.ABORTED && !env.signal.aborted;
      if (refusedAtStop) notDurable += batch.events.length;
      env.fail(batch, error, refusedAtStop || error.code === ErrorCode.BUFFER_OVERFLOW);
      return undefined;
    } finally {
      wake();
    }
    counters.outboxed[name] = (counters.outboxed[name] ?? 0) + batch.events.length;
    metrics.outboxBytes.set({ sink: name }, outbox.bytes());
    env.onOutboxed(batch.events);
    releaseAll(batch.groups);
    return undefined;
  };

  return {
    open: async () => {
      const outbox = await env.openOutbox({
        ...env.options,
        name,
        logger: ctx.logger.child({ sink: name }),
        now: ctx.now,
        onDrop: (records, policy) => {
          droppedTotal.inc({ sink: name, policy }, records);
          // drop-newest refuses the new batch: it fails (see append) and is counted there, once, as failed.
          if (policy === 'drop-oldest') counters.drop('outbox_full', records);
        },
        onFullChange: (full, info) => {
          fullInfo = full ? info : undefined;
          fullGauge.set({ sink: name }, full ? 1 : 0);
          if (full) fullTotal.inc({ sink: name });
        },
      });
      box = outbox;
      fullGauge.set({ sink: name }, 0);
      metrics.outboxBytes.set({ sink: name }, outbox.bytes());
    },
    drain: () => runDrainer(box as Outbox<unknown>),
    records: () => box?.size() ?? 0,
    append,
    wake,
    stopWaiting: () => {
      stopping = true;
      box?.stopWaiting();
    },
    close: async () => {
      if (drainTimer !== undefined) clearTimeout(drainTimer);
      drainTimer = undefined;
      if (notDurable > 0) {
        ctx.logger.warn(
          { sink: name, events: notDurable, ...fullInfo },
          `sink ${name}: stopped with the outbox full; ${notDurable} events could not be made durable and failed (their sources keep them for redelivery)`,
        );
      }
      await box?.close();
    },
    full: () => (fullInfo === undefined || box === undefined ? fullInfo : { ...fullInfo, bytes: box.bytes() }),
  };
}
