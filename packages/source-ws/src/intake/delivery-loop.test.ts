import { describe, expect, it, vi } from 'vitest';
import { SdkError, ErrorCode, createMetrics, noopLogger } from '@ha-ingestor/core';
import { createBoundedMap } from '@ha-ingestor/core/resilience';
import type { Ack, EpochMicros, HaEvent, SourceContext } from '@ha-ingestor/core';
import { createCheckpointTracker } from '../recovery/checkpoint-tracker.js';
import type { HaConnection } from '../connection/connection.js';
import { requestBackfill, runDeliveryLoop } from './delivery-loop.js';
import type { SharedState } from './delivery-loop.js';
import { createEntityScope } from '../recovery/entity-scope.js';
import { createInboundBuffer } from './inbound-buffer.js';
import { HaWebSocketOptionsSchema } from '../options.js';
import { normaliseEvent } from '../connection/protocol.js';
import { createSourceMetrics } from '../source-metrics.js';

const S = 1_700_000_000; // epoch seconds of the test's HA times

/** A live state_changed for `entity` at `t` seconds after S. */
function live(entity: string, t: number): HaEvent {
  const iso = new Date((S + t) * 1000).toISOString().replace('Z', '+00:00');
  const raw = {
    event_type: 'state_changed',
    data: {
      entity_id: entity,
      old_state: null,
      new_state: {
        entity_id: entity,
        state: String(t),
        attributes: {},
        last_changed: iso,
        last_updated: iso,
        context: null,
      },
    },
    time_fired: iso,
  };
  const n = normaliseEvent(raw, { source: 'ha-websocket', mode: 'live', receivedAt: 0 });
  if (!n.ok) throw new Error(n.message);
  return n.event;
}

/** A hand-made SourceContext recording emits; acks on demand. */
function recordingContext(signal: AbortSignal) {
  const emitted: { events: readonly HaEvent[]; ack: Ack | undefined }[] = [];
  const ctx: SourceContext<HaEvent> = {
    signal,
    logger: noopLogger,
    now: () => (S + 100) * 1000,
    metrics: createMetrics(),
    deadLetter: vi.fn(),
    report: vi.fn(),
    emit: async (event, ack) => void emitted.push({ events: [event], ack }),
    emitBatch: async (events, ack) => void emitted.push({ events, ack }),
    setStatus: vi.fn(),
  };
  return { ctx, emitted };
}

function setup(historyRows: Record<string, unknown[]>, backfill: { enabled?: boolean } = {}) {
  const abort = new AbortController();
  const { ctx, emitted } = recordingContext(abort.signal);
  const options = HaWebSocketOptionsSchema.parse({
    url: 'ws://ha:8123/api/websocket',
    token: 't',
    backfill: { entityIds: ['sensor.a'], ...backfill },
  });
  const tracker = createCheckpointTracker(S * 1_000_000);
  const buffer = createInboundBuffer({ maxEvents: 1000, maxSpillEvents: 1, tracker, onOverflow: vi.fn() });
  const commands: string[] = [];
  const connection = {
    command: async <T>(type: string) => {
      commands.push(type);
      return historyRows as T;
    },
  } as unknown as HaConnection;
  const shared: SharedState = { connection: undefined, backfill: undefined };
  const deps = {
    ctx,
    options,
    sourceName: 'ha-websocket',
    stage: 'source:ha-websocket',
    shared,
    buffer,
    tracker,
    recent: createBoundedMap<string, EpochMicros>({ max: 1000, eviction: 'insertion' }),
    metrics: createSourceMetrics(ctx.metrics, 'ha-websocket'),
    scope: createEntityScope(),
    onAcked: vi.fn(),
    signal: abort.signal,
  };
  return { deps, emitted, abort, connection, commands, tracker, buffer, shared };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('runDeliveryLoop', () => {
  it('emits the backfill before the live events buffered meanwhile and skips live duplicates by key', async () => {
    const t = setup({
      'sensor.a': [
        { s: '5', a: {}, lu: S + 5 },
        { s: '6', a: {}, lu: S + 6 },
      ],
    });
    requestBackfill(t.deps, S * 1_000_000, 'reconnect');
    // Live events arrive while the backfill is pending: one duplicates a backfilled change.
    t.buffer.push(live('sensor.a', 6));
    t.buffer.push(live('sensor.a', 7));
    t.shared.connection = t.connection;
    t.buffer.interrupt();
    const loop = runDeliveryLoop(t.deps);
    await flush();
    await flush();
    t.abort.abort();
    await loop;
    const modes = t.emitted.flatMap((e) => e.events.map((ev) => `${ev.key.split('@')[1]}:${ev.provenance.mode}`));
    expect(modes).toEqual([`${(S + 5) * 1e6}:backfill`, `${(S + 6) * 1e6}:backfill`, `${(S + 7) * 1e6}:live`]);
    expect(t.commands).toEqual(['history/history_during_period']);
  });

  it('with backfill off, emits live events without seam bookkeeping (issue 14: nothing remembered per key)', async () => {
    const t = setup({}, { enabled: false });
    t.buffer.push(live('sensor.a', 6));
    t.buffer.push(live('sensor.a', 7));
    const loop = runDeliveryLoop(t.deps);
    await flush();
    t.abort.abort();
    await loop;
    const keys = t.emitted.flatMap((e) => e.events.map((ev) => ev.key.split('@')[1]));
    expect(keys).toEqual([`${(S + 6) * 1e6}`, `${(S + 7) * 1e6}`]);
    expect(t.deps.recent.size()).toBe(0);
  });

  it('forgets seam keys once the watermark passes them, and keeps those a backfill can still bring (issue 14)', async () => {
    const t = setup({ 'sensor.a': [{ s: '5', a: {}, lu: S + 5 }] });
    for (let i = 1; i <= 4; i++) t.buffer.push(live(`sensor.e${i}`, i));
    const loop = runDeliveryLoop({ ...t.deps, options: { ...t.deps.options, emitBatchSize: 2 } });
    await flush();
    await flush();
    expect(t.emitted.map((e) => e.events.length)).toEqual([2, 2]);
    expect(t.deps.recent.size()).toBe(4);
    // The second batch (t=3, 4) is acknowledged first: the watermark stays below t=1, every key is kept.
    t.emitted[1]?.ack?.onHandled();
    expect(t.deps.recent.size()).toBe(4);
    // Then the first (t=1, 2): the watermark passes all four; no backfill can fetch them again.
    t.emitted[0]?.ack?.onHandled();
    expect(t.tracker.watermark()).toBe((S + 4) * 1e6);
    expect(t.deps.recent.size()).toBe(0);
    // A gap from t=4 with a backfilled change at t=5 and its live copy: the copy is still skipped at the seam.
    requestBackfill(t.deps, (S + 4) * 1_000_000, 'reconnect');
    t.buffer.push(live('sensor.a', 5));
    t.buffer.push(live('sensor.a', 6));
    t.shared.connection = t.connection;
    t.buffer.interrupt();
    await flush();
    await flush();
    t.abort.abort();
    await loop;
    const later = t.emitted
      .slice(2)
      .flatMap((e) => e.events.map((ev) => `${ev.key.split('@')[1]}:${ev.provenance.mode}`));
    expect(later).toEqual([`${(S + 5) * 1e6}:backfill`, `${(S + 6) * 1e6}:live`]);
    // Held by the gap: nothing acknowledged past t=5 yet, so t=5 and t=6 are remembered.
    expect(t.deps.recent.size()).toBe(2);
  });

  it('keeps the checkpoint at the gap start until the backfilled events are acknowledged', async () => {
    const t = setup({ 'sensor.a': [{ s: '5', a: {}, lu: S + 5 }] });
    requestBackfill(t.deps, S * 1_000_000, 'reconnect');
    t.buffer.push(live('sensor.a', 9));
    expect(t.tracker.watermark()).toBe(S * 1_000_000);
    t.shared.connection = t.connection;
    t.buffer.interrupt();
    const loop = runDeliveryLoop(t.deps);
    await flush();
    await flush();
    t.abort.abort();
    await loop;
    expect(t.emitted).toHaveLength(2);
    t.emitted[1]?.ack?.onHandled();
    // The live event (t=9) is acknowledged, the backfilled one (t=5) is not: T stays below 5.
    expect(t.tracker.watermark()).toBe((S + 5) * 1e6 - 1);
    t.emitted[0]?.ack?.onHandled();
    expect(t.tracker.watermark()).toBe((S + 9) * 1e6);
  });

  it('lets the event loop in between batches of a backlog (issue 14: it drained the whole backlog in one turn)', async () => {
    const t = setup({});
    for (let i = 0; i < 10; i++) t.buffer.push(live(`sensor.e${i}`, i));
    const deps = { ...t.deps, options: { ...t.deps.options, emitBatchSize: 4 } };
    const turns: number[] = [];
    // A macrotask queued before the loop starts runs before its second batch, not after the last one.
    setImmediate(() => turns.push(t.emitted.length));
    const loop = runDeliveryLoop(deps);
    await flush();
    await flush();
    t.abort.abort();
    await loop;
    expect(t.emitted.map((e) => e.events.length)).toEqual([4, 4, 2]);
    expect(turns).toEqual([1]);
  });

  it('on a failed ack forgets the keys and schedules a backfill from the watermark', async () => {
    const t = setup({});
    t.shared.connection = undefined;
    t.buffer.push(live('sensor.a', 3));
    const loop = runDeliveryLoop(t.deps);
    await flush();
    t.emitted[0]?.ack?.onFailed?.(new SdkError(ErrorCode.SINK_UNAVAILABLE, 'db down'));
    expect(t.shared.backfill?.from).toBe(S * 1_000_000);
    expect(t.deps.recent.has(t.emitted[0]?.events[0]?.key ?? '')).toBe(false);
    t.abort.abort();
    await loop;
  });
});
