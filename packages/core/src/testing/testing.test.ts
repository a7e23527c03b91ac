import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DROP, defineEnricher } from '../component/enricher.js';
import { ErrorCode, isSdkError } from '../model/errors.js';
import type { StateChangedEvent } from '../model/event.js';
import { eventKey } from '../model/identity.js';
import { arraySource } from './array-source.js';
import { collectingSink, type CollectingSink } from './collecting-sink.js';
import { createTestContext } from './context.js';
import { TEST_EVENT_TIME, makeStateChanged } from './events.js';
import { createTestSourceContext } from './source-context.js';
import { testEnricher } from './test-enricher.js';
import { testSink } from './test-sink.js';
import { testSource } from './test-source.js';

// --- the suites run against the helpers (so the suites themselves are exercised) ---

let lastSink: CollectingSink<StateChangedEvent> | undefined;
testSink({
  name: 'collectingSink',
  create: () => (lastSink = collectingSink<StateChangedEvent>()),
  sampleEvents: () => [makeStateChanged(), makeStateChanged({ entity_id: 'light.kitchen', state: 'on' })],
  read: async () => lastSink?.written() ?? [],
  additionalTests: ({ sink, ctx }) => {
    it('rejects with the configured SdkError while told to fail', async () => {
      (sink() as CollectingSink<StateChangedEvent>).failNext(1);
      await expect(sink().write([makeStateChanged()], ctx())).rejects.toMatchObject({
        code: ErrorCode.SINK_UNAVAILABLE,
      });
    });
  },
});

testSource({
  name: 'arraySource',
  create: () =>
    arraySource([makeStateChanged(), makeStateChanged({ state: '22', last_updated: TEST_EVENT_TIME + 1 })], {
      name: 'test',
    }),
});

const tempLabel = defineEnricher({
  name: 'temp-label',
  options: z.object({ threshold: z.number().default(20).describe('Above this a temperature is "warm"') }),
  create: (opts) => ({
    enrich: (event: { state: string | null; entity_id: string }) => {
      if (event.entity_id.startsWith('sensor.ignored')) return DROP;
      return { label: Number(event.state) > opts.threshold ? 'warm' : 'cold' };
    },
  }),
});
testEnricher({
  name: 'temp-label',
  create: () => tempLabel({ threshold: 21 }),
  sampleEvents: () => [
    makeStateChanged({ state: '25' }),
    makeStateChanged({ state: '10' }),
    makeStateChanged({ entity_id: 'sensor.ignored_x' }),
  ],
});

// --- the helpers ---

describe('makeStateChanged', () => {
  it('builds a consistent event with key and provenance', () => {
    const e = makeStateChanged({ entity_id: 'binary_sensor.door', state: 'on', last_updated: 123 });
    expect(e).toMatchObject({ domain: 'binary_sensor', object_id: 'door', time_fired: 123, last_changed: 123 });
    expect(e.key).toBe(eventKey({ event_type: 'state_changed', entity_id: 'binary_sensor.door', time: 123 }));
    expect(e.provenance).toEqual({ source: 'test', mode: 'live', receivedAt: 123 });
  });

  it('keeps explicit null state and context', () => {
    const e = makeStateChanged({ state: null, context: null });
    expect(e.state).toBeNull();
    expect(e.context).toBeNull();
  });
});

describe('collectingSink', () => {
  it('records accepted batches only, and reports rejected events by index', async () => {
    const sink = collectingSink<StateChangedEvent>({ reject: (e) => (e.state === 'bad' ? 'invalid' : undefined) });
    const ctx = createTestContext();
    sink.failNext(1);
    await expect(sink.write([makeStateChanged()], ctx)).rejects.toSatisfy((e: unknown) =>
      isSdkError(e, ErrorCode.SINK_UNAVAILABLE),
    );
    expect(sink.written()).toEqual([]);
    const result = await sink.write([makeStateChanged(), makeStateChanged({ state: 'bad' })], ctx);
    expect(result?.rejected).toEqual([{ index: 1, reason: 'invalid', message: expect.any(String) }]);
    expect(sink.written()).toHaveLength(1);
    expect(sink.writeCalls()).toBe(2);
  });

  it('hangs while held until released, and a held write rejects with ABORTED on abort', async () => {
    const sink = collectingSink();
    const ctx = createTestContext();
    sink.hold();
    let done = false;
    const pending = sink.write([1], ctx).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    sink.release();
    await pending;
    expect(sink.written()).toEqual([1]);

    sink.hold();
    const aborted = createTestContext();
    const hanging = sink.write([2], aborted);
    aborted.abort();
    await expect(hanging).rejects.toMatchObject({ code: ErrorCode.ABORTED });
  });

  it('counts closes and refuses writes after close', async () => {
    const sink = collectingSink();
    await sink.close?.();
    await sink.close?.();
    expect(sink.closeCalls()).toBe(2);
    await expect(sink.write([1], createTestContext())).rejects.toMatchObject({ code: ErrorCode.SINK_UNAVAILABLE });
  });
});

describe('arraySource', () => {
  it('emits in order, counts acks, and returns after abort', async () => {
    const source = arraySource([1, 2, 3]);
    const ctx = createTestSourceContext<number>();
    const running = source.run(ctx);
    await expect.poll(() => ctx.events.length).toBe(3);
    expect(ctx.events).toEqual([1, 2, 3]);
    expect(source.handled()).toBe(3);
    ctx.abort();
    await running;
  });

  it('emits one batch when asked and returns at once when finite', async () => {
    const source = arraySource(['a', 'b'], { batch: true, finite: true });
    const ctx = createTestSourceContext<string>({ ack: 'none' });
    await source.run(ctx);
    expect(ctx.events).toEqual(['a', 'b']);
    expect(source.handled()).toBe(0);
    expect(source.emitted()).toBe(2);
  });
});

describe('createTestContext', () => {
  it('collects dead letters and reported errors, and follows overrides', () => {
    const ctx = createTestContext({ now: () => 42 });
    ctx.deadLetter({ stage: 'validate', reason: 'invalid', message: 'bad' });
    ctx.report(new Error('x'));
    expect(ctx.now()).toBe(42);
    expect(ctx.deadLetters).toHaveLength(1);
    expect(ctx.reported).toHaveLength(1);
    expect(ctx.signal.aborted).toBe(false);
    ctx.abort();
    expect(ctx.signal.aborted).toBe(true);
  });
});
