import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../model/errors.js';
import { sleep, waitOrAbort } from './wait.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('waitOrAbort', () => {
  it('resolves true after the time, false at once on abort, and clears its timer', async () => {
    const done = waitOrAbort(1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toBe(true);

    const controller = new AbortController();
    const cut = waitOrAbort(60_000, controller.signal);
    controller.abort();
    await expect(cut).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await expect(waitOrAbort(10, controller.signal)).resolves.toBe(false);
  });

  it('waits for a promise to settle (a rejection counts as settled), never past the signal', async () => {
    await expect(waitOrAbort(Promise.resolve('x'))).resolves.toBe(true);
    await expect(waitOrAbort(Promise.reject(new Error('boom')))).resolves.toBe(true);
    const controller = new AbortController();
    const never = waitOrAbort(new Promise(() => undefined), controller.signal);
    controller.abort();
    await expect(never).resolves.toBe(false);
  });
});

describe('sleep', () => {
  it('resolves after the time and rejects with ABORTED on abort', async () => {
    const slept = sleep(500);
    await vi.advanceTimersByTimeAsync(500);
    await expect(slept).resolves.toBeUndefined();
    const controller = new AbortController();
    const cut = sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(cut).rejects.toMatchObject({
      code: ErrorCode.ABORTED,
      cause: expect.objectContaining({ message: 'stop' }),
    });
  });
});
