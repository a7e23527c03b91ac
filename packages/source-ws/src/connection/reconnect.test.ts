import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackoff, waitOrAbort } from './reconnect.js';

const policy = { minDelayMs: 100, maxDelayMs: 1_000, stableAfterMs: 5_000 };

describe('createBackoff', () => {
  it('grows exponentially up to the cap (random = 1 shows the ceiling)', () => {
    const b = createBackoff(policy, () => 0.999999);
    const delays = Array.from({ length: 6 }, () => b.nextDelay(0));
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('applies full jitter below the ceiling', () => {
    const b = createBackoff(policy, () => 0.5);
    expect([b.nextDelay(0), b.nextDelay(0), b.nextDelay(0)]).toEqual([50, 100, 200]);
  });

  it('resets after a connection that stayed up for stableAfterMs', () => {
    const b = createBackoff(policy, () => 0.999999);
    b.nextDelay(0);
    b.nextDelay(0);
    b.nextDelay(0);
    b.connected(10_000);
    expect(b.nextDelay(15_000)).toBe(99);
    expect(b.attempts()).toBe(1);
  });

  it('keeps growing when the connection dropped before it was stable', () => {
    const b = createBackoff(policy, () => 0.999999);
    b.nextDelay(0);
    b.connected(10_000);
    expect(b.nextDelay(11_000)).toBe(199);
  });
});

describe('waitOrAbort', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay with fake timers', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = waitOrAbort(1_000, new AbortController().signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('resolves early when the signal aborts', async () => {
    vi.useFakeTimers();
    const ac = new AbortController();
    const p = waitOrAbort(60_000, ac.signal);
    ac.abort();
    await p;
    expect(vi.getTimerCount()).toBe(0);
  });
});
