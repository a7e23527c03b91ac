import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  afterEach(() => vi.useRealTimers());

  it('resolves with the first value that satisfies until, observing again between tries', async () => {
    let n = 0;
    const value = await waitFor(() => ++n, 'the third observation', { until: (v) => v >= 3, intervalMs: 1 });
    expect(value).toBe(3);
  });

  it('by default waits for a truthy value, sync or async', async () => {
    let ready = false;
    setImmediate(() => (ready = true));
    await expect(waitFor(() => ready, 'ready')).resolves.toBe(true);
    await expect(waitFor(async () => 'up', 'an async probe')).resolves.toBe('up');
  });

  it('on timeout names what it waited for and the last value it observed', async () => {
    let n = 0;
    await expect(
      waitFor(() => ({ count: ++n }), 'count 1000', { until: (v) => v.count >= 1000, timeoutMs: 30, intervalMs: 5 }),
    ).rejects.toThrow(/^timed out after 30 ms waiting for count 1000; last observed: \{ count: \d+ \}$/);
  });

  it('treats a throwing probe as not yet, and reports the error if it never stops throwing', async () => {
    let calls = 0;
    const probe = () => {
      if (++calls < 3) throw new Error('not listening yet');
      return 'listening';
    };
    await expect(waitFor(probe, 'a listener', { intervalMs: 1 })).resolves.toBe('listening');
    await expect(
      waitFor(
        () => {
          throw new TypeError('connect ECONNREFUSED');
        },
        'a server',
        { timeoutMs: 20 },
      ),
    ).rejects.toThrow('waiting for a server; last observed: error TypeError: connect ECONNREFUSED');
  });

  it('keeps polling in real time while the test fakes timers', async () => {
    vi.useFakeTimers();
    let polls = 0;
    // Nothing advances the fake clock: a wait on the faked setTimeout would never poll again.
    await expect(
      waitFor(() => ++polls, 'three polls under fake timers', { until: (n) => n >= 3, intervalMs: 1 }),
    ).resolves.toBe(3);
    // …and a deadline on the faked clock would never pass.
    await expect(waitFor(() => false, 'never', { timeoutMs: 20, intervalMs: 1 })).rejects.toThrow(
      'timed out after 20 ms waiting for never',
    );
  });

  it('narrows the result with a type guard', async () => {
    const found = await waitFor(async (): Promise<string | undefined> => 'row', 'a row', {
      until: (v): v is string => v !== undefined,
    });
    expectTypeOf(found).toEqualTypeOf<string>();
    const plain = await waitFor(() => 1, 'one', { until: (v) => v > 0 });
    expectTypeOf(plain).toEqualTypeOf<number>();
  });
});
