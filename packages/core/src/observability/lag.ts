import type { EpochMicros } from '../model/event.js';
import type { Metrics } from './metrics.js';

// The lag rule of the `end_to_end_lag_seconds` histogram (issue 11): the same event time the event-time stage
// (stages/event-time.ts) bounds, read as "how long from HA to the sink". Only plausible lags are observed.

/** A point time may be ahead of the pipeline clock by this much (clock skew between HA and us) and count as lag 0. */
export const LAG_MAX_SKEW_SECONDS = 60;
/** Older events are history (imports, long backfills), not delivery lag: 30 days. */
export const LAG_MAX_AGE_SECONDS = 30 * 86_400;

/**
 * End-to-end lag of one event in seconds, or why it is not a lag (issue 11: a year-9999 event made the
 * metric −2.5e11 s). Ahead of `now` by up to {@link LAG_MAX_SKEW_SECONDS} → 0; further ahead → `future`;
 * older than {@link LAG_MAX_AGE_SECONDS} → `too_old`. Never negative, never absurd.
 */
export function lagSeconds(time: EpochMicros, nowMs: number): number | 'future' | 'too_old' {
  const lag = nowMs / 1000 - time / 1e6;
  if (!(lag >= -LAG_MAX_SKEW_SECONDS)) return lag < 0 ? 'future' : 'too_old'; // NaN lands in too_old
  if (lag > LAG_MAX_AGE_SECONDS) return 'too_old';
  return lag < 0 ? 0 : lag;
}

/**
 * Observes `end_to_end_lag_seconds` for accepted events by {@link lagSeconds}; the events it leaves out
 * are counted in `end_to_end_lag_skipped_total{reason="future"|"too_old"}`, so an empty histogram is explainable.
 */
export function createLagObserver(metrics: Metrics): (events: readonly unknown[], nowMs: number) => void {
  const skipped = metrics.counter(
    'end_to_end_lag_skipped_total',
    'Accepted events left out of end_to_end_lag_seconds: time in the future beyond clock skew, or older than 30 days',
    ['reason'],
  );
  return (events, nowMs) => {
    let future = 0;
    let old = 0;
    for (const e of events) {
      const t = (e as { time_fired?: unknown } | null)?.time_fired;
      if (typeof t !== 'number') continue;
      const lag = lagSeconds(t, nowMs);
      if (lag === 'future') future++;
      else if (lag === 'too_old') old++;
      else metrics.endToEndLag.observe(lag);
    }
    if (future > 0) skipped.inc({ reason: 'future' }, future);
    if (old > 0) skipped.inc({ reason: 'too_old' }, old);
  };
}
