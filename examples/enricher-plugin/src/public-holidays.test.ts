import { describe, expect, it } from 'vitest';
import { createRegistryStore, isSdkError, pipeline, registryCapability } from '@ha-ingestor/core';
import {
  arraySource,
  collectingSink,
  createTestContext,
  makeStateChanged,
  testEnricher,
} from '@ha-ingestor/core/testing';
import { publicHolidays } from './public-holidays.js';

const at = (iso: string) => makeStateChanged({ last_updated: Date.parse(iso) * 1000 });
const ctx = createTestContext();
const run = (e: ReturnType<typeof publicHolidays>, iso: string) => e.enrich(at(iso), ctx);

describe('publicHolidays', () => {
  it('marks holidays by the local date in the configured time zone', () => {
    const e = publicHolidays({ country: 'DE', timeZone: 'Europe/Berlin' });
    // Berlin is UTC+1 in December: 23:30 UTC on the 24th is already Christmas Day there.
    expect(run(e, '2026-12-24T23:30:00Z')).toEqual({ holiday: true, holiday_name: '1. Weihnachtstag' });
    expect(run(e, '2026-12-24T22:59:59Z')).toEqual({ holiday: false });
    expect(run(e, '2026-12-24T12:00:00Z')).toEqual({ holiday: false });
    expect(run(e, '2026-05-14T08:00:00Z')).toEqual({ holiday: true, holiday_name: 'Christi Himmelfahrt' });
  });

  it("takes HA's time zone from the registry hook", () => {
    const registry = createRegistryStore({ config: { time_zone: 'America/New_York', latitude: 40.7, longitude: -74 } });
    const e = publicHolidays({ country: 'GB-ENG' }, { registry });
    // 03:00 UTC on 26 Dec is still 25 Dec in New York.
    expect(run(e, '2026-12-26T03:00:00Z')).toEqual({ holiday: true, holiday_name: 'Christmas Day' });
  });

  it("takes HA's time zone from the registry the pipeline provides when there is no hook (issue 12)", async () => {
    const registry = createRegistryStore({ config: { time_zone: 'America/New_York', latitude: 40.7, longitude: -74 } });
    const sink = collectingSink<{ holiday: boolean; holiday_name?: string }>();
    const p = pipeline(arraySource([at('2026-12-26T03:00:00Z')], { finite: true }))
      .provide(registryCapability, registry) // what haWebSocketSource provides in a real pipeline
      .use(publicHolidays({ country: 'GB-ENG' }))
      .to(sink)
      .build();
    await p.start();
    await p.idle();
    await p.stop();
    // 03:00 UTC on 26 Dec is still 25 Dec in New York.
    expect(sink.written().map((e) => [e.holiday, e.holiday_name])).toEqual([[true, 'Christmas Day']]);
  });

  it('adds one-off holidays from options', () => {
    const e = publicHolidays({ country: 'NL', extra: [{ date: '2026-06-01', name: 'Company day' }] });
    expect(run(e, '2026-06-01T10:00:00Z')).toEqual({ holiday: true, holiday_name: 'Company day' });
  });

  it('rejects unknown countries and time zones', () => {
    for (const bad of [{ country: 'XX' }, { country: 'DE', timeZone: 'Nowhere/City' }]) {
      try {
        publicHolidays(bad as Parameters<typeof publicHolidays>[0]);
        expect.unreachable();
      } catch (error) {
        expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });

  it('runs in a pipeline: the sink sees holiday fields', async () => {
    const sink = collectingSink<{ key: string; holiday: boolean; holiday_name?: string }>();
    const p = pipeline(arraySource([at('2026-01-01T09:00:00Z'), at('2026-01-02T09:00:00Z')], { finite: true }))
      .use(publicHolidays({ country: 'NL', timeZone: 'Europe/Amsterdam' }))
      .to(sink, { batch: { maxSize: 10, maxWaitMs: 1 } })
      .build();
    await p.start();
    await p.idle();
    await p.stop();
    expect(sink.written().map((e) => [e.holiday, e.holiday_name])).toEqual([
      [true, 'Nieuwjaarsdag'],
      [false, undefined],
    ]);
  });
});

testEnricher({
  name: 'public-holidays',
  create: () => publicHolidays({ country: 'DE', timeZone: 'Europe/Berlin' }),
  sampleEvents: () => [at('2026-12-25T12:00:00Z'), at('2026-12-27T12:00:00Z'), makeStateChanged()],
});
