import { describe, expect, it } from 'vitest';
import { buildCorpus } from './corpus.js';
import { handLine, isoToMicros } from './hand-lp.js';
import { cpuMicrosPerEvent, judge, median, ratio, slope } from './stats.js';
import { percentile } from './util.js';

describe('bench corpus', () => {
  it('is deterministic: same seed, same frames; another seed, other frames', () => {
    const a = buildCorpus({ seed: 3, entityCount: 100, count: 60 });
    const b = buildCorpus({ seed: 3, entityCount: 100, count: 60 });
    const c = buildCorpus({ seed: 4, entityCount: 100, count: 60 });
    expect(a.frames).toEqual(b.frames);
    expect(c.frames).not.toEqual(a.frames);
    expect(a.stats.frames).toBe(60);
    expect(a.stats.byType['state_changed']).toBeGreaterThan(30);
  });

  it('frames are HA event messages whose events the floor can serialise', () => {
    const corpus = buildCorpus({ seed: 5, entityCount: 60, count: 40 });
    const written = corpus.frames
      .map((f) => handLine((JSON.parse(f) as { event: unknown }).event))
      .filter((l) => l !== undefined);
    expect(written.length).toBeGreaterThan(30);
    for (const line of written) expect(line).toMatch(/^\S.* \d{16}$/s);
  });
});

describe('bench maths', () => {
  it('percentile uses the nearest rank', () => {
    const v = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 99)).toBe(10);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('median averages the middle pair', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('ratio and CPU per event', () => {
    expect(ratio(30_000, 60_000)).toBe(0.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(cpuMicrosPerEvent(20_000)).toBe(50);
  });

  it('slope of a line, of a flat series, and with too few points', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([0, 10, 20], [50, 50, 50])).toBe(0);
    expect(slope([1], [1])).toBeNaN();
  });

  it('judges higher- and lower-is-better targets', () => {
    expect(judge(0.7, 0.6, 'higher')).toBe(true);
    expect(judge(12, 10, 'lower')).toBe(false);
    expect(judge(Number.NaN, 1, 'lower')).toBe('n/a');
  });

  it('parses HA timestamps to µs', () => {
    expect(isoToMicros('2026-01-01T00:00:00.123456+00:00')).toBe(Date.UTC(2026, 0, 1) * 1000 + 123_456);
    expect(isoToMicros('2026-01-01T01:00:00+01:00')).toBe(Date.UTC(2026, 0, 1) * 1000);
  });
});
