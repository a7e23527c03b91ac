import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReportingGuard, pipeline, type Pipeline } from '@ha-ingestor/core';
import { arraySource, collectingSink, makeStateChanged, TEST_EVENT_TIME, waitFor } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readDeadLetterTail } from './dashboard-dead-letters.js';
import { DashboardBody } from './dashboard-schema.js';
import { createDashboardStatus, MAX_TRACKED_SOURCES, type DashboardStatusDeps } from './dashboard-status.js';
import { toRecent, type RecentEvent } from './recent.js';
import { trackSourceStatus } from './source-status.js';

const guard = createReportingGuard((error) => {
  throw error;
}, 'test');

function setup(p: Pipeline, overrides: Partial<DashboardStatusDeps> = {}) {
  let clock = TEST_EVENT_TIME / 1000 + 2_500;
  const listeners = new Set<(events: readonly RecentEvent[]) => void>();
  const status = createDashboardStatus({
    pipeline: p,
    sources: trackSourceStatus(p, () => clock),
    onEvents: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    version: '9.9.9',
    guard,
    now: () => clock,
    ...overrides,
  });
  cleanups.push(() => status.close());
  return {
    status,
    publish: (events: readonly unknown[]) => {
      const recent = events.map(toRecent).filter((e): e is RecentEvent => e !== undefined);
      for (const l of listeners) l(recent);
    },
    advance: (ms: number) => (clock += ms),
    listeners,
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.useRealTimers();
});

describe('dashboard status (issue 15)', () => {
  it('reports totals, per-sink writes and the end-to-end lag of the newest written event', async () => {
    const events = [1, 2, 3].map((i) =>
      makeStateChanged({ entity_id: `sensor.t${i}`, time_fired: TEST_EVENT_TIME + i * 1000 }),
    );
    // A repeat of the first event is deduplicated.
    const p = pipeline(arraySource([...events, events[0]]))
      .dedupe({ windowMs: 60_000 })
      .to(collectingSink({ name: 'memory' }))
      .build();
    const { status } = setup(p);
    await p.start();
    await waitFor(() => p.stats().written['memory'], 'three events written', { until: (n) => n === 3 });

    const snap = DashboardBody.parse(await status.snapshot());
    await p.stop();
    expect(snap.version).toBe('9.9.9');
    expect(snap.totals).toMatchObject({ received: 4, written: 3, deduplicated: 1, dropped: 0, dead_lettered: 0 });
    const sink = snap.sinks.find((s) => s.name === 'memory');
    expect(sink).toMatchObject({ written: 3, outbox_bytes: 0, outbox_since: null, accepting_writes: true });
    expect(sink?.last_write_at).toBe(snap.now);
    // Newest written event fired 3 ms after TEST_EVENT_TIME; the clock reads 2.5 s after it.
    expect(snap.lag_ms).toBe(2_500 - 3);
  });

  it('keeps a per-second rate history bounded by historySeconds, oldest first', async () => {
    vi.useFakeTimers();
    const p = pipeline(arraySource([makeStateChanged(), makeStateChanged({ entity_id: 'sensor.b' })]))
      .to(collectingSink())
      .build();
    const { status } = setup(p, { historySeconds: 3 });
    expect((await status.snapshot()).events_per_second).toEqual([]);
    await p.start();
    await vi.waitFor(() => expect(p.stats().received).toBe(2));
    vi.advanceTimersByTime(1000); // the timer's sample: both events fell in this second
    expect((await status.snapshot()).events_per_second).toEqual([2]);
    vi.advanceTimersByTime(4000);
    expect((await status.snapshot()).events_per_second).toEqual([0, 0, 0]);
    await p.stop();
  });

  it('tracks last event and backfill per source, at most MAX_TRACKED_SOURCES names, counting the rest', async () => {
    const p = pipeline(arraySource<unknown>([], { name: 'ha-websocket' }))
      .to(collectingSink())
      .build();
    const { status, publish } = setup(p);
    await p.start();
    const at = TEST_EVENT_TIME + 7_000;
    publish([
      makeStateChanged({ time_fired: at, provenance: { source: 'ha-websocket', mode: 'backfill', receivedAt: at } }),
      makeStateChanged({
        time_fired: at - 1_000,
        provenance: { source: 'ha-websocket', mode: 'live', receivedAt: at },
      }),
    ]);
    publish(
      Array.from({ length: MAX_TRACKED_SOURCES + 5 }, (_, i) =>
        makeStateChanged({ provenance: { source: `other-${i}`, mode: 'live', receivedAt: at } }),
      ),
    );
    const snap = DashboardBody.parse(await status.snapshot());
    const ws = snap.sources.find((s) => s.name === 'ha-websocket');
    expect(ws).toMatchObject({ last_event_at: at / 1000, backfilled: 1, last_backfill_at: at / 1000 });
    expect(snap.untracked_sources).toBe(6); // ha-websocket + 63 others tracked, 6 names over
    await p.stop();
  });
});

describe('readDeadLetterTail', () => {
  it('lists the newest records first, at most `limit`, from the tail of a large file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dash-dl-'));
    const path = join(dir, 'dead-letter.ndjson');
    const filler = JSON.stringify({ time: 't', stage: 'validate', reason: 'old', message: 'x'.repeat(1000) });
    const lines = [
      ...Array.from({ length: 200 }, () => filler), // ~200 kB: only the last 64 KiB is read
      'not json',
      ...Array.from({ length: 25 }, (_, i) =>
        JSON.stringify({
          time: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
          stage: 'sink:influx',
          reason: `r${i}`,
          message: 'm'.repeat(500),
          raw: { big: 'y'.repeat(100) },
        }),
      ),
    ];
    await writeFile(path, `${lines.join('\n')}\n`);
    const tail = await readDeadLetterTail(path, 20);
    expect(tail).toHaveLength(20);
    expect(tail[0]).toEqual({
      time: '2026-01-01T00:00:24Z',
      stage: 'sink:influx',
      reason: 'r24',
      message: 'm'.repeat(300),
    });
    expect(tail.map((r) => r.reason)).toEqual(Array.from({ length: 20 }, (_, i) => `r${24 - i}`));
    expect(Object.keys(tail[0] ?? {})).not.toContain('raw');
  });

  it('is empty when nothing was dead-lettered yet (no file)', async () => {
    expect(await readDeadLetterTail(join(tmpdir(), 'no-such-dir-dash', 'dead-letter.ndjson'), 20)).toEqual([]);
  });

  it('shows the NATS link of an edge or writer (issue 16), and nothing for role all', async () => {
    const p = pipeline(arraySource([]))
      .to(collectingSink({ name: 'memory' }))
      .build();
    let connected = true;
    const { status } = setup(p, {
      nats: () => ({
        role: 'writer',
        connected,
        server: connected ? '127.0.0.1:4222' : null,
        pendingAcks: 7,
        streamLag: 1200,
        counters: { acked: 3 },
      }),
    });
    const snap = await status.snapshot();
    expect(DashboardBody.parse(snap).nats).toEqual({
      role: 'writer',
      connected: true,
      server: '127.0.0.1:4222',
      pending_acks: 7,
      stream_lag: 1200,
    });
    connected = false;
    expect((await status.snapshot()).nats).toMatchObject({ connected: false, server: null });
    const plain = setup(
      pipeline(arraySource([]))
        .to(collectingSink({ name: 'm2' }))
        .build(),
    );
    expect(await plain.status.snapshot()).not.toHaveProperty('nats');
  });
});
