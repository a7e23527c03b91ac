import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHaTime, parseHaTime, secondsToMicros } from './time.js';

/** Epoch µs of a UTC calendar time with the year taken literally (setUTCFullYear has no 19xx quirk). */
function utc(year: number, month = 1, day = 1, h = 0, mi = 0, s = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, mi, s, 0);
  return d.getTime() * 1000;
}

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
    expect(parseHaTime('2024-01-01T06:30:00-05:30')).toBe(Date.UTC(2024, 0, 1, 12) * 1000);
    expect(parseHaTime('2024-01-01T14:00:00+0200')).toBe(Date.UTC(2024, 0, 1, 12) * 1000);
    expect(parseHaTime('2024-01-01T14:00:00+02')).toBe(Date.UTC(2024, 0, 1, 12) * 1000);
    expect(parseHaTime('2024-01-01T12:00:00')).toBe(Date.UTC(2024, 0, 1, 12) * 1000); // no offset: UTC
  });
  it('rejects text that is not a timestamp', () => {
    expect(parseHaTime('yesterday')).toBeUndefined();
    expect(parseHaTime('')).toBeUndefined();
  });

  // Regression (issue 11): Date.UTC maps years 0–99 to 1900–1999, so `0001` parsed as 1901.
  it.each([
    ['0001-01-01T00:00:00+00:00', utc(1)],
    ['0099-12-31T23:59:59+00:00', utc(99, 12, 31, 23, 59, 59)],
    ['0100-01-01T00:00:00+00:00', utc(100)],
    ['1969-12-31T23:59:59.999999+00:00', -1],
    ['1970-01-01T00:00:00+00:00', 0],
    ['2038-01-19T03:14:08+00:00', 2 ** 31 * 1_000_000],
    ['9999-12-31T23:59:59.999999+00:00', utc(9999, 12, 31, 23, 59, 59) + 999_999],
  ])('takes the year of %s literally', (text, micros) => {
    expect(parseHaTime(text)).toBe(micros);
  });

  it('puts year 0001 before 1901 and year 0099 before year 0100', () => {
    expect(parseHaTime('0001-01-01T00:00:00Z') as number).toBeLessThan(parseHaTime('1901-01-01T00:00:00Z') as number);
    expect(parseHaTime('0099-12-31T23:59:59Z') as number).toBeLessThan(parseHaTime('0100-01-01T00:00:00Z') as number);
  });

  it('truncates fraction digits past the sixth instead of rounding into the next second', () => {
    expect(parseHaTime('2024-01-01T00:00:00.123456789Z')).toBe(Date.UTC(2024, 0, 1) * 1000 + 123456);
    expect(parseHaTime('2024-01-01T00:00:59.9999999Z')).toBe(Date.UTC(2024, 0, 1, 0, 0, 59) * 1000 + 999999);
    expect(parseHaTime('2024-01-01T00:00:00,5Z')).toBe(Date.UTC(2024, 0, 1) * 1000 + 500000);
    expect(parseHaTime('2024-01-01T00:00:00.1234567890Z')).toBeUndefined(); // more than 9 digits
  });

  it('takes a leap second (:60 at minute 59) as the last µs of that minute, before the next minute', () => {
    const leap = parseHaTime('2016-12-31T23:59:60.5+00:00');
    expect(leap).toBe(Date.UTC(2016, 11, 31, 23, 59, 59) * 1000 + 999_999);
    expect(leap as number).toBeGreaterThan(parseHaTime('2016-12-31T23:59:59.999998Z') as number);
    expect(leap as number).toBeLessThan(parseHaTime('2017-01-01T00:00:00Z') as number);
    expect(parseHaTime('2017-01-01T00:59:60+01:00')).toBe(leap); // the same leap second in UTC+1
    expect(parseHaTime('2016-12-31T23:58:60Z')).toBeUndefined(); // not where a leap second can be
  });

  it.each([
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-01T00:00:00Z',
    '2024-01-00T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T12:60:00Z',
    '2024-01-01T12:00:61Z',
    '2024-01-01T12:00:00+24:00',
    '2024-01-01T12:00:00+01:60',
  ])('rejects the impossible calendar value %s instead of rolling it over', (text) => {
    expect(parseHaTime(text)).toBeUndefined();
  });

  it('accepts 29 February in leap years only', () => {
    expect(parseHaTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29) * 1000);
    expect(parseHaTime('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29) * 1000);
    expect(parseHaTime('1900-02-29T00:00:00Z')).toBeUndefined();
  });
});

describe('formatHaTime', () => {
  it('round-trips with parseHaTime and drops a zero fraction as HA does', () => {
    const us = parseHaTime('2016-11-26T01:37:24.000001+00:00') ?? 0;
    expect(formatHaTime(us)).toBe('2016-11-26T01:37:24.000001+00:00');
    expect(formatHaTime(Date.UTC(2024, 0, 1) * 1000)).toBe('2024-01-01T00:00:00+00:00');
  });
  it('writes four-digit years for years 1–99 and before 1970', () => {
    expect(formatHaTime(utc(1))).toBe('0001-01-01T00:00:00+00:00');
    expect(formatHaTime(utc(99, 12, 31, 23, 59, 59))).toBe('0099-12-31T23:59:59+00:00');
    expect(formatHaTime(-1)).toBe('1969-12-31T23:59:59.999999+00:00');
  });
  it('writes years past 9999 in the expanded ISO form instead of cutting them', () => {
    expect(formatHaTime(utc(10000))).toBe('+010000-01-01T00:00:00+00:00');
    expect(formatHaTime(utc(-1, 6))).toBe('-000001-06-01T00:00:00+00:00');
  });
  it('throws a RangeError naming the value for a non-finite time', () => {
    expect(() => formatHaTime(Number.NaN)).toThrow(/NaN is not a time/);
  });
  it('round-trips every µs between 1684 and 2255 (the exact epoch-µs range)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
        (micros) => parseHaTime(formatHaTime(micros)) === micros,
      ),
      { seed: 11, numRuns: 2000 },
    );
  });
  it('converts float seconds without drift', () => {
    expect(secondsToMicros(1700000000.123456)).toBe(1700000000123456);
  });
});
