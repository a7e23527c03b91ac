import { ErrorCode, isSdkError, noopLogger, pipeline, SdkError, type Ack, type HaEvent } from '@ha-ingestor/core';
import {
  collectingSink,
  createTestContext,
  createTestSourceContext,
  makeStateChanged,
} from '@ha-ingestor/core/testing';
import type { TestSourceContext } from '@ha-ingestor/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireService } from '../../../../test-support/services.js';
import { natsSink, type NatsSink } from '../../src/nats-sink.js';
import { natsSource, type NatsSource } from '../../src/nats-source.js';
import { admin, events, newTarget } from './helpers.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function sinkFor(target: ReturnType<typeof newTarget>, home = 'home A'): NatsSink {
  const sink = natsSink({ ...target, home });
  cleanups.push(async () => sink.close?.());
  return sink;
}

/** Runs a source on a test context; stops it after the test. */
function runSource(source: NatsSource, ctx: TestSourceContext<HaEvent>): Promise<void> {
  const running = source.run(ctx);
  cleanups.push(async () => {
    ctx.abort();
    await running;
  });
  return running;
}

describe('natsSink → JetStream → natsSource (real nats-server)', () => {
  it('round trip through two pipelines: every event once, by key, with its home; a replayed batch is dropped by Msg-Id', async () => {
    const target = newTarget(requireService('nats').url);
    const sink = sinkFor(target);
    const ctx = createTestContext();
    await sink.open?.(ctx);
    const batch = events(120);
    await sink.write(batch, ctx);
    await sink.write(batch, ctx); // a replay (edge restarted before its checkpoint advanced)
    expect(sink.status()).toMatchObject({
      connected: true,
      published: 120,
      duplicates: 120,
      failed: 0,
      pendingAcks: 0,
    });
    const exposition = await ctx.metrics.registry.metrics();
    expect(exposition).toContain('ha_ingestor_nats_sink_publishes_total{sink="nats",result="duplicate"} 120');
    expect(exposition).toContain('ha_ingestor_nats_sink_publishes_total{sink="nats",result="stored"} 120');

    const a = await admin(target.servers);
    cleanups.push(a.close);
    const info = await a.stream(target.stream);
    expect(info.state.messages).toBe(120);
    expect(info.config.subjects).toEqual([`${target.subjectPrefix}.>`]);

    const collected = collectingSink<HaEvent>();
    const source = natsSource({ ...target, consumer: 'writers' });
    const writer = pipeline(source)
      .to(collected, { batch: { maxSize: 50, maxWaitMs: 20 } })
      .build();
    await writer.start();
    await vi.waitFor(() => expect(collected.written()).toHaveLength(120), { timeout: 10_000, interval: 20 });
    await writer.stop();
    const written = collected.written();
    expect(new Set(written.map((e) => e.key)).size).toBe(120);
    expect(written.map((e) => e.key).sort()).toEqual(batch.map((e) => e.key).sort());
    for (const e of written) {
      expect(e.provenance).toMatchObject({ source: 'nats', mode: 'live', home: 'home A' });
      expect(e.provenance.topic).toBe(`${target.subjectPrefix}.home_A.sensor`);
    }
    // Every message acknowledged once handled: nothing pending on the durable.
    await vi.waitFor(
      async () => {
        const c = await a.consumer(target.stream, 'writers');
        expect(c.num_ack_pending).toBe(0);
        expect(c.num_pending).toBe(0);
      },
      { timeout: 5000, interval: 50 },
    );
    expect(source.status()).toMatchObject({ acked: 120, naked: 0, invalid: 0, redelivered: 0, pendingAcks: 0 });
  });

  it('a batch the pipeline could not make durable is nak-ed, redelivered, and handled once', async () => {
    const target = newTarget(requireService('nats').url);
    const sink = sinkFor(target);
    await sink.write(events(20), createTestContext());

    const handledKeys: string[] = [];
    let failures = 0;
    const base = createTestSourceContext<HaEvent>({ ack: 'none' });
    const ctx: TestSourceContext<HaEvent> = {
      ...base,
      emitBatch: async (batch, ack?: Ack) => {
        await base.emitBatch(batch);
        if (failures === 0) {
          failures++;
          ack?.onFailed?.(new SdkError(ErrorCode.SINK_UNAVAILABLE, 'database down', { retryable: true }));
          return;
        }
        handledKeys.push(...batch.map((e) => e.key));
        ack?.onHandled();
      },
    };
    const source = natsSource({ ...target, nakDelayMs: 100 });
    void runSource(source, ctx);
    await vi.waitFor(() => expect(new Set(handledKeys).size).toBe(20), { timeout: 10_000, interval: 20 });
    expect(handledKeys).toHaveLength(20);
    const status = source.status();
    expect(status.naked).toBeGreaterThan(0);
    expect(status.redelivered).toBe(status.naked);
    expect(status.acked).toBe(20);
    const a = await admin(target.servers);
    cleanups.push(a.close);
    await vi.waitFor(async () => expect((await a.consumer(target.stream, 'writer')).num_ack_pending).toBe(0), {
      timeout: 5000,
      interval: 50,
    });
  });

  it('stops pulling while its buffer holds maxBuffered messages, takes up again as the pipeline drains: none dropped, each once', async () => {
    const target = newTarget(requireService('nats').url);
    const sink = sinkFor(target);
    for (let i = 0; i < 3; i++) await sink.write(events(100, i * 100), createTestContext());

    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const handledKeys: string[] = [];
    const base = createTestSourceContext<HaEvent>({ ack: 'none' });
    const ctx: TestSourceContext<HaEvent> = {
      ...base,
      // A pipeline that takes nothing until the gate opens (a slow database).
      emitBatch: async (batch, ack?: Ack) => {
        await gate;
        await base.emitBatch(batch);
        handledKeys.push(...batch.map((e) => e.key));
        ack?.onHandled();
      },
    };
    const source = natsSource({ ...target, batchSize: 10, maxBuffered: 20 });
    void runSource(source, ctx);
    cleanups.push(async () => open()); // runs before the source's stop, which waits for the batch in emitBatch
    // One batch waits in emitBatch, the buffer fills to its bound and the source stops pulling.
    await vi.waitFor(() => expect(source.status()).toMatchObject({ buffered: 20, bufferFull: 1 }), {
      timeout: 10_000,
      interval: 10,
    });
    expect(source.status().pendingAcks).toBeGreaterThan(0);
    expect(source.status().pendingAcks).toBeLessThanOrEqual(10);
    const a = await admin(target.servers);
    cleanups.push(a.close);
    const held = await a.consumer(target.stream, 'writer');
    // Delivered at most: the batch in emitBatch (10) + the buffer (20) + one pull the client took (10); far below
    // max_ack_pending (10,000): the rest waits in the stream.
    expect(held.num_ack_pending).toBeLessThanOrEqual(40);
    expect(held.num_pending).toBeGreaterThanOrEqual(260);
    expect(await ctx.metrics.registry.metrics()).toContain(
      'ha_ingestor_nats_source_buffer_full_total{source="nats"} 1',
    );

    open();
    await vi.waitFor(() => expect(handledKeys).toHaveLength(300), { timeout: 10_000, interval: 20 });
    expect(new Set(handledKeys).size).toBe(300);
    expect(source.status()).toMatchObject({ acked: 300, buffered: 0, pendingAcks: 0, redelivered: 0 });
    expect(source.status().bufferFull).toBeGreaterThanOrEqual(1);
  });

  it('two writers on one durable share the work: each message goes to one of them', async () => {
    const target = newTarget(requireService('nats').url);
    const first = createTestSourceContext<HaEvent>();
    const second = createTestSourceContext<HaEvent>();
    // Small batches so both writers get pulls while the messages arrive.
    void runSource(natsSource({ ...target, batchSize: 10 }), first);
    void runSource(natsSource({ ...target, batchSize: 10 }), second);
    await vi.waitFor(() =>
      expect(first.statuses.some((s) => s.connected && /consuming/.test(s.message ?? ''))).toBe(true),
    );
    await vi.waitFor(() =>
      expect(second.statuses.some((s) => s.connected && /consuming/.test(s.message ?? ''))).toBe(true),
    );
    const sink = sinkFor(target);
    const ctx = createTestContext();
    for (let i = 0; i < 10; i++) await sink.write(events(40, i * 40), ctx);
    await vi.waitFor(() => expect(first.events.length + second.events.length).toBe(400), {
      timeout: 10_000,
      interval: 20,
    });
    expect(first.events.length).toBeGreaterThan(0);
    expect(second.events.length).toBeGreaterThan(0);
    const keys = [...first.events, ...second.events].map((e) => e.key);
    expect(new Set(keys).size).toBe(400);
  });

  it('an undecodable message is dead-lettered with its reason and terminated; the next one still arrives', async () => {
    const target = newTarget(requireService('nats').url);
    const sink = sinkFor(target);
    await sink.write(events(1), createTestContext()); // creates the stream
    const a = await admin(target.servers);
    cleanups.push(a.close);
    const js = jetstream(a.nc);
    await js.publish(`${target.subjectPrefix}.x.sensor`, Uint8Array.of(9, 123, 125));
    await js.publish(`${target.subjectPrefix}.x.sensor`, Buffer.concat([Uint8Array.of(1), Buffer.from('{not json')]));
    await js.publish(`${target.subjectPrefix}.x.sensor`, Buffer.concat([Uint8Array.of(1), Buffer.from('{"key":1}')]));
    await sink.write(events(1, 1), createTestContext());

    const ctx = createTestSourceContext<HaEvent>();
    const source = natsSource({ ...target, ackWaitMs: 1000 });
    void runSource(source, ctx);
    await vi.waitFor(() => expect(ctx.events).toHaveLength(2), { timeout: 10_000, interval: 20 });
    await vi.waitFor(() => expect(ctx.deadLetters).toHaveLength(3));
    expect(ctx.deadLetters.map((d) => d.reason)).toEqual(['unknown_format_version', 'invalid_json', 'invalid_event']);
    expect(ctx.deadLetters[0]?.message).toMatch(/unknown format version 9/);
    expect(ctx.deadLetters[0]?.stage).toBe('source:nats');
    expect(source.status().invalid).toBe(3);
    // Terminated, not left for redelivery: past ack_wait nothing is pending and nothing came back.
    await vi.waitFor(
      async () => {
        const c = await a.consumer(target.stream, 'writer');
        expect(c.num_ack_pending).toBe(0);
      },
      { timeout: 5000, interval: 50 },
    );
    expect(ctx.deadLetters).toHaveLength(3);
  });

  it('rejects an event larger than max_payload by index with a clear reason; the rest is written', async () => {
    const target = newTarget(requireService('nats').url);
    const sink = sinkFor(target);
    const big = makeStateChanged({ entity_id: 'sensor.big', attributes: { blob: 'x'.repeat(1_100_000) } });
    const result = await sink.write([...events(2), big], createTestContext());
    expect(result?.rejected).toEqual([
      expect.objectContaining({ index: 2, reason: 'payload_too_large', message: expect.stringMatching(/max_payload/) }),
    ]);
    expect(sink.status().published).toBe(2);
  });

  it('write rejects with a retryable SINK_UNAVAILABLE when no server answers', async () => {
    const sink = natsSink({ servers: 'nats://127.0.0.1:1', home: 'h', connectTimeoutMs: 500 });
    cleanups.push(async () => sink.close?.());
    const error: unknown = await sink.write(events(1), createTestContext()).catch((e: unknown) => e);
    expect(isSdkError(error, ErrorCode.SINK_UNAVAILABLE)).toBe(true);
    expect((error as SdkError).retryable).toBe(true);
    expect(sink.status().connected).toBe(false);
  });

  it('publishes with Nats-Msg-Id <home>:<key> on <prefix>.<home token>.<domain>', async () => {
    const target = newTarget(requireService('nats').url);
    const sink = sinkFor(target, 'Home 7/north.wing');
    const [event] = events(1);
    if (event === undefined) throw new Error('no event');
    await sink.write([event], createTestContext());
    const a = await admin(target.servers);
    cleanups.push(a.close);
    const js = jetstream(a.nc);
    const c = await js.consumers.get(target.stream);
    const m = await c.next({ expires: 2000 });
    expect(m?.subject).toBe(`${target.subjectPrefix}.Home_7_north_wing.sensor`);
    expect(m?.headers?.get('Nats-Msg-Id')).toBe(`Home 7/north.wing:${event.key}`);
    expect(m?.data[0]).toBe(1);
  });

  it('leaves an existing stream unchanged (warning on other settings) and refuses one that does not capture the prefix', async () => {
    const target = newTarget(requireService('nats').url);
    const a = await admin(target.servers);
    cleanups.push(a.close);
    const jsm = await jetstreamManager(a.nc);
    await jsm.streams.add({
      name: target.stream,
      subjects: [`${target.subjectPrefix}.>`],
      duplicate_window: 60_000_000_000,
    });
    const warnings: string[] = [];
    const ctx = createTestContext({
      logger: { ...noopLogger, warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? '') },
    });
    const sink = sinkFor(target);
    await sink.open?.(ctx);
    await sink.write(events(1), ctx);
    expect((await a.stream(target.stream)).config.duplicate_window).toBe(60_000_000_000);
    expect(warnings.some((w) => /exists with other settings; left unchanged/.test(w))).toBe(true);

    const other = newTarget(requireService('nats').url);
    await jsm.streams.add({ name: other.stream, subjects: [`elsewhere.${other.stream}`] });
    const wrong = sinkFor(other);
    const error: unknown = await wrong.write(events(1), createTestContext()).catch((e: unknown) => e);
    expect(isSdkError(error, ErrorCode.CONFIG_INVALID)).toBe(true);
    expect((error as SdkError).message).toMatch(/does not capture/);
  });
});
