import { EventEmitter } from 'node:events';
import { createMetrics, createReportingGuard, type Metrics } from '@ha-ingestor/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toRecent, type RecentEvent } from './recent.js';
import { createSseHub, type SseHub, type SseResponse } from './sse.js';

/** A response double: accepts bytes until `highWaterMark`, then reports backpressure until read(). */
class FakeResponse extends EventEmitter implements SseResponse {
  received = '';
  writableLength = 0;
  destroyed = false;
  ended = false;
  constructor(private readonly highWaterMark = 100) {
    super();
  }
  write(chunk: string): boolean {
    this.writableLength += Buffer.byteLength(chunk);
    this.unread.push(chunk);
    return this.writableLength < this.highWaterMark;
  }
  /** The peer reads everything buffered; Node then emits drain. */
  read(): void {
    this.received += this.unread.join('');
    this.unread = [];
    this.writableLength = 0;
    this.emit('drain');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
  end(): void {
    this.ended = true;
  }
  private unread: string[] = [];
}

const event = (entityId: string, eventType = 'state_changed', padding = 0): RecentEvent =>
  toRecent({
    event_type: eventType,
    entity_id: entityId,
    time_fired: 1,
    attributes: { p: 'x'.repeat(padding) },
  }) as RecentEvent;

describe('createSseHub', () => {
  let metrics: Metrics;
  let hub: SseHub;
  const errors: Error[] = [];
  const make = (overrides: { maxClients?: number; maxBufferedBytes?: number; heartbeatMs?: number } = {}) =>
    createSseHub({
      maxClients: 2,
      maxBufferedBytes: 1000,
      heartbeatMs: 15_000,
      metrics,
      guard: createReportingGuard((e) => errors.push(e), 'test'),
      ...overrides,
    });
  beforeEach(() => {
    metrics = createMetrics();
    errors.length = 0;
  });
  afterEach(() => {
    hub.close();
    vi.useRealTimers();
    expect(errors).toEqual([]);
  });

  it('writes only events that match the client filter, one frame each', () => {
    hub = make();
    const res = new FakeResponse(10_000);
    expect(hub.accept(res, { domain: 'light' })).toBe(true);
    hub.broadcast([event('light.a'), event('switch.b'), event('light.c')]);
    res.read();
    expect(res.received).toBe(': connected\n\n' + frame('light.a') + frame('light.c'));
  });

  it('stops writing after write() returns false, queues, and resumes in order on drain', () => {
    hub = make({ maxBufferedBytes: 10_000 });
    const res = new FakeResponse(100);
    hub.accept(res, {});
    hub.broadcast([event('light.a', 'state_changed', 200)]); // passes the high-water mark: congested
    const writes = vi.spyOn(res, 'write');
    hub.broadcast([event('light.b')]);
    hub.broadcast([event('light.c')]);
    expect(writes).not.toHaveBeenCalled(); // backpressure honoured: queued, not written
    expect(hub.stats().bufferedBytes).toBeGreaterThan(200);
    for (let i = 0; i < 3; i++) res.read(); // each read drains one queued chunk past the high-water mark
    expect(res.received.indexOf('light.a')).toBeLessThan(res.received.indexOf('light.b'));
    expect(res.received.indexOf('light.b')).toBeLessThan(res.received.indexOf('light.c'));
    expect(hub.stats()).toMatchObject({ clients: 1, bufferedBytes: 0, dropped: 0 });
  });

  it('drops a client whose unsent bytes would pass maxBufferedBytes and counts it and its lost events', async () => {
    hub = make({ maxBufferedBytes: 1000 });
    const slow = new FakeResponse(100);
    const fast = new FakeResponse(100);
    hub.accept(slow, {});
    hub.accept(fast, {});
    for (let i = 0; i < 10; i++) {
      hub.broadcast([event(`sensor.s${i}`, 'state_changed', 150)]);
      fast.read();
    }
    expect(slow.destroyed).toBe(true);
    expect(fast.destroyed).toBe(false);
    const stats = hub.stats();
    expect(stats).toMatchObject({ clients: 1, dropped: 1 });
    expect(stats.eventsDropped).toBeGreaterThanOrEqual(1);
    expect(stats.peakClientBufferedBytes).toBeLessThanOrEqual(1000);
    expect(fast.received.match(/^event: /gm)).toHaveLength(10);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^ha_ingestor_http_sse_clients 1$/m);
    expect(text).toMatch(/^ha_ingestor_http_sse_clients_dropped_total\{reason="slow_client"\} 1$/m);
    expect(text).toMatch(
      new RegExp(`^ha_ingestor_http_sse_events_dropped_total\\{reason="slow_client"\\} ${stats.eventsDropped}$`, 'm'),
    );
  });

  it('refuses a client past maxClients and counts it; a closed client frees its place', async () => {
    hub = make({ maxClients: 2 });
    const a = new FakeResponse();
    expect(hub.accept(a, {})).toBe(true);
    expect(hub.accept(new FakeResponse(), {})).toBe(true);
    expect(hub.accept(new FakeResponse(), {})).toBe(false);
    expect(await metrics.registry.metrics()).toMatch(
      /^ha_ingestor_http_sse_clients_dropped_total\{reason="over_capacity"\} 1$/m,
    );
    a.emit('close');
    expect(hub.stats().clients).toBe(1);
    expect(hub.accept(new FakeResponse(), {})).toBe(true);
  });

  it('sends a heartbeat comment every heartbeatMs, skipping a congested client', () => {
    vi.useFakeTimers();
    hub = make({ heartbeatMs: 15_000, maxBufferedBytes: 10_000 });
    const idle = new FakeResponse(10_000);
    const congested = new FakeResponse(10);
    hub.accept(idle, {});
    hub.accept(congested, {}); // `: connected` alone passes its high-water mark
    vi.advanceTimersByTime(14_999);
    idle.read();
    expect(idle.received).not.toContain(': ping');
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(15_000);
    idle.read();
    expect(idle.received.match(/^: ping$/gm)).toHaveLength(2);
    expect(congested.writableLength).toBe(Buffer.byteLength(': connected\n\n'));
  });

  it('keeps an event_type with a line break from forging SSE fields (regression, issue 11)', () => {
    hub = make({ maxBufferedBytes: 10_000 });
    const res = new FakeResponse(10_000);
    hub.accept(res, {});
    hub.broadcast([event('light.a', 'x\ndata: {"forged":true}\r\nid: 9')]);
    res.read();
    const lines = res.received.split(/\r\n|\r|\n/);
    expect(lines.filter((l) => l.startsWith('data:'))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('id:'))).toBe(false);
    expect(lines).toContain('event: x data: {"forged":true}  id: 9');
  });

  it('close() ends every stream and stops the heartbeat', () => {
    vi.useFakeTimers();
    hub = make();
    const res = new FakeResponse(10_000);
    hub.accept(res, {});
    hub.close();
    expect(res.ended).toBe(true);
    expect(hub.stats().clients).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

function frame(entityId: string): string {
  const e = event(entityId);
  return `event: state_changed\ndata: ${JSON.stringify(e.event)}\n\n`;
}
