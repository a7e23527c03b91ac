import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import { createRuntime } from './runtime.js';
import {
  ackRecorder,
  manualSink,
  manualSource,
  memoryOutbox,
  memorySink,
  settle,
  stateEvent,
} from '../../test/runtime-test-kit.js';

type Ev = ReturnType<typeof stateEvent>;
const N = 50;
const entities = Array.from({ length: N }, (_, i) => `sensor.s${i}`);
/** The sink batches for seconds (maxWaitMs 5 s, lingering as long: the age trigger alone). */
const slowBatches = { batch: { maxSize: 1000, maxWaitMs: 5000, lingerMs: 5000 } };

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Two sources (WebSocket- and MQTT-like) emit the same state changes a few ms apart. */
async function emitBothSources(
  ws: ReturnType<typeof manualSource<Ev>>,
  mqtt: ReturnType<typeof manualSource<Ev>>,
  acks: ReturnType<typeof ackRecorder>,
  t = 1,
) {
  for (const entity of entities) {
    await ws.ctx().emit(stateEvent(entity, t), acks.ack(`ws:${entity}`));
    await vi.advanceTimersByTimeAsync(3);
    await mqtt.ctx().emit(stateEvent(entity, t), acks.ack(`mqtt:${entity}`));
  }
}

describe('dedupe across sources (copies in flight)', () => {
  it('writes each key once while the sink batches for seconds; both sources are acked only after the write', async () => {
    const ws = manualSource<Ev>('ws');
    const mqtt = manualSource<Ev>('mqtt');
    const sink = manualSink<Ev>('influx');
    const acks = ackRecorder();
    const p = pipeline(ws.source, mqtt.source).dedupe().to(sink.sink, slowBatches).build();
    await p.start();
    await emitBothSources(ws, mqtt, acks);
    await settle();
    expect(sink.calls).toHaveLength(0); // still batching
    expect(p.stats().inFlight).toBe(2 * N);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.calls).toHaveLength(1);
    expect(sink.calls[0]?.batch.map((e) => e.key)).toEqual(entities.map((e) => `${e}@1`));
    expect(acks.handled).toEqual([]); // the write is still pending: nobody is acked
    sink.calls[0]?.resolve();
    await settle();
    expect(new Set(acks.handled)).toEqual(new Set(entities.flatMap((e) => [`ws:${e}`, `mqtt:${e}`])));
    expect(acks.failed).toEqual([]);
    const stats = await p.stop();
    expect(stats).toMatchObject({
      received: 2 * N,
      processed: N,
      written: { influx: N },
      dropped: { duplicate: N },
      failed: 0,
      inFlight: 0,
    });
  });

  it('fails the held copies when the first copy fails (sink down, no outbox); the redelivery is written', async () => {
    const ws = manualSource<Ev>('ws');
    const mqtt = manualSource<Ev>('mqtt');
    let down = true;
    const sink = memorySink<Ev>('influx', () => {
      if (down) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'influx down');
    });
    const acks = ackRecorder();
    const p = pipeline(ws.source, mqtt.source)
      .dedupe()
      .to(sink.sink, { ...slowBatches, retry: { retries: 0 } })
      .build();
    p.events.on('error', () => undefined);
    await p.start();
    await emitBothSources(ws, mqtt, acks);
    await vi.advanceTimersByTimeAsync(5000);
    await settle();
    // Both sources are told: each keeps its data (MQTT: no PUBACK, WebSocket: no checkpoint advance).
    expect(acks.handled).toEqual([]);
    expect(acks.failed).toHaveLength(2 * N);
    expect(new Set(acks.failed.map(([, e]) => e.code))).toEqual(new Set(['SINK_UNAVAILABLE']));
    expect(p.stats()).toMatchObject({ failed: 2 * N, dropped: {}, inFlight: 0 });
    // The broker redelivers the MQTT copies: nothing committed, so they pass and are written.
    down = false;
    for (const entity of entities) await mqtt.ctx().emit(stateEvent(entity, 1), acks.ack(`redelivered:${entity}`));
    await vi.advanceTimersByTimeAsync(5000);
    await settle();
    expect(sink.written.map((e) => e.key)).toEqual(entities.map((e) => `${e}@1`));
    expect(acks.handled).toEqual(entities.map((e) => `redelivered:${e}`));
    const stats = await p.stop();
    expect(stats).toMatchObject({ received: 3 * N, written: { influx: N }, failed: 2 * N, dropped: {}, inFlight: 0 });
  });

  it('handles the held copies when the first copies are outboxed (sink down, outbox): nothing fails', async () => {
    const ws = manualSource<Ev>('ws');
    const mqtt = manualSource<Ev>('mqtt');
    const sink = memorySink<Ev>('influx', () => {
      throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'influx down');
    });
    const box = memoryOutbox();
    const acks = ackRecorder();
    const p = createRuntime({
      sources: [ws.source, mqtt.source],
      stages: [
        { kind: 'dedupe', options: {} },
        {
          kind: 'sink',
          sink: sink.sink,
          delivery: { ...slowBatches, retry: { retries: 0 }, outbox: { dir: '/unused' } },
        },
      ],
      options: {},
      deps: { openOutbox: box.open },
    });
    p.events.on('error', () => undefined);
    await p.start();
    await emitBothSources(ws, mqtt, acks);
    await vi.advanceTimersByTimeAsync(5000);
    await settle();
    expect(acks.failed).toEqual([]);
    expect(acks.handled).toHaveLength(2 * N);
    expect(box.entries.flatMap((e) => e.records as Ev[]).map((e) => e.key)).toEqual(entities.map((e) => `${e}@1`));
    expect(p.stats()).toMatchObject({
      received: 2 * N,
      outboxed: { influx: N },
      dropped: { duplicate: N },
      failed: 0,
      inFlight: 0,
    });
    await p.stop();
  });

  it('stop flushes the batch and settles the held copies with it: counts exact', async () => {
    const ws = manualSource<Ev>('ws');
    const mqtt = manualSource<Ev>('mqtt');
    const sink = memorySink<Ev>('influx');
    const acks = ackRecorder();
    const p = pipeline(ws.source, mqtt.source).dedupe().to(sink.sink, slowBatches).build();
    await p.start();
    await emitBothSources(ws, mqtt, acks);
    const stats = await p.stop();
    expect(sink.written).toHaveLength(N);
    expect(acks.handled).toHaveLength(2 * N);
    expect(stats).toMatchObject({
      received: 2 * N,
      processed: N,
      written: { influx: N },
      dropped: { duplicate: N },
      failed: 0,
      inFlight: 0,
    });
  });

  it('a stop that times out fails the held copies with their first copies: counts exact, nothing left waiting', async () => {
    const ws = manualSource<Ev>('ws');
    const mqtt = manualSource<Ev>('mqtt');
    const sink = manualSink<Ev>('influx'); // never resolves
    const acks = ackRecorder();
    const p = pipeline(ws.source, mqtt.source).dedupe().to(sink.sink, slowBatches).build({ stopTimeoutMs: 1000 });
    p.events.on('error', () => undefined);
    await p.start();
    await emitBothSources(ws, mqtt, acks);
    const stopping = p.stop();
    await vi.advanceTimersByTimeAsync(1000);
    const stats = await stopping;
    expect(sink.calls).toHaveLength(1);
    expect(acks.handled).toEqual([]);
    expect(acks.failed).toHaveLength(2 * N);
    expect(new Set(acks.failed.map(([, e]) => e.code))).toEqual(new Set(['TIMEOUT']));
    expect(stats).toMatchObject({ received: 2 * N, written: { influx: 0 }, dropped: {}, failed: 2 * N, inFlight: 0 });
  });

  it('a tap before dedupe gets both copies; the copy waits for the first copy at the taps after it', async () => {
    const ws = manualSource<Ev>('ws');
    const mqtt = manualSource<Ev>('mqtt');
    const raw = manualSink<Ev>('raw');
    const influx = manualSink<Ev>('influx');
    const acks = ackRecorder();
    const p = pipeline(ws.source, mqtt.source)
      .to(raw.sink, { batch: { maxSize: 2 } })
      .dedupe()
      .to(influx.sink, { batch: { maxSize: 1 } })
      .build();
    await p.start();
    await ws.ctx().emit(stateEvent('sensor.a', 1), acks.ack('ws'));
    await mqtt.ctx().emit(stateEvent('sensor.a', 1), acks.ack('mqtt'));
    await settle();
    expect(raw.calls.map((c) => c.batch.length)).toEqual([2]);
    expect(influx.calls.map((c) => c.batch.length)).toEqual([1]);
    influx.calls[0]?.resolve();
    await settle();
    expect(acks.handled).toEqual([]); // the raw tap has not written either copy yet
    raw.calls[0]?.resolve();
    await settle();
    expect(acks.handled).toEqual(['ws', 'mqtt']);
    expect(await p.stop()).toMatchObject({
      received: 2,
      written: { raw: 2, influx: 1 },
      dropped: { duplicate: 1 },
      inFlight: 0,
    });
  });

  it('keeps nothing per event once settled: 10k events with copies through the pipeline leave no in-flight state', async () => {
    const ws = manualSource<Ev>('ws');
    const mqtt = manualSource<Ev>('mqtt');
    const sink = memorySink<Ev>('influx');
    const p = pipeline(ws.source, mqtt.source)
      .dedupe()
      .to(sink.sink, { batch: { maxSize: 500, maxWaitMs: 5000 } })
      .build();
    await p.start();
    for (let i = 0; i < 10_000; i++) {
      const e = stateEvent(`sensor.s${i % 100}`, i);
      await ws.ctx().emit(e);
      await mqtt.ctx().emit(e);
    }
    await settle();
    expect(p.stats().inFlight).toBe(0); // each batch of 500 was written; its copies settled with it
    expect(await p.stop()).toMatchObject({
      received: 20_000,
      written: { influx: 10_000 },
      dropped: { duplicate: 10_000 },
      failed: 0,
      inFlight: 0,
    });
  });
});
