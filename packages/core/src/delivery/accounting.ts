import { type AckGroup, failAll } from '../runtime/ack.js';
import type { StageContext } from '../component/context.js';
import { ErrorCode, type SdkError } from '../model/errors.js';
import { createLagObserver } from '../observability/lag.js';
import type { SinkWriteResult } from '../component/sink.js';
import type { Counters } from '../runtime/stats.js';

/** What {@link createDeliveryAccounting} counts into. */
export interface DeliveryAccountingEnv {
  readonly name: string;
  readonly ctx: StageContext;
  readonly counters: Counters;
  /** A batch was durably accepted (the pipeline emits `written`). */
  readonly onWritten: (events: readonly unknown[]) => void;
}

/** How a delivery records the outcome of its writes: each event is counted exactly once. */
export interface DeliveryAccounting {
  /** The sink took `events` minus what `result` rejected (dead-lettered); `announce` is false for drained outbox entries. */
  readonly accepted: (events: readonly unknown[], result: SinkWriteResult | void, announce: boolean) => void;
  /** The sink refused the whole batch for good (SINK_REJECTED): every event is dead-lettered. */
  readonly rejectAll: (events: readonly unknown[], error: SdkError) => void;
  /** Fails `groups[from..]` of `count` events that were not made durable (their sources keep them). */
  readonly failEvents: (groups: readonly AckGroup[], count: number, error: SdkError, from?: number) => void;
}

/**
 * Creates the accounting of one sink's delivery: `written` and `sink_points_written_total`, the end-to-end
 * lag histogram, dead letters for rejected events (`dropped.rejected`), and `failed` for events handed back
 * to their sources.
 */
export function createDeliveryAccounting(env: DeliveryAccountingEnv): DeliveryAccounting {
  const { name, ctx, counters } = env;
  const stage = `sink:${name}`;
  const metrics = ctx.metrics;
  const observeLag = createLagObserver(metrics); // skips impossible times (issue 11)
  counters.written[name] ??= 0;
  counters.outboxed[name] ??= 0;

  /** Dead-letters the events the sink refused; returns how many it accepted. */
  const applyResult = (events: readonly unknown[], result: SinkWriteResult | void): number => {
    const rejected = result?.rejected;
    if (rejected === undefined || rejected.length === 0) return events.length;
    for (const r of rejected) {
      ctx.deadLetter({
        stage,
        reason: r.reason,
        code: ErrorCode.SINK_REJECTED,
        message: r.message,
        raw: events[r.index],
      });
    }
    counters.drop('rejected', rejected.length);
    return events.length - rejected.length;
  };

  return {
    accepted: (events, result, announce) => {
      const count = applyResult(events, result);
      counters.written[name] = (counters.written[name] ?? 0) + count;
      metrics.sinkPointsWritten.inc({ sink: name }, count);
      observeLag(events, ctx.now());
      if (announce) env.onWritten(events);
    },
    rejectAll: (events, error) => {
      for (const raw of events)
        ctx.deadLetter({ stage, reason: 'rejected', code: error.code, message: error.message, raw });
      counters.drop('rejected', events.length);
    },
    failEvents: (groups, count, error, from = 0) => {
      counters.failed += count;
      failAll(groups, error, from);
    },
  };
}
