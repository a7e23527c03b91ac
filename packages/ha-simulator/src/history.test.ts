import { describe, expect, it } from 'vitest';
import { createEventBus } from './event-bus.js';
import { getSignificantStates, type HistoryQuery } from './history.js';
import { createRecorder } from './recorder.js';

const S = 1_700_000_000; // epoch seconds
const us = (s: number): number => Math.round(s * 1_000_000);

function recorderWith(rows: { id: string; state: string; attrs?: Record<string, unknown>; lc: number; lu: number }[]) {
  const r = createRecorder(createEventBus(), 10);
  for (const row of rows)
    r.record({
      entityId: row.id,
      state: row.state,
      attributes: row.attrs ?? { v: row.state },
      lastChanged: us(row.lc),
      lastUpdated: us(row.lu),
    });
  return r;
}

const q = (over: Partial<HistoryQuery>): HistoryQuery => ({
  startMicros: us(S + 10),
  entityIds: ['sensor.a'],
  includeStartTimeState: true,
  significantChangesOnly: true,
  minimalResponse: false,
  noAttributes: false,
  ...over,
});

const rows = [
  { id: 'sensor.a', state: '1', lc: S, lu: S },
  { id: 'sensor.a', state: '2', lc: S + 20, lu: S + 20 },
  { id: 'sensor.a', state: '2', attrs: { v: 'x' }, lc: S + 20, lu: S + 30 }, // attribute-only
  { id: 'sensor.a', state: '3', lc: S + 40, lu: S + 40 },
  { id: 'climate.c', state: 'heat', lc: S, lu: S + 25 },
  { id: 'climate.c', state: 'heat', lc: S, lu: S + 35 },
];

describe('getSignificantStates (history/history_during_period)', () => {
  it('starts with the state at start_time (lu = start) and keeps only state changes by default', () => {
    const r = recorderWith(rows);
    expect(getSignificantStates(r, q({}))).toEqual({
      'sensor.a': [
        { s: '1', a: { v: '1' }, lu: S + 10 },
        { s: '2', a: { v: '2' }, lu: S + 20 },
        { s: '3', a: { v: '3' }, lu: S + 40 },
      ],
    });
  });

  it('includes attribute-only rows with lc when significant_changes_only is false', () => {
    const r = recorderWith(rows);
    const res = getSignificantStates(r, q({ significantChangesOnly: false, includeStartTimeState: false }));
    expect(res['sensor.a']).toEqual([
      { s: '2', a: { v: '2' }, lu: S + 20 },
      { s: '2', a: { v: 'x' }, lu: S + 30, lc: S + 20 },
      { s: '3', a: { v: '3' }, lu: S + 40 },
    ]);
  });

  it('keeps attribute changes of significant domains (climate) and omits entities without rows', () => {
    const r = recorderWith(rows);
    const res = getSignificantStates(r, q({ entityIds: ['climate.c', 'sensor.none'], includeStartTimeState: false }));
    expect(Object.keys(res)).toEqual(['climate.c']);
    expect(res['climate.c']?.map((x) => x.lu)).toEqual([S + 25, S + 35]);
  });

  it('respects end_time (exclusive) and returns entities in the requested order', () => {
    const r = recorderWith(rows);
    const res = getSignificantStates(
      r,
      q({
        entityIds: ['climate.c', 'sensor.a'],
        endMicros: us(S + 40),
        significantChangesOnly: false,
        includeStartTimeState: false,
      }),
    );
    expect(Object.keys(res)).toEqual(['climate.c', 'sensor.a']);
    expect(res['sensor.a']?.map((x) => x.s)).toEqual(['2', '2']);
  });

  it('minimal_response: first row full, then {s, lu} only when the state differs', () => {
    const r = recorderWith(rows);
    const res = getSignificantStates(r, q({ minimalResponse: true, significantChangesOnly: false }));
    expect(res['sensor.a']).toEqual([
      { s: '1', a: { v: '1' }, lu: S + 10 },
      { s: '2', lu: S + 20 },
      { s: '3', lu: S + 40 },
    ]);
  });

  it('no_attributes: minimal first row without a, non-minimal rows with a: {}', () => {
    const r = recorderWith(rows);
    expect(getSignificantStates(r, q({ minimalResponse: true, noAttributes: true }))['sensor.a']?.[0]).toEqual({
      s: '1',
      lu: S + 10,
    });
    expect(getSignificantStates(r, q({ noAttributes: true }))['sensor.a']?.[0]).toEqual({ s: '1', a: {}, lu: S + 10 });
  });

  it('has no start state when the recorder does not reach back before start_time', () => {
    const r = recorderWith(rows);
    expect(getSignificantStates(r, q({ startMicros: us(S - 100) }))['sensor.a']?.[0]).toEqual({
      s: '1',
      a: { v: '1' },
      lu: S,
    });
  });

  it('purges rows older than keep days', () => {
    const r = recorderWith(rows);
    expect(r.purge(us(S + 35) + 10 * 86_400_000_000)).toBe(4);
    expect(r.rows('sensor.a').map((x) => x.state)).toEqual(['3']);
  });
});
