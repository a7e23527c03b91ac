import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../model/errors.js';
import { createRuntime } from './runtime.js';
import { ackRecorder, listSource, manualSink, settle, stateEvent } from '../../test/runtime-test-kit.js';

type Ev = ReturnType<typeof stateEvent>;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('stop() with a source waiting in emit (issue 11)', () => {
  // Regression: a source blocked in emit (the intake full because the sink could not keep up) held stop() for
  // the whole stop timeout (30 s on SIGINT), because the emit waited for queue space ignoring the stop.
  it('refuses the waiting emit at once (ABORTED, its ack fails, the source keeps it) and stops without the timeout', async () => {
    const acks = ackRecorder();
    const events = [1, 2, 3, 4, 5].map((t) => stateEvent('sensor.a', t));
    const sink = manualSink<Ev>('db');
    const p = createRuntime({
      sources: [listSource(events, (e) => acks.ack(String(e.time_fired)))],
      stages: [{ kind: 'sink', sink: sink.sink, delivery: { batch: { maxSize: 1 }, maxQueued: 1 } }],
      options: { maxQueued: 1, stageBatchSize: 1 }, // the default stopTimeoutMs: 30 s
    });
    p.events.on('error', () => undefined);
    await p.start();
    await settle();
    // 1 is being written, 2 waits for the sink's buffer, 3 fills the intake, 4 waits in emit.
    expect(sink.calls.map((c) => c.batch.map((e) => e.time_fired))).toEqual([[1]]);
    expect(p.stats()).toMatchObject({ received: 4, inFlight: 3 });

    const startedAt = Date.now();
    let stopped = false;
    const stopping = p.stop().then((s) => {
      stopped = true;
      return s;
    });
    await settle();
    expect(acks.failed.map(([label, e]) => [label, e.code])).toEqual([['4', ErrorCode.ABORTED]]);
    expect(p.health().components.find((c) => c.kind === 'source')).toMatchObject({ status: 'ok', message: 'finished' });
    // The sink answers: what was accepted before the stop is still written, and stop needs no timer.
    while (!stopped) {
      for (const call of sink.calls.splice(0)) call.resolve();
      await settle();
    }
    const stats = await stopping;
    expect(Date.now()).toBe(startedAt);
    expect(stats).toMatchObject({ received: 4, written: { db: 3 }, failed: 1, inFlight: 0 });
    expect(acks.handled).toEqual(['1', '2', '3']);
  });
});
