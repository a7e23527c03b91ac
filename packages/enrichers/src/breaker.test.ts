import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBreaker, isBreakerOpenError } from './breaker.js';

const fail = () => Promise.reject(new Error('boom'));
const ok = () => Promise.resolve('ok');

describe('createBreaker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after threshold consecutive failures, half-opens after resetTimeoutMs and closes on success', async () => {
    const b = createBreaker({ name: 't', threshold: 2, resetTimeoutMs: 1000 });
    const states: string[] = [];
    b.onStateChange((s) => states.push(s));
    await expect(b.fire(fail)).rejects.toThrow('boom');
    expect(b.state()).toBe('closed');
    await expect(b.fire(fail)).rejects.toThrow('boom');
    expect(b.state()).toBe('open');
    const action = vi.fn(ok);
    const rejected = await b.fire(action).catch((e: unknown) => e);
    expect(isBreakerOpenError(rejected)).toBe(true);
    expect(action).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(b.state()).toBe('half-open');
    await expect(b.fire(ok)).resolves.toBe('ok');
    expect(b.state()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    b.shutdown();
  });

  it('reopens when the half-open trial fails', async () => {
    const b = createBreaker({ name: 't', threshold: 1, resetTimeoutMs: 500 });
    await expect(b.fire(fail)).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(500);
    await expect(b.fire(fail)).rejects.toThrow('boom');
    expect(b.state()).toBe('open');
    b.shutdown();
  });

  it('resets the count on success and ignores errors isFailure rejects', async () => {
    const b = createBreaker({ name: 't', threshold: 2, resetTimeoutMs: 500, isFailure: (e) => !(e instanceof RangeError) });
    await expect(b.fire(fail)).rejects.toThrow();
    await b.fire(ok);
    await expect(b.fire(fail)).rejects.toThrow();
    expect(b.state()).toBe('closed');
    await expect(b.fire(() => Promise.reject(new RangeError('429')))).rejects.toThrow('429');
    expect(b.state()).toBe('closed');
    b.shutdown();
  });
});
