import type { EpochMicros } from './event.js';

// HA sends `datetime.isoformat()` of UTC datetimes: "2016-11-26T01:37:24.265429+00:00", and drops the
// fraction when the microsecond is 0 ("2024-01-01T12:00:00+00:00"). Date.parse would lose the µs.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO 8601 timestamp as HA sends it into epoch µs, keeping the microseconds.
 * A timestamp without an offset is taken as UTC. Returns `undefined` when the text is not a timestamp,
 * including impossible calendar values (`2024-02-30`, `25:00`, an offset past ±23:59).
 *
 * Edge cases, decided in issue 11:
 * - every four-digit year is taken literally: `0001` is year 1, not 1901 (`Date.UTC` maps 0–99 to 19xx);
 *   whether the time is usable is the pipeline's event-time rule (see `event-time.ts`), not the parser's.
 * - fractions: up to 9 digits; digits past the 6th (µs) are truncated, never rounded up into the next second.
 * - leap second `:60` (only at minute 59, where it can occur): taken as the last µs of that minute
 *   (`…:59.999999`), so it stays after every earlier point and never collides with the next minute's `:00`.
 *   Python's datetime (HA) never produces it; other publishers (MQTT devices) might.
 */
export function parseHaTime(text: string): EpochMicros | undefined {
  const m = ISO_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  let second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59)
    return undefined;
  let micros = frac === undefined ? 0 : Number(frac.padEnd(6, '0').slice(0, 6));
  if (second === 60) {
    if (minute !== 59) return undefined;
    second = 59;
    micros = 999_999;
  } else if (second > 59) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4) || '0');
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  return (utcMillis(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000) * 1000 + micros;
}

/**
 * Formats epoch µs the way HA does: UTC, `+00:00`, and no fraction when the microsecond is 0. Years
 * 0000–9999 have four digits (year 1 is `0001`); outside that, ISO 8601's expanded form (`+010000`,
 * `-000001`). Throws a RangeError for a value that is not a finite number.
 */
export function formatHaTime(micros: EpochMicros): string {
  if (!Number.isFinite(micros)) throw new RangeError(`formatHaTime: ${String(micros)} is not a time in epoch µs`);
  const whole = Math.floor(micros);
  const us = whole - Math.floor(whole / 1_000_000) * 1_000_000;
  // toISOString already writes four-digit years for 0000–9999 and `±YYYYYY` outside: keep up to the `.`.
  const iso = new Date(Math.floor(whole / 1000)).toISOString();
  const base = iso.slice(0, iso.lastIndexOf('.'));
  return us === 0 ? `${base}+00:00` : `${base}.${String(us).padStart(6, '0')}+00:00`;
}

/** Converts HA's float epoch seconds (compressed states, history rows) to epoch µs without float drift. */
export function secondsToMicros(seconds: number): EpochMicros {
  return Math.round(seconds * 1_000_000);
}

/** Epoch µs → float epoch seconds (HA's compressed-state representation). */
export function microsToSeconds(micros: EpochMicros): number {
  return micros / 1_000_000;
}

/** Epoch ms → epoch µs. */
export function millisToMicros(ms: number): EpochMicros {
  return Math.round(ms * 1000);
}

// --- internal ---

/** `Date.UTC` with the year taken literally: `Date.UTC(1, …)` is 1901 (issue 11); years 0–99 go through setUTCFullYear. */
function utcMillis(
  year: number,
  monthIndex: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): number {
  if (year >= 100) return Date.UTC(year, monthIndex, day, hour, minute, second); // the hot path: no Date object
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
