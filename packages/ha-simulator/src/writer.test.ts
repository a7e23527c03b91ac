import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { createReportingGuard } from '@ha-ingestor/core';
import { createWriter } from './writer.js';

const guard = createReportingGuard((error) => {
  throw error;
}, 'simulator');

/** A socket double: records frames; `stall` keeps write callbacks pending (a client that stopped reading). */
function fakeSocket() {
  const frames: string[] = [];
  const pending: (() => void)[] = [];
  let stall = false;
  const ws = {
    OPEN: 1,
    readyState: 1,
    send: (data: string, cb: (err?: Error) => void) => {
      frames.push(data);
      if (stall) pending.push(() => cb());
      else queueMicrotask(() => cb());
    },
  };
  return {
    ws: ws as unknown as WebSocket,
    frames,
    setStall: (on: boolean) => (stall = on),
    release: () => pending.splice(0).forEach((f) => f()),
  };
}
const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));
const limits = { max: 10, peak: 4, peakMs: 1000, writeBufferBytes: 1 };

afterEach(() => vi.useRealTimers());

describe('writer (HA _writer/_send_message)', () => {
  it('sends messages queued in the same tick as one array when coalescing is on', async () => {
    const s = fakeSocket();
    const w = createWriter(s.ws, { ...limits, writeBufferBytes: 1 << 20 }, () => undefined, guard);
    w.enableCoalescing();
    w.send('{"a":1}');
    w.send('{"b":2}');
    await tick();
    w.send('{"c":3}');
    await tick();
    expect(s.frames).toEqual(['[{"a":1},{"b":2}]', '{"c":3}']);
  });

  it('sends one frame per message without coalescing', async () => {
    const s = fakeSocket();
    const w = createWriter(s.ws, { ...limits, writeBufferBytes: 1 << 20 }, () => undefined, guard);
    w.send('{"a":1}');
    w.send('{"b":2}');
    await tick();
    expect(s.frames).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('overflows at once when max messages are pending', async () => {
    const s = fakeSocket();
    s.setStall(true);
    const reasons: string[] = [];
    const w = createWriter(s.ws, limits, (r) => reasons.push(r), guard);
    for (let i = 0; i < 12; i++) w.send(`{"i":${i}}`);
    expect(reasons[0]).toMatch(/Reached 10 pending messages/);
    await tick();
  });

  it('overflows when pending stays above the peak for peakMs, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = fakeSocket();
    s.setStall(true);
    const reasons: string[] = [];
    const w = createWriter(s.ws, limits, (r) => reasons.push(r), guard);
    for (let i = 0; i < 7; i++) w.send(`{"i":${i}}`);
    await tick();
    expect(w.pending()).toBe(6); // one frame handed to the stalled socket
    vi.advanceTimersByTime(999);
    expect(reasons).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(reasons[0]).toMatch(/Stayed over 4 for 1 seconds/);
  });

  it('does not overflow when the queue drains below the peak in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = fakeSocket();
    s.setStall(true);
    const reasons: string[] = [];
    const w = createWriter(s.ws, limits, (r) => reasons.push(r), guard);
    for (let i = 0; i < 7; i++) w.send(`{"i":${i}}`);
    await tick();
    s.setStall(false);
    s.release();
    for (let i = 0; i < 10; i++) await tick();
    expect(w.pending()).toBe(0);
    vi.advanceTimersByTime(2000);
    expect(reasons).toEqual([]);
  });
});
