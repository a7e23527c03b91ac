import { formatHaTime } from '@ha-ingestor/core';
import type { Rng } from './prng.js';

/** `datetime.isoformat()` of a UTC time in epoch µs: µs precision, fraction dropped when 0, `+00:00`. */
export const isoFromMicros = (micros: number): string => formatHaTime(micros);

/** Float epoch seconds (HA's compressed-state timestamps), e.g. 1700000000.123456. */
export const secondsFromMicros = (micros: number): number => micros / 1_000_000;

/** A simulation clock in epoch µs: strictly increasing, with µs detail below the ms of `now()`. */
export interface SimClock {
  /** Current time in epoch ms (the injected clock). */
  readonly nowMs: () => number;
  /** A fresh event timestamp in epoch µs, strictly greater than the previous one. */
  readonly tick: () => number;
}

/**
 * Wraps an epoch-ms clock. Each tick takes `now()` and adds seeded sub-ms µs, then forces strict
 * monotonicity, so two changes in the same millisecond get distinct µs (as HA's do).
 */
export function createSimClock(now: () => number, rng: Rng): SimClock {
  let last = 0;
  return {
    nowMs: now,
    tick: () => {
      const base = Math.floor(now()) * 1000;
      let micros = base + Math.floor(rng.next() * 1000);
      if (micros <= last) micros = last + 1;
      last = micros;
      return micros;
    },
  };
}

/**
 * A virtual clock for the pure generator: starts at `startMs` and advances by seeded gaps, landing
 * on a whole second now and then so consumers meet timestamps without a fraction.
 */
export function createVirtualClock(startMs: number, rng: Rng, meanGapMicros = 20_000): SimClock {
  let micros = Math.floor(startMs) * 1000;
  return {
    nowMs: () => Math.floor(micros / 1000),
    tick: () => {
      const r = rng.next();
      if (r < 0.02)
        micros += 1; // same millisecond, different µs
      else if (r < 0.025)
        micros = Math.ceil((micros + 1) / 1_000_000) * 1_000_000; // fraction 0
      else micros += 1 + Math.floor(rng.next() * meanGapMicros * 2);
      return micros;
    },
  };
}

/** Python-like parse of an ISO 8601 time (`T` or space, optional offset; naive = `timeZoneOffsetMinutes`). */
export function parseIsoToMicros(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, tz] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offsetMinutes = 0;
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  const micros = frac === undefined ? 0 : Number(frac.padEnd(6, '0'));
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}
