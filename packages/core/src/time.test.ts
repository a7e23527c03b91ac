import { describe, expect, it } from 'vitest';
import { formatHaTime, parseHaTime, secondsToMicros } from './time.js';

describe('parseHaTime', () => {
  it('keeps microseconds from HA isoformat', () => {
    expect(parseHaTime('2016-11-26T01:37:24.265429+00:00')).toBe(Date.UTC(2016, 10, 26, 1, 37, 24) * 1000 + 265429);
  });
  it('accepts a timestamp without fraction (microsecond 0)', () => {
    expect(parseHaTime('2024-01-01T12:00:00+00:00')).toBe(Date.UTC(2024, 0, 1, 12) * 1000);
  });
  it('applies a non-UTC offset and Z', () => {
    expect(parseHaTime('2024-01-01T13:00:00.5+01:00')).toBe(Date.UTC(2024, 0, 1, 12) * 1000 + 500000);
    expect(parseHaTime('2024-01-01T12:00:00Z')).toBe(Date.UTC(2024, 0, 1, 12) * 1000);
  });
  it('rejects text that is not a timestamp', () => {
    expect(parseHaTime('yesterday')).toBeUndefined();
    expect(parseHaTime('')).toBeUndefined();
  });
});

describe('formatHaTime', () => {
  it('round-trips with parseHaTime and drops a zero fraction as HA does', () => {
    const us = parseHaTime('2016-11-26T01:37:24.000001+00:00') ?? 0;
    expect(formatHaTime(us)).toBe('2016-11-26T01:37:24.000001+00:00');
    expect(formatHaTime(Date.UTC(2024, 0, 1) * 1000)).toBe('2024-01-01T00:00:00+00:00');
  });
  it('converts float seconds without drift', () => {
    expect(secondsToMicros(1700000000.123456)).toBe(1700000000123456);
  });
});
