import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSdkError } from '@ha-ingestor/core';
import { FakeClient, flush } from '../test/support/fake-client.js';
import { recordingContext } from '../test/support/recording-context.js';
import { mqttSource } from './mqtt-source.js';
import type { MqttSourceOptions } from './options.js';

function setup(options: Partial<MqttSourceOptions> = {}, random = () => 1) {
  const clients: FakeClient[] = [];
  const createClient = (url: string, opts: IClientOptions) => {
    const c = new FakeClient(url, opts);
    clients.push(c);
    return c as unknown as MqttClient;
  };
  const source = mqttSource(
    {
      url: 'mqtt://user:pw@broker:1883',
      subscriptions: [
        { topic: 'sensors/+room/+metric', parser: 'plain', plain: { entityId: 'sensor.{room}_{metric}' } },
      ],
      ...options,
    },
    { createClient, random },
  );
  const rec = recordingContext();
  return { source, rec, clients, client: () => clients.at(-1) };
}

describe('mqttSource', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the PUBACK only after the pipeline handled the message, in receive order', async () => {
    const { source, rec, client } = setup();
    const run = source.run(rec.ctx);
    client()?.connack();
    await flush();
    const c = client();
    if (c === undefined) throw new Error('no client');
    const skipped = await c.deliver('sensors/kitchen/temp', '21', { messageId: 1 });
    await c.deliver('sensors/kitchen/hum', '40', { messageId: 2 });
    expect(skipped).toBeInstanceOf(Error); // mqtt.js then sends no PUBACK of its own
    expect(rec.events().map((e) => e.entity_id)).toEqual(['sensor.kitchen_temp', 'sensor.kitchen_hum']);
    expect(c.pubacks).toEqual([]);
    rec.emits[1]?.ack?.onHandled();
    expect(c.pubacks).toEqual([]);
    rec.emits[0]?.ack?.onHandled();
    expect(c.pubacks).toEqual([1, 2]);
    rec.controller.abort();
    await run;
  });

  it('acks dead-lettered messages at once, counted by reason, and keeps reading', async () => {
    const { source, rec, client } = setup({
      maxPayloadBytes: 16,
      subscriptions: [{ topic: '#', parser: 'json', json: { baseTopic: 'z' } }],
    });
    const run = source.run(rec.ctx);
    client()?.connack();
    await flush();
    const c = client();
    if (c === undefined) throw new Error('no client');
    await c.deliver('z/a', Buffer.from([0xc3, 0x28]), { messageId: 1 });
    await c.deliver('z/a', '{not json', { messageId: 2 });
    await c.deliver('z/a', `{"x":"${'y'.repeat(40)}"}`, { messageId: 3 });
    await c.deliver('q/a', '{}', { messageId: 4 });
    await c.deliver('z/a', '{"state":"1"}', { messageId: 5 });
    expect(rec.deadLetters.map((d) => d.reason)).toEqual([
      'invalid_utf8',
      'invalid_json',
      'payload_too_large',
      'unexpected_topic',
    ]);
    expect(rec.deadLetters[0]).toMatchObject({ stage: 'source:mqtt', raw: { base64: 'wyg=' }, data: { topic: 'z/a' } });
    expect(c.pubacks).toEqual([1, 2, 3, 4]);
    const text = await rec.ctx.metrics.registry.getSingleMetricAsString('ha_ingestor_mqtt_messages_invalid_total');
    expect(text).toContain('reason="invalid_json"} 1');
    rec.controller.abort();
    await run;
  });

  it('gives messages received in the same millisecond distinct receipt times (distinct keys)', async () => {
    const { source, rec, client } = setup();
    const run = source.run(rec.ctx);
    client()?.connack();
    await flush();
    const c = client();
    if (c === undefined) throw new Error('no client');
    for (let i = 1; i <= 3; i++) await c.deliver('sensors/a/t', String(i), { messageId: i });
    const keys = rec.events().map((e) => e.key);
    expect(new Set(keys).size).toBe(3);
    expect(rec.events().map((e) => e.time_fired)).toEqual(
      [...rec.events().map((e) => e.time_fired)].sort((a, b) => a - b),
    );
    rec.controller.abort();
    await run;
  });

  it('holds unmapped messages during the discovery settle time, then maps or dead-letters them', async () => {
    const { source, rec, client } = setup({
      subscriptions: [{ topic: 'homeassistant/#', parser: 'discovery', discovery: { settleMs: 500 } }],
    });
    const run = source.run(rec.ctx);
    client()?.connack(true);
    await flush();
    const c = client();
    if (c === undefined) throw new Error('no client');
    // Queued in the session: device state before the retained configs.
    await c.deliver('dev/known', '5', { messageId: 1 });
    await c.deliver('dev/unknown', '6', { messageId: 2 });
    await c.deliver('homeassistant/sensor/known/config', JSON.stringify({ stat_t: 'dev/known', obj_id: 'known' }), {
      messageId: 3,
      retain: true,
    });
    expect(rec.deadLetters).toEqual([]);
    expect(c.pubacks).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(rec.events().map((e) => [e.entity_id, e.state])).toEqual([['sensor.known', '5']]);
    expect(rec.deadLetters.map((d) => [d.reason, d.data?.['topic']])).toEqual([['unmapped_topic', 'dev/unknown']]);
    rec.handleAll();
    expect(c.pubacks).toEqual([1, 2, 3]);
    rec.controller.abort();
    await run;
  });

  it('dead-letters and acks a message whose custom parser throws, and reports the error', async () => {
    const clients: FakeClient[] = [];
    const parsers = {
      boom: {
        name: 'boom',
        parse: () => {
          throw new Error('kaput');
        },
      },
    };
    const source = mqttSource(
      { url: 'mqtt://broker', subscriptions: [{ topic: '#', parser: 'boom' }] },
      {
        parsers,
        createClient: (url, opts) => {
          const c = new FakeClient(url, opts);
          clients.push(c);
          return c as unknown as MqttClient;
        },
      },
    );
    const rec = recordingContext();
    const run = source.run(rec.ctx);
    clients[0]?.connack();
    await flush();
    await clients[0]?.deliver('a/b', 'x', { messageId: 9 });
    expect(rec.deadLetters.map((d) => d.reason)).toEqual(['parser_error']);
    expect(rec.errors).toHaveLength(1);
    expect(clients[0]?.pubacks).toEqual([9]);
    rec.controller.abort();
    await run;
  });

  it('stops reading at maxInFlight unacknowledged messages and resumes when they are handled', async () => {
    const { source, rec, client } = setup({ maxInFlight: 2 });
    const run = source.run(rec.ctx);
    client()?.connack();
    await flush();
    const c = client();
    if (c === undefined) throw new Error('no client');
    await c.deliver('sensors/a/t', '1', { messageId: 1 });
    await c.deliver('sensors/a/t', '2', { messageId: 2 });
    let third = false;
    const pending = c.deliver('sensors/a/t', '3', { messageId: 3 }).then(() => {
      third = true;
    });
    await flush();
    expect(third).toBe(false);
    expect(rec.emits).toHaveLength(2);
    rec.handleAll();
    await pending;
    expect(rec.emits).toHaveLength(3);
    rec.controller.abort();
    await run;
  });

  it('reconnects with capped exponential backoff and full jitter, with the same client id', async () => {
    const { source, rec, clients } = setup({ reconnect: { minDelayMs: 100, maxDelayMs: 400 } });
    const run = source.run(rec.ctx);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await flush();
      const before = clients.length;
      clients.at(-1)?.drop();
      await flush();
      const status = rec.statuses.at(-1)?.message ?? '';
      delays.push(Number(/reconnecting in ([\d.]+) s/.exec(status)?.[1]) * 1000);
      await vi.advanceTimersByTimeAsync(1000);
      expect(clients.length).toBe(before + 1);
    }
    expect(delays).toEqual([100, 200, 400, 400]);
    expect(new Set(clients.map((c) => c.options.clientId)).size).toBe(1);
    rec.controller.abort();
    await run;
  });

  it('fails fatally with AUTH_FAILED on a refused CONNACK, never showing the password', async () => {
    const { source, rec, client } = setup({
      url: 'mqtt://hauser:Sup3rS3cret!@broker:1883',
      password: 'Sup3rS3cret!',
      username: 'hauser',
    });
    const run = source.run(rec.ctx);
    client()?.refuse(135);
    const error = await run.catch((e: unknown) => e);
    expect(isSdkError(error, 'AUTH_FAILED')).toBe(true);
    const everything = JSON.stringify([String(error), error, rec.statuses, rec.logs]);
    expect(everything).not.toContain('Sup3rS3cret!');
    expect(String(error)).toContain('hauser');
  });

  it('configures a persistent v5 session: fixed reconnectPeriod 0, session expiry, receive maximum', async () => {
    const { source, rec, client } = setup({ maxInFlight: 50 });
    const run = source.run(rec.ctx);
    expect(client()?.options).toMatchObject({
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 604800, receiveMaximum: 50 },
    });
    expect(client()?.options.clientId).toMatch(/^ha-ingestor-[0-9a-f]{12}$/);
    rec.controller.abort();
    await run;
  });

  it('does not ack and reconnects when the pipeline could not store a message', async () => {
    const { source, rec, clients } = setup();
    const run = source.run(rec.ctx);
    clients[0]?.connack();
    await flush();
    await clients[0]?.deliver('sensors/a/t', '1', { messageId: 1 });
    rec.failAll();
    await flush();
    expect(clients[0]?.pubacks).toEqual([]);
    expect(clients[0]?.disconnected).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(clients).toHaveLength(2);
    rec.controller.abort();
    await run;
  });
});
