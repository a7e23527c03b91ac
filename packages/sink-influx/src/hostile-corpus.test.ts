import { serializePoints } from '@ha-ingestor/core/line-protocol';
import { describe, expect, it } from 'vitest';
import { unwritableCorpus, writableCorpus } from '../test/fixtures/hostile-corpus.js';
import { compareRows, haCompatRoundTrip, hostileExpectedRows, rowsByTime } from '../test/fixtures/read-back.js';

// The same corpus is written to a real InfluxDB and read back by the sink's integration test.
describe('hostile corpus', () => {
  it('serialises every writable point, one line each, joined by LF', () => {
    const out = serializePoints(
      writableCorpus.map((c) => c.point),
      'us',
    );
    expect(out.rejected).toEqual([]);
    expect(out.lines).toHaveLength(writableCorpus.length);
    expect(out.text).toBe(out.lines.join('\n'));
    for (const line of out.lines) expect(line).toMatch(/ \d+$/);
  });

  it.each(unwritableCorpus.map((c) => [c.name, c] as const))('refuses %s', (_name, c) => {
    const out = serializePoints([c.point], 'us');
    expect(out.text).toBe('');
    expect(out.rejected.map((r) => r.reason)).toEqual([c.reason]);
  });
});

describe('read-back helpers (used by the round-trip integration tests)', () => {
  const result = {
    results: [
      {
        statement_id: 0,
        series: [{ name: 'm', columns: ['time', 'f', 't', 'u'], values: [[5, 1.5, 'v', null]] }],
      },
    ],
  };

  it('indexes rows by time and drops null columns', () => {
    expect(rowsByTime(result).get(5)).toEqual([{ measurement: 'm', values: { f: 1.5, t: 'v' } }]);
  });

  it('reports a differing value, a missing column and a missing row', () => {
    const rows = rowsByTime(result);
    expect(compareRows(rows, [{ name: 'a', time: 5, measurement: 'm', tags: { t: 'v' }, fields: { f: 1.5 } }])).toEqual(
      [],
    );
    expect(compareRows(rows, [{ name: 'b', time: 5, measurement: 'm', tags: { t: 'w' }, fields: {} }])).toEqual([
      'b: "t" read back "v", expected "w"',
      'b: "f" read back 1.5, expected undefined',
    ]);
    expect(compareRows(rows, [{ name: 'c', time: 6, measurement: 'm', tags: {}, fields: { f: 1 } }])).toEqual([
      'c: 0 rows in "m" at 6',
    ]);
  });

  it('builds the HA-compatibility round trip with one distinct time per case', () => {
    const { events, expected } = haCompatRoundTrip();
    expect(new Set(events.map((e) => e.last_updated)).size).toBe(events.length);
    expect(expected.length).toBeGreaterThan(10);
    expect(hostileExpectedRows()).toHaveLength(writableCorpus.length);
  });
});
