import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBreaker, type Breaker, type BreakerState } from './breaker.js';
import { ErrorCode, SdkError, isSdkError } from '../model/errors.js';

const down = () => new SdkError(ErrorCode.SINK_UNAVAILABLE, 'db down');
const fail = (breaker: Breaker) =>
  breaker.fire(async () => {
    throw down();
  });
const succeed = (breaker: Breaker) => breaker.fire(async () => 'ok');

describe('createBreaker', () => {
  let breaker: Breaker;
  let transitions: BreakerState[];

  beforeEach(() => {
    vi.useFakeTimers();
    breaker = createBreaker({ name: 'influx', threshold: 3, resetTimeoutMs: 10_000 });
    transitions = [];
    breaker.onStateChange((s) => transitions.push(s));
  });
  afterEach(() => {
    breaker.shutdown();
    vi.useRealTimers();
  });

  it('passes results and errors of the wrapped call through while closed', async () => {
    await expect(succeed(breaker)).resolves.toBe('ok');
    const error = down();
    await expect(breaker.fire(async () => Promise.reject(error))).rejects.toBe(error);
    expect(breaker.state()).toBe('closed');
  });

  it('opens after `threshold` consecutive failures, not before', async () => {
    await expect(fail(breaker)).rejects.toThrow('db down');
    await expect(fail(breaker)).rejects.toThrow('db down');
    expect(breaker.state()).toBe('closed');
    await expect(fail(breaker)).rejects.toThrow('db down');
    expect(breaker.state()).toBe('open');
    expect(transitions).toEqual(['open']);
  });

  it('a success resets the consecutive count', async () => {
    for (let i = 0; i < 10; i++) {
      await expect(fail(breaker)).rejects.toThrow();
      await expect(fail(breaker)).rejects.toThrow();
      await succeed(breaker);
    }
    expect(breaker.state()).toBe('closed');
  });

  it('rejects immediately with a retryable SINK_UNAVAILABLE naming the breaker while open', async () => {
    for (let i = 0; i < 3; i++) await expect(fail(breaker)).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(4_000);
    const fn = vi.fn(async () => 'ok');
    const error: unknown = await breaker.fire(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(isSdkError(error, ErrorCode.SINK_UNAVAILABLE)).toBe(true);
    const sdk = error as SdkError;
    expect(sdk.retryable).toBe(true);
    expect(sdk.retryAfterMs).toBe(6_000);
    expect(sdk.message).toContain('"influx"');
    expect(sdk.message).toMatch(/next trial at \d{4}-\d\d-\d\dT.*\(in 6000 ms\)/);
  });

  it('goes half-open after resetTimeoutMs and a successful trial closes it', async () => {
    for (let i = 0; i < 3; i++) await expect(fail(breaker)).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(breaker.state()).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(breaker.state()).toBe('half-open');
    await expect(succeed(breaker)).resolves.toBe('ok');
    expect(breaker.state()).toBe('closed');
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('lets exactly one trial through while half-open', async () => {
    for (let i = 0; i < 3; i++) await expect(fail(breaker)).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(10_000);
    let release: (v: string) => void = () => undefined;
    const trial = breaker.fire(() => new Promise<string>((resolve) => (release = resolve)));
    const second = vi.fn(async () => 'second');
    await expect(breaker.fire(second)).rejects.toMatchObject({
      code: ErrorCode.SINK_UNAVAILABLE,
      message: expect.stringContaining('half-open'),
    });
    expect(second).not.toHaveBeenCalled();
    release('trial');
    await expect(trial).resolves.toBe('trial');
    expect(breaker.state()).toBe('closed');
  });

  it('a failed trial re-opens it for another resetTimeoutMs', async () => {
    for (let i = 0; i < 3; i++) await expect(fail(breaker)).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(fail(breaker)).rejects.toThrow('db down');
    expect(breaker.state()).toBe('open');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(breaker.state()).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(breaker.state()).toBe('half-open');
    expect(transitions).toEqual(['open', 'half-open', 'open', 'half-open']);
  });

  it('does not count SINK_REJECTED (the database is up, the data is bad)', async () => {
    const rejected = () =>
      breaker.fire(async () => {
        throw new SdkError(ErrorCode.SINK_REJECTED, 'field type conflict');
      });
    for (let i = 0; i < 10; i++) await expect(rejected()).rejects.toMatchObject({ code: ErrorCode.SINK_REJECTED });
    expect(breaker.state()).toBe('closed');
    // …and it breaks a streak of real failures.
    await expect(fail(breaker)).rejects.toThrow();
    await expect(fail(breaker)).rejects.toThrow();
    await expect(rejected()).rejects.toThrow();
    await expect(fail(breaker)).rejects.toThrow();
    expect(breaker.state()).toBe('closed');
  });

  it('uses a custom isFailure', async () => {
    const custom = createBreaker({
      name: 'x',
      threshold: 1,
      resetTimeoutMs: 1000,
      isFailure: (e) => e instanceof RangeError,
    });
    try {
      await expect(custom.fire(async () => Promise.reject(new Error('ignored')))).rejects.toThrow('ignored');
      expect(custom.state()).toBe('closed');
      await expect(custom.fire(async () => Promise.reject(new RangeError('counted')))).rejects.toThrow('counted');
      expect(custom.state()).toBe('open');
    } finally {
      custom.shutdown();
    }
  });

  it('unsubscribes listeners and shuts down idempotently, rejecting later fires with ABORTED', async () => {
    const seen: BreakerState[] = [];
    const off = breaker.onStateChange((s) => seen.push(s));
    off();
    for (let i = 0; i < 3; i++) await expect(fail(breaker)).rejects.toThrow();
    expect(seen).toEqual([]);
    breaker.shutdown();
    breaker.shutdown();
    expect(vi.getTimerCount()).toBe(0);
    await expect(succeed(breaker)).rejects.toMatchObject({ code: ErrorCode.ABORTED });
  });

  // Issue 11: opossum fires halfOpen from its own timer, where a throwing listener killed the process.
  it('reports a listener that throws (even from the reset timer) and still notifies the others', async () => {
    const reported: SdkError[] = [];
    const guarded = createBreaker({ name: 'db', threshold: 1, resetTimeoutMs: 1_000, report: (e) => reported.push(e) });
    const seen: BreakerState[] = [];
    guarded.onStateChange(() => {
      throw new Error('listener bug');
    });
    guarded.onStateChange((s) => seen.push(s));
    await expect(fail(guarded)).rejects.toThrow('db down');
    await vi.advanceTimersByTimeAsync(1_000); // the half-open transition: a throw escaping the timer rejects here
    await expect(succeed(guarded)).resolves.toBe('ok');
    expect(seen).toEqual(['open', 'half-open', 'closed']);
    expect(reported.map((e) => [e.code, e.stage, e.data?.['callback']])).toEqual([
      [ErrorCode.INTERNAL, 'breaker:db', 'breaker open listener'],
      [ErrorCode.INTERNAL, 'breaker:db', 'breaker half-open listener'],
      [ErrorCode.INTERNAL, 'breaker:db', 'breaker closed listener'],
    ]);
    guarded.shutdown();
  });
});
