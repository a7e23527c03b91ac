import type { AckGroup } from '../runtime/ack.js';
import { ErrorCode } from './errors.js';
import type { EpochMicros } from './event.js';
import type { Metrics } from '../observability/metrics.js';
import type { StageBatch, StageEnv, StageRunner } from '../stages/stage.js';

/**
 * The one event-time rule of the pipeline (issue 11). Before, a year-9999 event was refused by the line
 * protocol file but kept in NDJSON, and year 0001 parsed as 1901: each sink had its own idea of a valid
 * time. Now every event passes {@link eventTimeStage} before any stage or sink, so the file sink (NDJSON
 * and line protocol), InfluxDB and every other sink see the same events.
 *
 * The range is 1700-01-01T00:00:00Z through 2249-12-31T23:59:59.999999Z, both inclusive: narrower than
 * InfluxDB's int64-nanosecond range (1677-09-21 to 2262-04-11) because epoch µs in a JS number are exact
 * only within ±2^53 (1684-07-28 to 2255-06-05); round years keep the rule easy to state.
 */
export const EVENT_TIME_MIN: EpochMicros = -8_520_336_000_000_000;
/** Latest accepted event time, 2249-12-31T23:59:59.999999Z (see {@link EVENT_TIME_MIN}). */
export const EVENT_TIME_MAX: EpochMicros = 8_835_955_199_999_999;

/** The event fields that sinks use as a point time (schema `timeSource`), checked by {@link checkEventTime}. */
export const EVENT_TIME_FIELDS = ['time_fired', 'last_updated', 'last_changed', 'last_reported'] as const;

/** Why an event's time is refused: `invalid_time` (not an integer epoch µs) or `time_out_of_range`. */
export interface EventTimeProblem {
  readonly reason: 'invalid_time' | 'time_out_of_range';
  readonly message: string;
  readonly field: (typeof EVENT_TIME_FIELDS)[number];
}

/**
 * Checks the time fields of an event ({@link EVENT_TIME_FIELDS}); `undefined` when they are usable.
 * An absent (or null) field is not checked, so events without HA times pass untouched.
 */
export function checkEventTime(event: unknown): EventTimeProblem | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const record = event as Readonly<Record<string, unknown>>;
  for (const field of EVENT_TIME_FIELDS) {
    const value = record[field];
    if (value === undefined || value === null) continue;
    // Number.isInteger, not isSafeInteger: year 9999 is an integer past 2^53 and should read as out of range.
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return { reason: 'invalid_time', field, message: `${field} ${describe(value)} is not an integer epoch µs` };
    }
    if (value < EVENT_TIME_MIN || value > EVENT_TIME_MAX) {
      return {
        reason: 'time_out_of_range',
        field,
        message: `${field} ${new Date(Math.floor(value / 1000)).toISOString()} is outside the accepted range 1700-01-01T00:00:00Z … 2249-12-31T23:59:59.999999Z`,
      };
    }
  }
  return undefined;
}

/**
 * The built-in first stage of every pipeline: an event whose time {@link checkEventTime} refuses is
 * dead-lettered once (stage `event-time`, reason `invalid_time` / `time_out_of_range`), counted in
 * `events_dropped_total{reason}` and acknowledged as handled; the rest of the batch goes on.
 */
export function eventTimeStage(): StageRunner {
  return {
    name: 'event-time',
    run: (batch: StageBatch, env: StageEnv) => {
      const { events, groups } = batch;
      let w = 0;
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        const problem = checkEventTime(event);
        if (problem !== undefined) {
          env.ctx.deadLetter({
            stage: 'event-time',
            reason: problem.reason,
            code: ErrorCode.EVENT_INVALID,
            message: problem.message,
            raw: event,
            data: { field: problem.field },
          });
          env.drop(groups[i] as AckGroup, problem.reason);
          continue;
        }
        events[w] = event;
        groups[w] = groups[i] as AckGroup;
        w++;
      }
      events.length = w;
      groups.length = w;
    },
  };
}

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

// --- internal ---

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? `(${Array.isArray(value) ? 'array' : 'object'})` : String(value);
}
