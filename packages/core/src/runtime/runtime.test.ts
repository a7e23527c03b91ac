import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { pipeline } from '../builder/pipeline.js';
import { DROP, type Enricher } from '../component/enricher.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import type { Pipeline } from './types.js';
import { createRuntime } from './runtime.js';
import {
  ackRecorder,
  listSource,
  manualSink,
  manualSource,
  memorySink,
  settle,
  stateEvent,
} from '../../test/runtime-test-kit.js';
import type { Source } from '../component/source.js';

type Ev = ReturnType<typeof stateEvent>;
const fast = { batch: { maxSize: 2, maxWaitMs: 1000 } };

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('acknowledgements', () => {
  it('acks a group only after every sink it reached wrote it, even split across stage batches and sinks', async () => {
    const log: string[] = [];
    const src = manualSource<Ev>();
    const a = manualSink<Ev>('a', log);
    const b = manualSink<Ev>('b', log);
    const acks = ackRecorder(log);
    const p = pipeline(src.source)
      .to(a.sink, fast)
      .to(b.sink, { batch: { maxSize: 3, maxWaitMs: 1000 } })
      .build({ stageBatchSize: 1 });
    await p.start();
    await src
      .ctx()
      .emitBatch([stateEvent('light.a', 1), stateEvent('light.a', 2), stateEvent('light.a', 3)], acks.ack('g1'));
    await settle();
    expect(a.calls.map((c) => c.batch.length)).toEqual([2]);
    expect(b.calls.map((c) => c.batch.length)).toEqual([3]);
    b.calls[0]?.resolve();
    a.calls[0]?.resolve();
    await settle();
    expect(acks.handled).toEqual([]); // a's third event is still in its batcher
    await vi.advanceTimersByTimeAsync(1000);
    a.calls[1]?.resolve();
    await settle();
    expect(acks.handled).toEqual(['g1']);
    expect(log).toEqual(['write:b:3', 'write:a:2', 'write:a:1', 'ack:g1']);
    await p.stop();
  });

  it('never acks a failed write: onFailed once, onHandled never, counted as failed', async () => {
    const src = manualSource<Ev>();
    const bad = memorySink<Ev>('bad', () => {
      throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'db down');
    });
    const acks = ackRecorder();
    const errors: SdkError[] = [];
    const p = pipeline(src.source)
      .to(bad.sink, { ...fast, retry: { retries: 1, minDelayMs: 10, maxDelayMs: 10 } })
      .build();
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await src.ctx().emitBatch([stateEvent('light.a', 1), stateEvent('light.a', 2)], acks.ack('g'));
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(acks.handled).toEqual([]);
    expect(acks.failed.map(([label, e]) => [label, e.code])).toEqual([['g', 'SINK_UNAVAILABLE']]);
    expect(errors.map((e) => e.code)).toContain('SINK_UNAVAILABLE');
    const stats = await p.stop();
    expect(stats.failed).toBe(2);
    expect(stats.written).toEqual({ bad: 0 });
    expect(acks.handled).toEqual([]);
  });

  it('acks a group whose events were all dropped without waiting for the sinks', async () => {
    const src = manualSource<Ev>();
    const slow = manualSink<Ev>('slow');
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .select({ exclude: { domains: ['switch'] } })
      .to(slow.sink, fast)
      .build();
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('kept'));
    await src.ctx().emit(stateEvent('switch.b', 1), acks.ack('dropped'));
    await settle();
    expect(acks.handled).toEqual(['dropped']);
    await vi.advanceTimersByTimeAsync(1000);
    slow.calls[0]?.resolve();
    await settle();
    expect(acks.handled).toEqual(['dropped', 'kept']);
    expect((await p.stop()).dropped).toEqual({ filtered: 1 });
  });

  it('fails one group and handles the other when only the first one has a failing event', async () => {
    const src = manualSource<Ev>();
    const sink = manualSink<Ev>('s');
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .to(sink.sink, { batch: { maxSize: 1 }, retry: { retries: 0 } })
      .build();
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('first'));
    await src.ctx().emit(stateEvent('light.a', 2), acks.ack('second'));
    await settle();
    sink.calls[0]?.reject(new SdkError(ErrorCode.SINK_UNAVAILABLE, 'timeout'));
    await settle();
    sink.calls[1]?.resolve();
    await settle();
    expect(acks.failed.map(([l]) => l)).toEqual(['first']);
    expect(acks.handled).toEqual(['second']);
    await p.stop();
  });

  it('an empty emitBatch is handled at once', async () => {
    const src = manualSource<Ev>();
    const acks = ackRecorder();
    const p = pipeline(src.source).build();
    await p.start();
    await src.ctx().emitBatch([], acks.ack('empty'));
    expect(acks.handled).toEqual(['empty']);
    await p.stop();
  });
});

describe('stages', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('validates: invalid events go to the dead-letter file with issues and raw input, the rest flow on', async () => {
    const path = join(dir, 'dl', 'dead.ndjson');
    const schema = z.object({ entity_id: z.string(), state: z.string(), time_fired: z.number() });
    const out = memorySink<z.output<typeof schema>>('out');
    const acks = ackRecorder();
    const events: unknown[] = [
      { entity_id: 'a.b', state: 'on', time_fired: 1 },
      { entity_id: 'a.c', state: 5, time_fired: 2 },
    ];
    const src = listSource<unknown>(events, (e) => acks.ack(JSON.stringify(e)));
    const p = pipeline(src)
      .validate(schema)
      .to(out.sink)
      .build({ deadLetter: { path }, now: () => Date.UTC(2026, 0, 1) });
    const dead: unknown[] = [];
    p.events.on('dead-letter', (r) => dead.push(r));
    await p.start();
    await p.idle();
    expect(out.written).toEqual([{ entity_id: 'a.b', state: 'on', time_fired: 1 }]);
    expect(acks.handled).toHaveLength(2);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        time: '2026-01-01T00:00:00.000Z',
        stage: 'validate',
        reason: 'invalid',
        code: 'EVENT_INVALID',
        message: 'state: Invalid input: expected string, received number',
        raw: { entity_id: 'a.c', state: 5, time_fired: 2 },
        data: {
          issues: [{ path: 'state', code: 'invalid_type', message: 'Invalid input: expected string, received number' }],
        },
      },
    ]);
    expect(dead).toHaveLength(1);
    const stats = await p.stop();
    expect(stats).toMatchObject({ received: 2, processed: 1, dropped: { invalid: 1 }, deadLettered: 1 });
    expect(await p.metrics.registry.getSingleMetricAsString('ha_ingestor_events_dropped_total')).toContain(
      'reason="invalid"} 1',
    );
  });

  it('dedupes on the identity key: a copy in flight waits for the first copy, a later one is dropped at once', async () => {
    const src = manualSource<Ev>();
    const sink = manualSink<Ev>('s');
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .dedupe()
      .to(sink.sink, { batch: { maxSize: 1 } })
      .build();
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('first'));
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('in-flight copy')); // held back on the first
    await settle();
    expect(sink.calls).toHaveLength(1);
    expect(p.stats().inFlight).toBe(2);
    expect(acks.handled).toEqual([]);
    sink.calls[0]?.resolve();
    await settle();
    expect(acks.handled).toEqual(['in-flight copy', 'first']);
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('late copy')); // committed: duplicate
    await settle();
    expect(sink.calls).toHaveLength(1);
    expect(acks.handled).toEqual(['in-flight copy', 'first', 'late copy']);
    expect((await p.stop()).dropped).toEqual({ duplicate: 2 });
  });

  it('does not commit a dedupe key when the write failed: the replay goes through', async () => {
    const src = manualSource<Ev>();
    let fail = true;
    const sink = memorySink<Ev>('s', () => {
      if (fail) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'down');
    });
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .dedupe()
      .to(sink.sink, { batch: { maxSize: 1 }, retry: { retries: 0 } })
      .build();
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('first'));
    await settle();
    fail = false;
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('replay'));
    await settle();
    expect(acks.failed.map(([l]) => l)).toEqual(['first']);
    expect(acks.handled).toEqual(['replay']);
    expect(sink.written).toHaveLength(1);
    expect((await p.stop()).dropped).toEqual({});
  });

  it('runs sync and async enrichers in order with overwrite-merge; sinks see events as they were at their tap', async () => {
    const src = manualSource<Ev>();
    const before = memorySink<unknown>('before');
    const after = memorySink<unknown>('after');
    const numeric: Enricher<Ev, { state: number }> = {
      kind: 'enricher',
      name: 'numeric',
      enrich: (e) => ({ state: e.state === 'on' ? 1 : 0 }),
    };
    const slowArea: Enricher<{ entity_id: string }, { area: string }> = {
      kind: 'enricher',
      name: 'area',
      enrich: (e) => (e.entity_id === 'light.x' ? DROP : Promise.resolve({ area: 'kitchen' })),
    };
    const p = pipeline(src.source).to(before.sink, fast).use(numeric).use(slowArea).to(after.sink, fast).build();
    await p.start();
    await src.ctx().emitBatch([stateEvent('light.a', 1), stateEvent('light.x', 1)]);
    const stats = await p.stop();
    expect(before.written).toEqual([stateEvent('light.a', 1), stateEvent('light.x', 1)]);
    expect(after.written).toEqual([{ ...stateEvent('light.a', 1), state: 1, area: 'kitchen' }]);
    expect(stats).toMatchObject({
      received: 2,
      processed: 1,
      written: { before: 2, after: 1 },
      dropped: { enricher: 1 },
    });
  });
});

describe('lifecycle', () => {
  it('ordered shutdown returns exact counts (received, processed, written, dropped by reason, dead-lettered)', async () => {
    const sink = memorySink<Ev>('s', (batch) => ({
      rejected: batch.flatMap((e, index) =>
        e.state === 'broken' ? [{ index, reason: 'type_conflict', message: 'field type conflict' }] : [],
      ),
    }));
    const acks = ackRecorder();
    const src = manualSource<Ev>();
    const p = pipeline(src.source)
      .select({ include: { domains: ['light'] } })
      .dedupe()
      .to(sink.sink, { batch: { maxSize: 2 } })
      .build();
    await p.start();
    await src.ctx().emitBatch([stateEvent('light.a', 1), stateEvent('light.d', 1, 'broken')], acks.ack('first'));
    await settle();
    expect(acks.handled).toEqual(['first']);
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('duplicate'));
    await src.ctx().emit(stateEvent('switch.b', 1), acks.ack('filtered'));
    await src.ctx().emit(stateEvent('light.c', 1), acks.ack('last'));
    const stats = await p.stop();
    expect(stats).toEqual({
      received: 5,
      processed: 3,
      written: { s: 2 },
      outboxed: { s: 0 },
      dropped: { filtered: 1, duplicate: 1, rejected: 1 },
      failed: 0,
      deadLettered: 1,
      inFlight: 0,
    });
    expect(acks.handled).toEqual(['first', 'duplicate', 'filtered', 'last']);
    expect(sink.written.map((e) => e.key)).toEqual(['light.a@1', 'light.c@1']);
  });

  it('supports await using, and stop is idempotent', async () => {
    const sink = memorySink<Ev>('s');
    let pipelineRef: Pipeline | undefined;
    {
      await using p = pipeline(listSource([stateEvent('light.a', 1)]))
        .to(sink.sink)
        .build();
      pipelineRef = p;
      await p.start();
    }
    expect(sink.written).toHaveLength(1);
    const again = await pipelineRef.stop();
    expect(again.written).toEqual({ s: 1 });
    await expect(pipelineRef.start()).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('fails what is left when stop times out (onFailed with TIMEOUT)', async () => {
    const src = manualSource<Ev>();
    const stuck = manualSink<Ev>('stuck');
    const acks = ackRecorder();
    const p = pipeline(src.source).to(stuck.sink, fast).build({ stopTimeoutMs: 1000 });
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('a'));
    const stopping = p.stop();
    await vi.advanceTimersByTimeAsync(1000);
    const stats = await stopping;
    expect(acks.failed.map(([l, e]) => [l, e.code])).toEqual([['a', 'TIMEOUT']]);
    expect(acks.handled).toEqual([]);
    expect(stats.failed).toBe(1);
    stuck.calls[0]?.resolve(); // a late acceptance changes nothing
    await settle();
    expect(acks.handled).toEqual([]);
  });

  it('bounds stop by stopTimeoutMs even when a source ignores its abort signal', async () => {
    const stubborn: Source<Ev> = { kind: 'source', name: 'stubborn', run: () => new Promise<void>(() => undefined) };
    const p = pipeline(stubborn).build({ stopTimeoutMs: 500 });
    const errors: SdkError[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    const stopping = p.stop();
    await vi.advanceTimersByTimeAsync(500);
    await expect(stopping).resolves.toMatchObject({ received: 0, failed: 0 });
    expect(errors.map((e) => e.code)).toEqual(['TIMEOUT']);
  });

  it('does not hang stop on an async enricher that never settles', async () => {
    const src = manualSource<Ev>();
    const hung: Enricher<Ev, { x: number }> = {
      kind: 'enricher',
      name: 'hung',
      enrich: () => new Promise<never>(() => undefined),
    };
    const acks = ackRecorder();
    const p = pipeline(src.source).use(hung).to(memorySink<unknown>('s').sink).build({ stopTimeoutMs: 500 });
    p.events.on('error', () => undefined);
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('a'));
    const stopping = p.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopping;
    expect(acks.failed.map(([l, e]) => [l, e.code])).toEqual([['a', 'TIMEOUT']]);
  });

  it('rejects an emit after the pipeline stopped (ABORTED) and fails its ack', async () => {
    const src = manualSource<Ev>();
    const acks = ackRecorder();
    const p = pipeline(src.source).build();
    await p.start();
    const ctx = src.ctx();
    await p.stop();
    await expect(ctx.emit(stateEvent('light.a', 1), acks.ack('late'))).rejects.toMatchObject({ code: 'ABORTED' });
    expect(acks.failed.map(([l]) => l)).toEqual(['late']);
    expect(p.stats().failed).toBe(1);
  });

  it('survives throwing event listeners: reported, the pipeline goes on', async () => {
    const sink = memorySink<Ev>('s');
    const p = pipeline(listSource([stateEvent('light.a', 1), stateEvent('light.a', 2)]))
      .to(sink.sink, { batch: { maxSize: 1 } })
      .build({ stageBatchSize: 1 });
    const errors: SdkError[] = [];
    p.events.on('processed', () => {
      throw new Error('listener bug');
    });
    p.events.on('written', () => {
      throw new Error('listener bug');
    });
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await p.idle();
    expect(sink.written).toHaveLength(2);
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect((await p.stop()).failed).toBe(0);
  });

  it('reports a fatal source error: error event, health down, idle rejects', async () => {
    const failing: Source<Ev> = {
      kind: 'source',
      name: 'ws',
      run: async () => {
        throw new SdkError(ErrorCode.AUTH_FAILED, 'auth_invalid');
      },
    };
    const errors: SdkError[] = [];
    const p = pipeline(failing).build();
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await expect(p.idle()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(errors.map((e) => e.code)).toEqual(['AUTH_FAILED']);
    expect(p.health()).toMatchObject({ status: 'down', components: [{ name: 'ws', kind: 'source', status: 'down' }] });
    expect(await p.metrics.registry.getSingleMetricAsString('ha_ingestor_errors_total')).toContain(
      'code="AUTH_FAILED"} 1',
    );
    await p.stop();
  });

  it('counts events_received_total per source (tallied per emit, added to the metric once per stage batch and on stop)', async () => {
    const a = manualSource<Ev>('a');
    const b = manualSource<Ev>('b');
    const p = pipeline(a.source, b.source).to(memorySink<Ev>('s').sink, fast).build();
    p.events.on('error', () => undefined);
    await p.start();
    for (let t = 1; t <= 3; t++) await a.ctx().emit(stateEvent('light.a', t));
    await b.ctx().emitBatch([stateEvent('light.b', 1), stateEvent('light.b', 2)]);
    await settle();
    const received = () => p.metrics.registry.getSingleMetricAsString('ha_ingestor_events_received_total');
    expect(await received()).toContain('source="a"} 3');
    expect(await received()).toContain('source="b"} 2');
    await p.stop();
    await expect(a.ctx().emit(stateEvent('light.a', 9))).rejects.toMatchObject({ code: 'ABORTED' });
    // An emit refused after stop is still received (and failed), in the counter and in the metric.
    expect(p.stats()).toMatchObject({ received: 6, failed: 1 });
    expect(await received()).toContain('source="a"} 4');
  });

  it('tracks source status (setStatus) in health, metrics and events', async () => {
    const src = manualSource<Ev>('mqtt');
    const p = pipeline(src.source).build();
    const statuses: boolean[] = [];
    p.events.on('source:status', (_name, s) => statuses.push(s.connected));
    await p.start();
    src.ctx().setStatus({ connected: false, message: 'reconnecting in 2 s' });
    expect(p.health()).toMatchObject({
      status: 'degraded',
      components: [{ name: 'mqtt', status: 'degraded', message: 'reconnecting in 2 s' }],
    });
    src.ctx().setStatus({ connected: true });
    expect(p.health().status).toBe('ok');
    expect(statuses).toEqual([false, true]);
    expect(await p.metrics.registry.getSingleMetricAsString('ha_ingestor_source_connected')).toContain(
      'source="mqtt"} 1',
    );
    await p.stop();
  });

  it('starts despite a failing sink healthcheck, reports it, and checkHealth re-runs checks with response times', async () => {
    let healthy = false;
    const sink = memorySink<Ev>('db');
    const p = pipeline(listSource<Ev>([]))
      .to({
        ...sink.sink,
        healthcheck: async () => {
          if (!healthy) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'connection refused');
        },
      })
      .build();
    const errors: SdkError[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    expect(errors.map((e) => e.code)).toEqual(['SINK_UNAVAILABLE']);
    expect(p.health().components.find((c) => c.name === 'db')).toMatchObject({
      status: 'degraded',
      acceptingWrites: false,
      message: expect.stringContaining('connection refused'),
    });
    healthy = true;
    const h = await p.checkHealth();
    expect(h.components.find((c) => c.name === 'db')).toMatchObject({
      status: 'ok',
      acceptingWrites: true,
      responseTimeMs: expect.any(Number),
      checkedAt: expect.any(Number),
    });
    await p.stop();
  });

  it('rejects two sinks with the same name at build time', () => {
    const s = memorySink('same').sink;
    expect(() =>
      createRuntime({
        sources: [],
        stages: [
          { kind: 'sink', sink: s, delivery: {} },
          { kind: 'sink', sink: s, delivery: {} },
        ],
        options: {},
      }),
    ).toThrow(/unique/);
  });
});
