import { describe, expect, it } from 'vitest';
import { createExportProgress } from './progress.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('export progress', () => {
  it('bar: rows, rate, percent and ETA on one carriage-return line, throttled, then a summary', () => {
    const c = clock();
    const out: string[] = [];
    const p = createExportProgress({ write: (s) => out.push(s), mode: 'bar', now: c.now });
    c.advance(2000);
    p.update(10_000, 0.25);
    c.advance(100);
    p.update(10_500, 0.26); // within 250 ms: not shown
    expect(out).toEqual(['\r10,000 rows  5,000 rows/s   25%  ETA 0:06   ']);
    c.advance(1900);
    const summary = p.done(20_000);
    expect(summary).toEqual({ rows: 20_000, seconds: 4, rowsPerSecond: 5000 });
    expect(out.at(-1)).toBe('\nexported 20,000 rows in 4.0 s (5,000 rows/s)\n');
  });

  it('quiet (stderr not a TTY): only the summary', () => {
    const c = clock();
    const out: string[] = [];
    const p = createExportProgress({ write: (s) => out.push(s), mode: 'quiet', now: c.now });
    p.update(5, 0.5);
    c.advance(1000);
    p.done(5);
    expect(out).toEqual(['exported 5 rows in 1.0 s (5 rows/s)\n']);
  });

  it('json: one object per line with eta_seconds, and a done line', () => {
    const c = clock();
    const out: string[] = [];
    const p = createExportProgress({ write: (s) => out.push(s), mode: 'json', now: c.now });
    c.advance(1000);
    p.update(100, 0.5);
    p.done(200);
    expect(out.map((l) => JSON.parse(l) as unknown)).toEqual([
      { progress: true, rows: 100, rows_per_second: 100, fraction: 0.5, eta_seconds: 1 },
      { done: true, rows: 200, seconds: 1, rows_per_second: 200 },
    ]);
  });
});
