import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import type { DeliveryOptions } from './options.js';
import { createRuntime } from '../runtime/runtime.js';
import {
  ackRecorder,
  manualSource,
  memoryOutbox,
  memorySink,
  recordingLogger,
  settle,
  stateEvent,
} from '../../test/runtime-test-kit.js';
import type { Sink } from '../component/sink.js';
import { arraySource } from '../testing/array-source.js';
import { TEST_EVENT_TIME, makeStateChanged } from '../testing/events.js';

type Ev = ReturnType<typeof stateEvent>;

/** Real disk I/O under fake timers: vi.waitFor advances fake time by `interval` per check. */
const DISK = { timeout: 10_000, interval: 20 };
const down = () => new SdkError(ErrorCode.SINK_UNAVAILABLE, 'connection refused');

let dir: string;
beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), 'outbox-full-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const events = Array.from({ length: 30 }, (_, i) =>
  makeStateChanged({ state: String(i), last_updated: TEST_EVENT_TIME + i }),
);
/** A 4000-byte outbox holds a few batches of 3 of these events, far fewer than 30. */
const blockDelivery = (outboxDir: string): DeliveryOptions => ({
  batch: { maxSize: 3, maxWaitMs: 20 },
  retry: { retries: 0 },
  breaker: { threshold: 100, resetTimeoutMs: 100 },
  outbox: { dir: outboxDir, maxBytes: 4000, whenFull: 'block', fsync: 'never' },
});

/** A sink that throws SINK_UNAVAILABLE while `up` is false and records what it accepted, in order. */
function switchableSink(): {
  sink: Sink<unknown>;
  written: string[];
  calls: () => number;
  setUp: (up: boolean) => void;
} {
  const written: string[] = [];
  let up = false;
  let calls = 0;
  return {
    sink: {
      kind: 'sink',
      name: 'db',
      write: async (batch) => {
        calls++;
        if (!up) throw down();
        for (const e of batch) written.push((e as { state: string }).state);
      },
    },
    written,
    calls: () => calls,
    setUp: (value) => {
      up = value;
    },
  };
}

describe('a full block-mode outbox', { timeout: 30_000 }, () => {
  // Regression: the delivery loop waited in outbox.append() for space only its own drain could free, so
  // after an outage filled the outbox nothing was written again and stop() hung.
  it('backpressures during the outage, then drains everything in order once the sink recovers', async () => {
    const src = arraySource(events, { finite: true });
    const db = switchableSink();
    const p = pipeline(src).to(db.sink, blockDelivery(dir)).build();
    p.events.on('error', () => undefined);
    await p.start();
    // The outbox fills up and the writer waits for space: some events are outboxed (handled), the rest wait.
    await vi.waitFor(() => expect(p.stats().outboxed['db']).toBeGreaterThan(0), DISK);
    await vi.advanceTimersByTimeAsync(2000);
    const during = p.stats();
    expect(during.outboxed['db']).toBeLessThan(30);
    expect(during.inFlight).toBe(30 - (during.outboxed['db'] ?? 0));
    expect(src.handled()).toBe(during.outboxed['db']);
    expect(db.written).toEqual([]);

    db.setUp(true);
    await vi.waitFor(() => expect(db.written).toHaveLength(30), DISK);
    expect(db.written).toEqual(events.map((e) => e.state)); // outbox entries first, newer batches behind them
    const stats = await p.stop();
    expect(stats).toMatchObject({ received: 30, written: { db: 30 }, failed: 0, inFlight: 0 });
    expect(src.handled()).toBe(30);
    expect(src.failed()).toEqual([]);
  });

  it('runs the reported scenario: eight failed writes, then every event written', async () => {
    const src = arraySource(events, { finite: true });
    let failures = 8;
    const written: unknown[] = [];
    const sink: Sink<unknown> = {
      kind: 'sink',
      name: 'db',
      write: async (batch) => {
        if (failures-- > 0) throw down();
        written.push(...batch);
      },
    };
    const p = pipeline(src).to(sink, blockDelivery(dir)).build();
    p.events.on('error', () => undefined);
    await p.start();
    await vi.waitFor(() => expect(written).toHaveLength(30), DISK);
    expect((await p.stop()).written).toEqual({ db: 30 });
  });

  // Regression (issue 11): with the database down and the outbox full, SIGINT took the whole stop timeout (30 s):
  // stop() waited for the writer blocked in outbox.append (space only a drain to the dead database could free).
  it('stops at once when the sink stays down: outboxed events stay handled, the rest fail for redelivery, each counted once', async () => {
    const src = arraySource(events);
    const db = switchableSink();
    const p = pipeline(src).to(db.sink, blockDelivery(dir)).build(); // the default stopTimeoutMs: 30 s
    p.events.on('error', () => undefined);
    await p.start();
    await vi.waitFor(
      () => expect(p.health().components.find((c) => c.name === 'db')?.message).toContain('outbox full'),
      DISK,
    );
    await vi.advanceTimersByTimeAsync(2000);
    const outboxed = p.stats().outboxed['db'] ?? 0;
    expect(p.stats().inFlight).toBe(30 - outboxed); // the writer is blocked on the full outbox

    const startedAt = Date.now();
    const stats = await p.stop(); // no timer is advanced: a wait on any timer (stop timeout, backoff, drain pause) would hang here
    expect(Date.now()).toBe(startedAt);

    expect(stats).toMatchObject({
      received: 30,
      written: { db: 0 },
      outboxed: { db: outboxed },
      failed: 30 - outboxed,
      inFlight: 0,
    });
    expect(src.handled()).toBe(outboxed);
    expect(src.failed()).toHaveLength(30 - outboxed);
    expect(new Set(src.failed().map((e) => e.code))).toEqual(new Set([ErrorCode.ABORTED]));
    expect(src.failed()[0]?.message).toMatch(/not made durable/);
    expect(db.written).toEqual([]);
  });

  it('drains what stop left in the outbox after a restart', async () => {
    const first = switchableSink();
    const p1 = pipeline(arraySource(events)).to(first.sink, blockDelivery(dir)).build({ stopTimeoutMs: 500 });
    p1.events.on('error', () => undefined);
    await p1.start();
    await vi.waitFor(() => expect(p1.stats().outboxed['db']).toBeGreaterThan(0), DISK);
    const stopping = p1.stop();
    await vi.advanceTimersByTimeAsync(500);
    const outboxed = (await stopping).outboxed['db'] ?? 0;

    const second = switchableSink();
    second.setUp(true);
    const p2 = pipeline(arraySource<unknown>([])).to(second.sink, blockDelivery(dir)).build();
    await p2.start();
    await vi.waitFor(() => expect(second.written).toHaveLength(outboxed), DISK);
    expect(second.written).toEqual(events.slice(0, outboxed).map((e) => e.state));
    await p2.stop();
  });
});

describe('a full drop-newest outbox', { timeout: 30_000 }, () => {
  it('fails the refused batch (onFailed, BUFFER_OVERFLOW) and counts it once, as failed, not also as dropped', async () => {
    const src = arraySource(events);
    const db = switchableSink();
    const delivery: DeliveryOptions = {
      ...blockDelivery(dir),
      outbox: { dir, maxBytes: 4000, whenFull: 'drop-newest', fsync: 'never' },
    };
    const log = recordingLogger();
    const p = pipeline(src).to(db.sink, delivery).build({ logger: log.logger });
    const errors: SdkError[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await vi.waitFor(() => expect(src.handled() + src.failed().length).toBe(30), DISK);
    const stats = await p.stop();
    const outboxed = stats.outboxed['db'] ?? 0;
    expect(outboxed).toBeGreaterThan(0);
    expect(stats.failed).toBe(30 - outboxed);
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.dropped).toEqual({});
    expect(src.handled()).toBe(outboxed);
    expect(new Set(src.failed().map((e) => e.code))).toEqual(new Set([ErrorCode.BUFFER_OVERFLOW]));
    // Not silent, not one error per batch (issue 11): counted per event, logged at most once per 10 s.
    expect(errors.filter((e) => e.code === ErrorCode.BUFFER_OVERFLOW)).toEqual([]);
    expect(await p.metrics.registry.getSingleMetricAsString('ha_ingestor_outbox_dropped_total')).toContain(
      `ha_ingestor_outbox_dropped_total{sink="db",policy="drop-newest"} ${stats.failed}`,
    );
    const refusals = log.lines('warn').filter((l) => /refused \d+ new records/.test(l.msg));
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(2); // the first at once, the rest carried to the line written on close
    expect(refusals.reduce((n, l) => n + Number(l.fields['records']), 0)).toBe(stats.failed);
    expect(await p.metrics.registry.getSingleMetricAsString('ha_ingestor_events_dropped_total')).not.toContain(
      'outbox_full',
    );
  });
});

describe('stop is bounded with an outbox', { timeout: 30_000 }, () => {
  it('cuts a retry backoff short and moves the batch to the outbox instead of failing it at the stop timeout', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99); // full jitter → a ~9.9 s wait before the first retry
    const src = manualSource<Ev>();
    const sink = memorySink<Ev>('db', () => {
      throw down();
    });
    const box = memoryOutbox();
    const acks = ackRecorder();
    const p = createRuntime({
      sources: [src.source],
      stages: [
        {
          kind: 'sink',
          sink: sink.sink,
          delivery: {
            batch: { maxSize: 1 },
            retry: { retries: 5, minDelayMs: 10_000, maxDelayMs: 60_000 },
            breaker: { threshold: 100 },
            outbox: { dir: '/unused' },
          },
        },
      ],
      options: { stopTimeoutMs: 5000 },
      deps: { openOutbox: box.open },
    });
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('a'));
    await settle();
    expect(box.entries).toHaveLength(0); // waiting to retry
    const stats = await p.stop(); // no timer advanced: stop does not wait for the backoff nor the stop timeout
    expect(stats).toMatchObject({ outboxed: { db: 1 }, failed: 0, inFlight: 0 });
    expect(acks.handled).toEqual(['a']);
    expect(box.entries).toHaveLength(1);
    vi.restoreAllMocks();
  });

  it('when a sink write never settles while the outbox drains', async () => {
    const src = manualSource<Ev>();
    let hang = false;
    const sink = memorySink<Ev>('db', () => {
      if (hang) return new Promise<never>(() => undefined);
      throw down();
    });
    const box = memoryOutbox();
    const p = createRuntime({
      sources: [src.source],
      stages: [
        {
          kind: 'sink',
          sink: sink.sink,
          delivery: {
            batch: { maxSize: 1 },
            retry: { retries: 0 },
            breaker: { threshold: 1, resetTimeoutMs: 100 },
            outbox: { dir: '/unused' },
          },
        },
      ],
      options: { stopTimeoutMs: 1000 },
      deps: { openOutbox: box.open },
    });
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1));
    await settle();
    expect(box.entries).toHaveLength(1);
    hang = true;
    await vi.advanceTimersByTimeAsync(100); // half-open trial: the drain write hangs
    await src.ctx().emit(stateEvent('light.a', 2)); // appended behind the entry being drained
    await settle();
    const stopping = p.stop();
    await vi.advanceTimersByTimeAsync(1000);
    const stats = await stopping;
    expect(stats).toMatchObject({ received: 2, outboxed: { db: 2 }, written: { db: 0 }, failed: 0, inFlight: 0 });
    expect(box.entries.map((e) => (e.records[0] as Ev).time_fired)).toEqual([1, 2]); // kept for the next start
  });
});
