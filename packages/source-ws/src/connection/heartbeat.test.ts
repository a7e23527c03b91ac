import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGuard } from '@ha-ingestor/core';
import { startHeartbeat } from './heartbeat.js';

const reported: unknown[] = [];
const guard = createGuard({ report: (e) => reported.push(e) }, 'source:test');

describe('startHeartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    expect(reported.splice(0)).toEqual([]);
  });

  it('pings every interval while pongs come back in time', async () => {
    const ping = vi.fn(() => Promise.resolve());
    const onDead = vi.fn();
    const stop = startHeartbeat({ ping, intervalMs: 1_000, timeoutMs: 500, onDead, guard });
    await vi.advanceTimersByTimeAsync(3_500);
    expect(ping).toHaveBeenCalledTimes(3);
    expect(onDead).not.toHaveBeenCalled();
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('declares the link dead when a pong is later than the timeout', async () => {
    const onDead = vi.fn();
    startHeartbeat({
      ping: () => new Promise<void>(() => undefined),
      intervalMs: 1_000,
      timeoutMs: 500,
      onDead,
      guard,
    });
    await vi.advanceTimersByTimeAsync(1_499);
    expect(onDead).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onDead).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onDead).toHaveBeenCalledTimes(1);
  });

  it('stops quietly and reports when the ping fails (connection closing)', async () => {
    const onError = vi.fn();
    const onDead = vi.fn();
    startHeartbeat({
      ping: () => Promise.reject(new Error('closed')),
      intervalMs: 1_000,
      timeoutMs: 500,
      onDead,
      onError,
      guard,
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onDead).not.toHaveBeenCalled();
  });

  it('declares the link dead when a tick throws (issue 11: the guard reports it, the process lives)', async () => {
    const onDead = vi.fn();
    startHeartbeat({
      ping: () => {
        throw new Error('socket gone');
      },
      intervalMs: 1_000,
      timeoutMs: 500,
      onDead,
      guard,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onDead).toHaveBeenCalledTimes(1);
    expect(reported.splice(0).map((e) => (e as Error).message)).toEqual(['socket gone']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onDead).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
