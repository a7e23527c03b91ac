import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import type { DeadLetterRecord } from '../component/context.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import type { DeliveryOptions } from './options.js';
import type { Pipeline } from '../runtime/types.js';
import { createRuntime } from '../runtime/runtime.js';
import {
  ackRecorder,
  manualSink,
  manualSource,
  memoryOutbox,
  memorySink,
  settle,
  stateEvent,
} from '../../test/runtime-test-kit.js';
import type { Sink } from '../component/sink.js';
import type { Source } from '../component/source.js';

type Ev = ReturnType<typeof stateEvent>;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const down = () => new SdkError(ErrorCode.SINK_UNAVAILABLE, 'connection refused');
/** Real disk I/O under fake timers: poll generously (the CI machine may be loaded). */
const DISK = { timeout: 10_000, interval: 20 };

function withOutbox(
  source: Source<Ev>,
  sink: Sink<Ev>,
  delivery: DeliveryOptions,
  outbox = memoryOutbox(),
): { p: Pipeline; outbox: ReturnType<typeof memoryOutbox> } {
  const p = createRuntime({
    sources: [source],
    stages: [{ kind: 'sink', sink, delivery: { outbox: { dir: '/unused' }, ...delivery } }],
    options: {},
    deps: { openOutbox: outbox.open },
  });
  return { p, outbox };
}

describe('per-sink delivery', { timeout: 30_000 }, () => {
  // Issue 14: a fixed 5 s timer made every event wait seconds at home rates.
  it('writes an event lingerMs after it arrives when the sink is free, and grows the next batch while a write is in flight', async () => {
    const src = manualSource<Ev>();
    const sink = manualSink<Ev>('s');
    const p = pipeline(src.source)
      .to(sink.sink, { batch: { maxSize: 1000, maxWaitMs: 5000, lingerMs: 20 } })
      .build();
    await p.start();
    const ctx = src.ctx();
    await ctx.emit(stateEvent('light.a', 1));
    await vi.advanceTimersByTimeAsync(19);
    expect(sink.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls.map((c) => c.batch.length)).toEqual([1]);
    // The write takes 300 ms: what arrives meanwhile waits for it, then goes as one batch.
    for (let i = 2; i <= 6; i++) {
      await ctx.emit(stateEvent('light.a', i));
      await vi.advanceTimersByTimeAsync(60);
    }
    expect(sink.calls).toHaveLength(1);
    sink.calls[0]?.resolve();
    await settle();
    expect(sink.calls.map((c) => c.batch.length)).toEqual([1, 5]);
    sink.calls[1]?.resolve();
    await settle();
    expect(sink.written).toHaveLength(6);
    await p.stop();
  });

  it('makes emit wait when the intake and the sink buffer are full, and resumes when drained', async () => {
    const src = manualSource<Ev>();
    const sink = manualSink<Ev>('s');
    const p = pipeline(src.source)
      .to(sink.sink, { maxQueued: 1, batch: { maxSize: 1 } })
      .build({ maxQueued: 2, stageBatchSize: 1 });
    await p.start();
    const ctx = src.ctx();
    await ctx.emit(stateEvent('light.a', 1)); // in flight
    await settle();
    await ctx.emit(stateEvent('light.a', 2)); // the loop holds it, waiting for sink space
    await settle();
    await ctx.emit(stateEvent('light.a', 3));
    await ctx.emit(stateEvent('light.a', 4)); // intake now full (2)
    let accepted = false;
    const fifth = ctx.emit(stateEvent('light.a', 5)).then(() => {
      accepted = true;
    });
    await settle();
    expect(accepted).toBe(false);
    expect(p.stats().inFlight).toBe(4);
    sink.calls[0]?.resolve();
    await settle();
    await fifth;
    expect(accepted).toBe(true);
    for (let i = 1; i < 5; i++) {
      sink.calls[i]?.resolve();
      await settle();
    }
    const stats = await p.stop();
    expect(stats).toMatchObject({ received: 5, written: { s: 5 }, failed: 0, inFlight: 0 });
    expect(sink.written.map((e) => e.time_fired)).toEqual([1, 2, 3, 4, 5]);
  });

  it('flushes early when its buffer is full, even if maxQueued is below maxSize', async () => {
    const src = manualSource<Ev>();
    const sink = memorySink<Ev>('s');
    const p = pipeline(src.source)
      .to(sink.sink, { maxQueued: 3, batch: { maxSize: 1000, maxWaitMs: 60_000 } })
      .build();
    await p.start();
    await src.ctx().emitBatch(Array.from({ length: 10 }, (_, i) => stateEvent('light.a', i)));
    await settle();
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3, 3]);
    await p.stop();
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });

  it('gives each sink its own buffer: a slow sink does not hold back a fast one until its buffer is full', async () => {
    const src = manualSource<Ev>();
    const fastSink = memorySink<Ev>('fast');
    const slow = manualSink<Ev>('slow');
    const p = pipeline(src.source)
      .to(fastSink.sink, { batch: { maxSize: 1 } })
      .to(slow.sink, { maxQueued: 2, batch: { maxSize: 1 } })
      .build({ stageBatchSize: 1 });
    await p.start();
    for (let t = 1; t <= 4; t++) await src.ctx().emit(stateEvent('light.a', t));
    await settle();
    // slow: #1 in flight, #2 buffered, #3 waits for space; fast has #1..#3, #4 waits upstream
    expect(fastSink.written.map((e) => e.time_fired)).toEqual([1, 2, 3]);
    expect(slow.calls).toHaveLength(1);
    slow.calls[0]?.resolve();
    await settle();
    expect(fastSink.written.map((e) => e.time_fired)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < 4; i++) {
      slow.calls[i]?.resolve();
      await settle();
    }
    expect(slow.written.map((e) => e.time_fired)).toEqual([1, 2, 3, 4]);
    await p.stop();
  });

  it('counts every event once when stop times out while the stages wait for buffer space', async () => {
    const src = manualSource<Ev>();
    const stuck = manualSink<Ev>('s');
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .to(stuck.sink, { maxQueued: 2, batch: { maxSize: 1 } })
      .build({ stopTimeoutMs: 1000 });
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emitBatch(
      [1, 2, 3, 4, 5].map((t) => stateEvent('light.a', t)),
      acks.ack('g'),
    );
    await settle();
    expect(stuck.calls).toHaveLength(1); // 2 in the sink's buffer (1 being written), 3 held by the waiting stage loop
    const stopping = p.stop();
    await vi.advanceTimersByTimeAsync(1000);
    const stats = await stopping;
    // Regression: the 2 events the sink held were counted twice (by its abort and by the failed stage batch).
    expect(stats).toMatchObject({ received: 5, failed: 5, written: { s: 0 }, inFlight: 0 });
    expect(acks.failed.map(([l, e]) => [l, e.code])).toEqual([['g', 'TIMEOUT']]);
  });

  it("falls back to the size estimate when a sink's sizeOf throws: nothing is stranded, the bug is reported once", async () => {
    const src = manualSource<Ev>();
    const sink = memorySink<Ev>('s');
    const sized: Sink<Ev> = {
      ...sink.sink,
      sizeOf: (e) => {
        if (e.time_fired > 1) throw new Error('sizeOf bug');
        return 10;
      },
    };
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .to(sized, { batch: { maxSize: 2 } })
      .build({ stopTimeoutMs: 1000 });
    const errors: SdkError[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await src.ctx().emitBatch(
      [1, 2, 3].map((t) => stateEvent('light.a', t)),
      acks.ack('g'),
    );
    const stats = await p.stop(); // drains without waiting for the stop timeout
    expect(stats).toMatchObject({ written: { s: 3 }, failed: 0, inFlight: 0 });
    expect(acks.handled).toEqual(['g']);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['INTERNAL', 'sink s: sizeOf threw; using the size estimate'],
    ]);
  });

  it('retries a retryable failure and acks after the successful write', async () => {
    const src = manualSource<Ev>();
    let calls = 0;
    const sink = memorySink<Ev>('s', () => {
      calls++;
      if (calls <= 2) throw down();
    });
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .to(sink.sink, { batch: { maxSize: 1 }, retry: { retries: 5, minDelayMs: 100, maxDelayMs: 1000 } })
      .build();
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('a'));
    await settle();
    expect(acks.handled).toEqual([]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(3);
    expect(acks.handled).toEqual(['a']);
    expect(sink.written).toHaveLength(1);
    await p.stop();
  });

  it('dead-letters a batch rejected as a whole (SINK_REJECTED) and counts it as handled', async () => {
    const src = manualSource<Ev>();
    const sink = memorySink<Ev>('s', () => {
      throw new SdkError(ErrorCode.SINK_REJECTED, 'HTTP 400: bad request');
    });
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .to(sink.sink, { batch: { maxSize: 2 } })
      .build();
    const dead: DeadLetterRecord[] = [];
    p.events.on('dead-letter', (r) => dead.push(r));
    await p.start();
    await src.ctx().emitBatch([stateEvent('light.a', 1), stateEvent('light.a', 2)], acks.ack('g'));
    await settle();
    expect(acks.handled).toEqual(['g']);
    expect(dead.map((d) => [d.stage, d.reason, d.code])).toEqual([
      ['sink:s', 'rejected', 'SINK_REJECTED'],
      ['sink:s', 'rejected', 'SINK_REJECTED'],
    ]);
    expect((await p.stop()).dropped).toEqual({ rejected: 2 });
  });

  it('moves batches to the outbox while the sink is down (breaker opens), then drains them in order once healthy', async () => {
    const src = manualSource<Ev>();
    let healthy = false;
    const order: number[] = [];
    const sink = memorySink<Ev>('db', (batch) => {
      if (!healthy) throw down();
      order.push(...batch.map((e) => e.time_fired));
    });
    const acks = ackRecorder();
    const { p, outbox } = withOutbox(src.source, sink.sink, {
      batch: { maxSize: 1 },
      retry: { retries: 0 },
      breaker: { threshold: 2, resetTimeoutMs: 1000 },
    });
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('1'));
    await settle();
    await src.ctx().emit(stateEvent('light.a', 2), acks.ack('2'));
    await settle();
    expect(acks.handled).toEqual(['1', '2']); // outboxed = durable = handled
    expect(outbox.entries.map((e) => e.records.length)).toEqual([1, 1]);
    expect(p.health().components.find((c) => c.name === 'db')).toMatchObject({
      status: 'degraded',
      acceptingWrites: false, // breaker open: readiness probes say not ready
      message: expect.stringContaining('open'),
    });
    healthy = true;
    await src.ctx().emit(stateEvent('light.a', 3), acks.ack('3')); // queued behind the outbox
    await settle();
    expect(order).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000); // half-open trial drains the outbox, then the rest follows
    await settle();
    expect(order).toEqual([1, 2, 3]);
    expect(outbox.entries).toHaveLength(0);
    expect(p.health().status).toBe('ok');
    const stats = await p.stop();
    expect(stats).toMatchObject({ outboxed: { db: 3 }, written: { db: 3 }, failed: 0 });
    expect(acks.handled).toEqual(['1', '2', '3']);
  });

  it('fails the ack when the outbox append fails', async () => {
    const src = manualSource<Ev>();
    const sink = memorySink<Ev>('db', () => {
      throw down();
    });
    const box = memoryOutbox();
    box.failAppend();
    const acks = ackRecorder();
    const { p } = withOutbox(src.source, sink.sink, { batch: { maxSize: 1 }, retry: { retries: 0 } }, box);
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('a'));
    await settle();
    expect(acks.failed.map(([l, e]) => [l, e.code])).toEqual([['a', 'STORAGE_FAILED']]);
    expect((await p.stop()).failed).toBe(1);
  });

  it('records points written, write duration and end-to-end lag', async () => {
    const src = manualSource<Ev>();
    const sink = memorySink<Ev>('s');
    const p = pipeline(src.source)
      .to(sink.sink, { batch: { maxSize: 1 } })
      .build({ now: () => 10_000 });
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 8_000_000)); // fired at 8 s (µs), accepted at 10 s
    await settle();
    const text = await p.metrics.registry.metrics();
    expect(text).toContain('ha_ingestor_sink_points_written_total{sink="s"} 1');
    expect(text).toContain('ha_ingestor_end_to_end_lag_seconds_sum 2');
    expect(text).toContain('ha_ingestor_sink_write_duration_seconds_count{sink="s"} 1');
    await p.stop();
  });

  it('uses the real disk outbox: outboxed batches survive on disk and drain in order once the sink is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-rt-'));
    try {
      const src = manualSource<Ev>();
      let healthy = false;
      const order: number[] = [];
      const sink = memorySink<Ev>('db', (batch) => {
        if (!healthy) throw down();
        order.push(...batch.map((e) => e.time_fired));
      });
      const acks = ackRecorder();
      const p = pipeline(src.source)
        .to(sink.sink, {
          batch: { maxSize: 2 },
          retry: { retries: 0 },
          breaker: { threshold: 1, resetTimeoutMs: 1000 },
          outbox: { dir: join(dir, 'db'), fsync: 'never' },
        })
        .build();
      p.events.on('error', () => undefined);
      await p.start();
      await src.ctx().emitBatch([stateEvent('light.a', 1), stateEvent('light.a', 2)], acks.ack('a'));
      await vi.waitFor(() => expect(acks.handled).toEqual(['a']), DISK);
      await src.ctx().emitBatch([stateEvent('light.a', 3), stateEvent('light.a', 4)], acks.ack('b'));
      await vi.waitFor(() => expect(acks.handled).toEqual(['a', 'b']), DISK);
      expect(p.stats().outboxed).toEqual({ db: 4 });
      expect(readdirSync(join(dir, 'db')).length).toBeGreaterThan(0);
      expect(await p.metrics.registry.getSingleMetricAsString('ha_ingestor_outbox_bytes')).toMatch(/sink="db"} [1-9]/);
      healthy = true;
      await src.ctx().emitBatch([stateEvent('light.a', 5), stateEvent('light.a', 6)], acks.ack('c'));
      await vi.advanceTimersByTimeAsync(1000);
      await vi.waitFor(() => expect(order).toEqual([1, 2, 3, 4, 5, 6]), DISK);
      const stats = await p.stop();
      expect(stats).toMatchObject({ written: { db: 6 }, outboxed: { db: 6 }, failed: 0, inFlight: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts and logs events the outbox drops when full (drop-oldest) as outbox_full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-full-'));
    try {
      const src = manualSource<Ev>();
      const sink = memorySink<Ev>('db', () => {
        throw down();
      });
      const p = pipeline(src.source)
        .to(sink.sink, {
          batch: { maxSize: 1 },
          retry: { retries: 0 },
          breaker: { threshold: 1, resetTimeoutMs: 60_000 },
          outbox: { dir, fsync: 'never', maxBytes: 400, whenFull: 'drop-oldest' },
        })
        .build();
      p.events.on('error', () => undefined);
      await p.start();
      for (let t = 1; t <= 8; t++) await src.ctx().emit(stateEvent('light.a', t));
      await vi.waitFor(() => expect(p.stats().outboxed['db']).toBe(8), DISK);
      const stats = await p.stop();
      expect(stats.dropped['outbox_full']).toBeGreaterThan(0);
      expect(stats.failed).toBe(0);
      expect(await p.metrics.registry.getSingleMetricAsString('ha_ingestor_events_dropped_total')).toContain(
        `reason="outbox_full"} ${stats.dropped['outbox_full']}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('emits `written` once per event: when outboxed, not again when drained', async () => {
    const src = manualSource<Ev>();
    let healthy = false;
    const sink = memorySink<Ev>('db', () => {
      if (!healthy) throw down();
    });
    const { p } = withOutbox(src.source, sink.sink, {
      batch: { maxSize: 1 },
      retry: { retries: 0 },
      breaker: { threshold: 1, resetTimeoutMs: 1000 },
    });
    const announced: number[] = [];
    p.events.on('written', (_sink, events) => announced.push(...events.map((e) => (e as Ev).time_fired)));
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1));
    await settle();
    healthy = true;
    await vi.advanceTimersByTimeAsync(1000);
    await src.ctx().emit(stateEvent('light.a', 2));
    await settle();
    expect(sink.written.map((e) => e.time_fired)).toEqual([1, 2]);
    expect(announced).toEqual([1, 2]);
    await p.stop();
  });

  it('drains an outbox left by a previous run as soon as the next pipeline starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-restart-'));
    try {
      const delivery: DeliveryOptions = {
        batch: { maxSize: 2 },
        retry: { retries: 0 },
        breaker: { threshold: 1 },
        outbox: { dir, fsync: 'never' },
      };
      const first = manualSource<Ev>();
      const broken = memorySink<Ev>('db', () => {
        throw down();
      });
      const p1 = pipeline(first.source).to(broken.sink, delivery).build();
      p1.events.on('error', () => undefined);
      await p1.start();
      await first.ctx().emitBatch([stateEvent('light.a', 1), stateEvent('light.a', 2)]);
      await vi.waitFor(() => expect(p1.stats().outboxed['db']).toBe(2), DISK);
      await p1.stop();

      const healthy = memorySink<Ev>('db');
      const p2 = pipeline(manualSource<Ev>().source).to(healthy.sink, delivery).build();
      await p2.start();
      await vi.waitFor(() => expect(healthy.written.map((e) => e.time_fired)).toEqual([1, 2]), DISK);
      expect((await p2.stop()).written).toEqual({ db: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
