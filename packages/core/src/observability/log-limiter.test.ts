import { describe, expect, it } from 'vitest';
import { createLogLimiter } from './log-limiter.js';

describe('createLogLimiter', () => {
  const make = (intervalMs = 10_000) => {
    let t = 1_000;
    const lines: [number, number][] = [];
    const limiter = createLogLimiter({
      intervalMs,
      now: () => t,
      log: (count, sinceMs) => lines.push([count, sinceMs]),
    });
    return { limiter, lines, advance: (ms: number) => (t += ms) };
  };

  it('logs the first occurrence at once and carries the rest of the interval to the next line', () => {
    const { limiter, lines, advance } = make();
    limiter.hit(3);
    for (let i = 0; i < 50; i++) limiter.hit(2);
    expect(lines).toEqual([[3, 0]]);
    advance(9_999);
    limiter.hit(1);
    expect(lines).toHaveLength(1);
    advance(1);
    limiter.hit(1);
    expect(lines).toEqual([
      [3, 0],
      [102, 10_000],
    ]);
  });

  it('flush writes what was carried, so every count reaches the log; nothing when nothing is carried', () => {
    const { limiter, lines, advance } = make();
    limiter.hit(1);
    limiter.hit(4);
    advance(2_000);
    limiter.flush();
    limiter.flush();
    expect(lines).toEqual([
      [1, 0],
      [4, 2_000],
    ]);
    expect(lines.reduce((n, [count]) => n + count, 0)).toBe(5);
  });

  it('ignores zero and negative counts', () => {
    const { limiter, lines } = make();
    limiter.hit(0);
    limiter.hit(-2);
    limiter.flush();
    expect(lines).toEqual([]);
  });
});
