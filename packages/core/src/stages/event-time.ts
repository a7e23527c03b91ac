import type { AckGroup } from '../runtime/ack.js';
import { ErrorCode } from '../model/errors.js';
import type { EpochMicros } from '../model/event.js';
import type { StageBatch, StageEnv, StageRunner } from './stage.js';

/**
 * The one event-time rule of the pipeline (issue 11). Before, a year-9999 event was refused by the line
 * protocol file but kept in NDJSON, and year 0001 parsed as 1901: each sink had its own idea of a valid
 * time. Now every event passes the event-time stage before any stage or sink, so the file sink (NDJSON
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

// --- internal ---

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? `(${Array.isArray(value) ? 'array' : 'object'})` : String(value);
}
