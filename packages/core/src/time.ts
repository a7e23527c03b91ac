import type { EpochMicros } from './event.js';

// HA sends `datetime.isoformat()` of UTC datetimes: "2016-11-26T01:37:24.265429+00:00", and drops the
// fraction when the microsecond is 0 ("2024-01-01T12:00:00+00:00"). Date.parse would lose the µs.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an ISO 8601 timestamp as HA sends it into epoch µs, keeping the microseconds.
 * A timestamp without an offset is taken as UTC. Returns `undefined` when the text is not a timestamp.
 */
export function parseHaTime(text: string): EpochMicros | undefined {
  const m = ISO_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  const micros = frac === undefined ? 0 : Number(frac.padEnd(6, '0').slice(0, 6));
  let offsetMinutes = 0;
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}

/** Formats epoch µs the way HA does: UTC, `+00:00`, and no fraction when the microsecond is 0. */
export function formatHaTime(micros: EpochMicros): string {
  const ms = Math.floor(micros / 1000);
  const us = micros - Math.floor(micros / 1_000_000) * 1_000_000;
  const base = new Date(ms).toISOString().slice(0, 19);
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
