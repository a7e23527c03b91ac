import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, SdkError, isSdkError } from '../model/errors.js';
import { RETRY_AFTER_CAP_FACTOR, backoffDelay, isNetworkError, withRetry } from './retry.js';
import { sleep } from '../primitives/wait.js';

const policy = { minDelayMs: 100, maxDelayMs: 1000 };
const unavailable = (retryAfterMs?: number) =>
  new SdkError(ErrorCode.SINK_UNAVAILABLE, 'db down', retryAfterMs === undefined ? {} : { retryAfterMs });

describe('backoffDelay', () => {
  it('scales random() by the capped exponential ceiling (full jitter)', () => {
    expect(backoffDelay(0, policy, () => 0.5)).toBe(50);
    expect(backoffDelay(1, policy, () => 0.5)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
    expect(backoffDelay(4, policy, () => 0.5)).toBe(500); // ceiling capped at maxDelayMs
    expect(backoffDelay(60, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(2, policy, () => 0)).toBe(0);
  });

  it('never waits less than Retry-After, capped at maxDelayMs × RETRY_AFTER_CAP_FACTOR', () => {
    expect(backoffDelay(0, policy, () => 0.5, 700)).toBe(700);
    expect(backoffDelay(3, policy, () => 1, 10)).toBe(800);
    expect(backoffDelay(0, policy, () => 0, 10 ** 9)).toBe(policy.maxDelayMs * RETRY_AFTER_CAP_FACTOR);
  });

  it('treats negative attempts and out-of-range random values safely', () => {
    expect(backoffDelay(-3, policy, () => 0.5)).toBe(50);
    expect(backoffDelay(0, policy, () => 7)).toBe(100);
    expect(backoffDelay(0, policy, () => Number.NaN)).toBe(0);
  });
});

describe('withRetry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries retryable failures with the jittered delays, then resolves', async () => {
    const delays: Array<[number, number]> = [];
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 3) throw unavailable();
      return `ok@${attempt}`;
    });
    const promise = withRetry(fn, {
      ...policy,
      retries: 5,
      random: () => 0.5,
      onRetry: (_e, a, d) => delays.push([a, d]),
    });
    await vi.advanceTimersByTimeAsync(49);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(100);
    await expect(promise).resolves.toBe('ok@3');
    expect(delays).toEqual([
      [1, 50],
      [2, 100],
    ]);
  });

  it('does not retry a non-retryable SdkError and rejects with it', async () => {
    const rejected = new SdkError(ErrorCode.SINK_REJECTED, 'bad point');
    const fn = vi.fn(async () => {
      throw rejected;
    });
    await expect(withRetry(fn, { ...policy, retries: 5 })).rejects.toBe(rejected);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rejects with the last error once retries are exhausted', async () => {
    let n = 0;
    const fn = vi.fn(async () => {
      throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `fail ${++n}`);
    });
    const promise = withRetry(fn, { ...policy, retries: 2, random: () => 1 });
    const assertion = expect(promise).rejects.toMatchObject({ code: ErrorCode.SINK_UNAVAILABLE, message: 'fail 3' });
    await vi.advanceTimersByTimeAsync(10_000);
    await assertion;
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('honours retryAfterMs of an SdkError', async () => {
    const fn = vi.fn(async (attempt: number) => {
      if (attempt === 1) throw unavailable(5000);
      return 'ok';
    });
    const promise = withRetry(fn, { ...policy, retries: 1, random: () => 0 });
    await vi.advanceTimersByTimeAsync(4999);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(promise).resolves.toBe('ok');
  });

  it('retries network errors and converts other plain errors without retrying', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const flaky = vi.fn(async (attempt: number) => {
      if (attempt === 1) throw reset;
      return 'ok';
    });
    const promise = withRetry(flaky, { ...policy, retries: 1, random: () => 0 });
    await vi.advanceTimersByTimeAsync(0);
    await expect(promise).resolves.toBe('ok');

    const bug = vi.fn(async () => {
      throw new RangeError('bug');
    });
    const error: unknown = await withRetry(bug, { ...policy, retries: 3 }).catch((e: unknown) => e);
    expect(bug).toHaveBeenCalledTimes(1);
    expect(isSdkError(error, ErrorCode.INTERNAL)).toBe(true);
    expect((error as SdkError).cause).toBeInstanceOf(RangeError);
  });

  it('converts an exhausted network error to CONNECTION_LOST, keeping the cause', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const promise = withRetry(
      async () => {
        throw refused;
      },
      { ...policy, retries: 0 },
    );
    await expect(promise).rejects.toMatchObject({ code: ErrorCode.CONNECTION_LOST, cause: refused });
  });

  it('uses a custom isRetryable', async () => {
    const fn = vi.fn(async (attempt: number) => {
      if (attempt === 1) throw new Error('custom transient');
      return 'ok';
    });
    const promise = withRetry(fn, { ...policy, retries: 1, random: () => 0, isRetryable: () => true });
    await vi.advanceTimersByTimeAsync(0);
    await expect(promise).resolves.toBe('ok');
  });

  it('rejects with ABORTED when the signal aborts during a wait, without another attempt', async () => {
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw unavailable();
    });
    const promise = withRetry(fn, { ...policy, retries: 5, random: () => 1, signal: controller.signal });
    const assertion = expect(promise).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    await assertion;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rejects with ABORTED without calling fn when the signal is already aborted', async () => {
    const fn = vi.fn(async () => 'never');
    await expect(withRetry(fn, { ...policy, retries: 1, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: ErrorCode.ABORTED,
    });
    expect(fn).not.toHaveBeenCalled();
  });

  it('does not decorate the caller’s error objects', async () => {
    const error = unavailable();
    const promise = withRetry(
      async () => {
        throw error;
      },
      { ...policy, retries: 0 },
    );
    await expect(promise).rejects.toBe(error);
    expect(Object.keys(error)).not.toContain('attemptNumber');
  });
});

describe('helpers', () => {
  it('isNetworkError recognises system codes, fetch failures and causes', () => {
    expect(isNetworkError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe(true);
    expect(isNetworkError(new TypeError('fetch failed'))).toBe(true);
    expect(isNetworkError(new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'EPIPE' }) }))).toBe(
      true,
    );
    expect(isNetworkError(new Error('nope'))).toBe(false);
    expect(isNetworkError('ECONNRESET')).toBe(false);
  });

  it('sleep rejects with ABORTED on abort', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const promise = sleep(1000, controller.signal);
      controller.abort();
      await expect(promise).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    } finally {
      vi.useRealTimers();
    }
  });
});
