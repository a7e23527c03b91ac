import type { StoredValue } from './rows.js';

/** One point as a query returned it: measurement, non-empty tags, non-null fields, time in epoch µs. */
export interface StoredPoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, StoredValue>>;
  readonly time: number;
}

/** A null-prototype record, so stored keys such as `__proto__` stay ordinary keys. */
export function record<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** Epoch µs → RFC 3339 with microseconds (`2026-01-02T03:04:05.123456Z`). */
export function microsToRfc3339(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // …05.123Z
  const micros = String(us - ms * 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${micros}Z`;
}

/** RFC 3339 (any fraction up to ns, `Z` or an offset) → epoch µs, or undefined when it is not one. */
export function rfc3339ToMicros(text: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (m === null) return undefined;
  const seconds = Date.parse(`${m[1] as string}${m[3] as string}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return seconds * 1000 + Number(fraction);
}
