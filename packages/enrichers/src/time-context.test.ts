import { describe, expect, it } from 'vitest';
import { createRegistryStore, isSdkError } from '@ha-ingestor/core';
import { timeContext } from './time-context.js';
import { seasonOf } from './local-time.js';
import { stateEvent, testContext, enrichSync } from '../test/helpers.js';

const { ctx } = testContext();
const at = (iso: string, entityId = 'sensor.x', state: string | null = '1') =>
  stateEvent(entityId, state, {}, Date.parse(iso));

describe('timeContext', () => {
  it('computes hour, weekday, weekend and part of day in the configured time zone', () => {
    const e = timeContext({ timeZone: 'Europe/Berlin' });
    // 2026-01-17 is a Saturday; 22:30 UTC is 23:30 in Berlin (CET, +1).
    expect(enrichSync(e, at('2026-01-17T22:30:00Z'), ctx)).toEqual({
      hour: 23,
      weekday: 'saturday',
      weekend: true,
      part_of_day: 'night',
      season: 'winter',
    });
    // 23:30 UTC on Saturday is already Sunday 00:30 in Berlin.
    expect(enrichSync(e, at('2026-01-17T23:30:00Z'), ctx)).toMatchObject({ hour: 0, weekday: 'sunday', weekend: true });
  });

  it('follows daylight saving time', () => {
    const e = timeContext({ timeZone: 'Europe/London' });
    expect(enrichSync(e, at('2026-01-14T12:00:00Z'), ctx)).toMatchObject({
      hour: 12,
      weekday: 'wednesday',
      weekend: false,
    });
    expect(enrichSync(e, at('2026-07-15T12:00:00Z'), ctx)).toMatchObject({
      hour: 13,
      part_of_day: 'afternoon',
      season: 'summer',
    });
  });

  it.each([
    ['05:59', 'night'],
    ['06:00', 'morning'],
    ['11:59', 'morning'],
    ['12:00', 'afternoon'],
    ['18:00', 'evening'],
    ['21:59', 'evening'],
    ['22:00', 'night'],
  ])('puts %s in the %s', (hm, part) => {
    const e = timeContext({ timeZone: 'UTC' });
    expect(enrichSync(e, at(`2026-03-02T${hm}:00Z`), ctx)).toMatchObject({ part_of_day: part });
  });

  it('uses custom part-of-day boundaries and weekend days', () => {
    const e = timeContext({
      timeZone: 'UTC',
      partOfDay: { morning: 5, night: 23 },
      weekendDays: ['friday', 'saturday'],
    });
    expect(enrichSync(e, at('2026-01-16T05:00:00Z'), ctx)).toMatchObject({
      part_of_day: 'morning',
      weekday: 'friday',
      weekend: true,
    });
    expect(enrichSync(e, at('2026-01-16T22:30:00Z'), ctx)).toMatchObject({ part_of_day: 'evening' });
  });

  it("takes HA's time zone and latitude from the registry (get_config) and follows changes", () => {
    const registry = createRegistryStore({ config: { time_zone: 'America/New_York', latitude: 40.7, longitude: -74 } });
    const e = timeContext(undefined, { registry });
    expect(enrichSync(e, at('2026-01-15T12:00:00Z'), ctx)).toMatchObject({ hour: 7, season: 'winter' });
    registry.replace({ config: { time_zone: 'Australia/Sydney', latitude: -33.9, longitude: 151.2 } });
    expect(enrichSync(e, at('2026-01-15T12:00:00Z'), ctx)).toMatchObject({ hour: 23, season: 'summer' });
  });

  it('lets options override the registry, and defaults to UTC without either', () => {
    const registry = createRegistryStore({ config: { time_zone: 'America/New_York', latitude: 40.7, longitude: -74 } });
    expect(
      timeContext({ timeZone: 'Asia/Tokyo', latitude: -10 }, { registry }).enrich(at('2026-01-15T12:00:00Z'), ctx),
    ).toMatchObject({
      hour: 21,
      season: 'summer',
    });
    expect(timeContext().enrich(at('2026-01-15T12:00:00Z'), ctx)).toMatchObject({ hour: 12 });
  });

  it('ignores an unknown time zone from HA and uses UTC', () => {
    const registry = createRegistryStore({ config: { time_zone: 'Mars/Olympus', latitude: 0, longitude: 0 } });
    expect(timeContext(undefined, { registry }).enrich(at('2026-01-15T12:00:00Z'), ctx)).toMatchObject({ hour: 12 });
  });

  it('derives daylight from sun.sun states seen in the stream, by event time', () => {
    const e = timeContext({ timeZone: 'UTC' });
    expect(enrichSync(e, at('2026-01-15T07:00:00Z'), ctx)).not.toHaveProperty('daylight');
    expect(enrichSync(e, at('2026-01-15T08:00:00Z', 'sun.sun', 'above_horizon'), ctx)).toMatchObject({
      daylight: true,
    });
    expect(enrichSync(e, at('2026-01-15T12:00:00Z'), ctx)).toMatchObject({ daylight: true });
    expect(enrichSync(e, at('2026-01-15T16:10:00Z', 'sun.sun', 'below_horizon'), ctx)).toMatchObject({
      daylight: false,
    });
    expect(enrichSync(e, at('2026-01-15T17:00:00Z'), ctx)).toMatchObject({ daylight: false });
    // A backfilled event from before sunset is still in daylight; one before the first transition is unknown.
    expect(enrichSync(e, at('2026-01-15T15:00:00Z'), ctx)).toMatchObject({ daylight: true });
    expect(enrichSync(e, at('2026-01-15T07:30:00Z'), ctx)).not.toHaveProperty('daylight');
    // Attribute-only updates of sun.sun (same state) and unknown states change nothing.
    expect(enrichSync(e, at('2026-01-15T18:00:00Z', 'sun.sun', 'unavailable'), ctx)).toMatchObject({ daylight: false });
  });

  it('reuses the fields within a local minute, but not across a sun transition, a minute or a latitude (issue 14)', () => {
    const registry = createRegistryStore({ config: { time_zone: 'UTC', latitude: 50, longitude: 0 } });
    const e = timeContext({}, { registry });
    const a = enrichSync(e, at('2026-03-31T21:59:10Z'), ctx);
    const b = enrichSync(e, at('2026-03-31T21:59:50Z'), ctx);
    expect(b).toBe(a); // same minute, nothing else changed: the same frozen fields
    expect(Object.isFrozen(a)).toBe(true);
    // A sunset inside that minute: events after it get daylight false, events before it still none.
    expect(enrichSync(e, at('2026-03-31T21:59:20Z', 'sun.sun', 'below_horizon'), ctx)).toMatchObject({
      daylight: false,
    });
    expect(enrichSync(e, at('2026-03-31T21:59:30Z'), ctx)).toMatchObject({ daylight: false, hour: 21 });
    expect(enrichSync(e, at('2026-03-31T21:59:15Z'), ctx)).not.toHaveProperty('daylight');
    // The next minute is the next hour, part of day and month (and season).
    expect(enrichSync(e, at('2026-03-31T22:00:00Z'), ctx)).toMatchObject({ hour: 22, part_of_day: 'night' });
    expect(enrichSync(e, at('2026-04-01T00:00:05Z'), ctx)).toMatchObject({ hour: 0, weekday: 'wednesday' });
    // HA moves south (get_config): the season flips although the minute is the same.
    expect(enrichSync(e, at('2026-04-01T00:00:10Z'), ctx)).toMatchObject({ season: 'spring' });
    registry.replace({ config: { time_zone: 'UTC', latitude: -33, longitude: 0 } });
    expect(enrichSync(e, at('2026-04-01T00:00:20Z'), ctx)).toMatchObject({ season: 'autumn' });
  });

  it('rejects an unknown time zone option and non-increasing boundaries', () => {
    for (const bad of [{ timeZone: 'Nowhere/City' }, { partOfDay: { morning: 13 } }]) {
      try {
        timeContext(bad);
        expect.unreachable();
      } catch (error) {
        expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });
});

describe('seasonOf', () => {
  it.each([
    [2, 28, 'meteorological', 'winter'],
    [3, 1, 'meteorological', 'spring'],
    [6, 1, 'meteorological', 'summer'],
    [9, 1, 'meteorological', 'autumn'],
    [12, 1, 'meteorological', 'winter'],
    [3, 19, 'astronomical', 'winter'],
    [3, 20, 'astronomical', 'spring'],
    [6, 21, 'astronomical', 'summer'],
    [9, 22, 'astronomical', 'autumn'],
    [12, 21, 'astronomical', 'winter'],
    [1, 5, 'astronomical', 'winter'],
  ] as const)('month %i day %i (%s) is %s in the north', (m, d, mode, season) => {
    expect(seasonOf(m, d, 51, mode)).toBe(season);
  });

  it('flips seasons south of the equator', () => {
    expect(seasonOf(1, 15, -33, 'meteorological')).toBe('summer');
    expect(seasonOf(4, 15, -33, 'astronomical')).toBe('autumn');
  });
});
