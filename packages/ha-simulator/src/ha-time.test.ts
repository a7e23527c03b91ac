import { describe, expect, it } from 'vitest';
import { createSimClock, isoFromMicros, parseIsoToMicros } from './ha-time.js';
import { createRng } from './prng.js';

describe('HA time formatting', () => {
  it('formats µs with Python isoformat rules', () => {
    expect(isoFromMicros(Date.UTC(2024, 0, 1, 12) * 1000)).toBe('2024-01-01T12:00:00+00:00');
    expect(isoFromMicros(Date.UTC(2024, 0, 1, 12) * 1000 + 1)).toBe('2024-01-01T12:00:00.000001+00:00');
    expect(isoFromMicros(1480124244265429)).toBe('2016-11-26T01:37:24.265429+00:00');
  });

  it('parses ISO 8601 with offsets, Z, space separator and fractions', () => {
    expect(parseIsoToMicros('2016-11-26T01:37:24.265429+00:00')).toBe(1480124244265429);
    expect(parseIsoToMicros('2016-11-26 02:37:24.265429+01:00')).toBe(1480124244265429);
    expect(parseIsoToMicros('2016-11-26T01:37:24Z')).toBe(1480124244000000);
    expect(parseIsoToMicros('not a time')).toBeUndefined();
    expect(parseIsoToMicros('2024-02-30T00:00:00')).toBeUndefined();
  });

  it('gives distinct, increasing µs for changes in the same millisecond', () => {
    const clock = createSimClock(() => 1_700_000_000_000, createRng(1));
    const ticks = Array.from({ length: 50 }, () => clock.tick());
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBeGreaterThan(ticks[i - 1] ?? 0);
    expect(Math.floor((ticks[0] ?? 0) / 1000)).toBe(1_700_000_000_000);
  });
});
