import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClient, flush } from '../test/support/fake-client.js';
import { recordingContext } from '../test/support/recording-context.js';
import { mqttSource } from './mqtt-source.js';
import type { MqttSourceOptions } from './options.js';

// Issue 11 regressions through the whole source: what reaches the dead-letter file, what gets its PUBACK.
const HOSTILE = '['.repeat(3000) + ']'.repeat(3000);
const LU = '2026-11-29T10:00:00.123456+00:00';

async function start(options: Partial<MqttSourceOptions>, context: { now?: () => number; autoAck?: boolean } = {}) {
  const clients: FakeClient[] = [];
  const createClient = (url: string, opts: IClientOptions) => {
    const c = new FakeClient(url, opts);
    clients.push(c);
    return c as unknown as MqttClient;
  };
  const source = mqttSource(
    {
      url: 'mqtt://broker:1883',
      subscriptions: [{ topic: 'ha/#', parser: 'statestream', statestream: { baseTopic: 'ha' } }],
      ...options,
    },
    { createClient },
  );
  const rec = recordingContext({ autoAck: true, ...context });
  const run = source.run(rec.ctx);
  clients[0]?.connack();
  await flush();
  const client = clients[0];
  if (client === undefined) throw new Error('no client');
  const stop = async () => {
    rec.controller.abort();
    await run;
  };
  const metric = async (name: string) =>
    (await rec.ctx.metrics.registry.getSingleMetricAsString(`ha_ingestor_${name}`)) ?? '';
  return { rec, client, clients, stop, metric };
}

describe('mqttSource hardening (issue 11)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('dead-letters (json_too_deep) and acks the exact 6 KB statestream message while other entities still flow', async () => {
    const { rec, client, stop, metric } = await start({});
    await client.deliver('ha/sensor/kitchen/state', '21', { messageId: 1, retain: true });
    await client.deliver('ha/sensor/kitchen/evil', HOSTILE, { messageId: 2, retain: true });
    await client.deliver('ha/light/desk/state', 'on', { messageId: 3 });
    await client.deliver('ha/light/desk/last_updated', LU, { messageId: 4 });
    // kitchen has no last_updated while the stream publishes them: it waits timestampWaitMs (2 s) for it.
    await vi.advanceTimersByTimeAsync(2500);
    expect(rec.deadLetters).toHaveLength(1);
    expect(rec.deadLetters[0]).toMatchObject({
      stage: 'source:mqtt',
      reason: 'json_too_deep',
      data: { topic: 'ha/sensor/kitchen/evil', retain: true },
    });
    // The dead-letter keeps the payload, cut at 4 KiB (base64 because the cut is not the whole payload).
    const raw = rec.deadLetters[0]?.raw as { base64?: string; truncated?: boolean } | undefined;
    expect(raw?.truncated).toBe(true);
    expect(Buffer.from(raw?.base64 ?? '', 'base64').toString()).toBe(HOSTILE.slice(0, 4096));
    expect(
      rec
        .events()
        .map((e) => e.entity_id)
        .sort(),
    ).toEqual(['light.desk', 'sensor.kitchen']);
    expect(client.pubacks).toEqual([1, 2, 3, 4]);
    expect(rec.errors).toEqual([]);
    expect(await metric('mqtt_messages_invalid_total')).toContain('reason="json_too_deep"} 1');
    await stop();
  });

  it('a throw inside the statestream timer is reported, dead-lettered as callback_failed and acked; the source keeps running', async () => {
    let broken = false;
    const { rec, client, stop } = await start(
      {},
      {
        now: () => {
          if (broken) throw new Error('injected clock failure');
          return Date.now();
        },
      },
    );
    await client.deliver('ha/sensor/a/state', '1', { messageId: 1 });
    await client.deliver('ha/sensor/a/unit', '"W"', { messageId: 2 });
    broken = true; // the window timer's next ctx.now() throws
    await vi.advanceTimersByTimeAsync(100);
    broken = false;
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toMatchObject({ code: 'INTERNAL', data: { callback: 'statestream assembly window' } });
    expect(rec.deadLetters.map((d) => [d.reason, d.data?.['topic']])).toEqual([
      ['callback_failed', 'ha/sensor/a/state'],
      ['callback_failed', 'ha/sensor/a/unit'],
    ]);
    expect(client.pubacks).toEqual([1, 2]);
    await client.deliver('ha/sensor/b/state', '2', { messageId: 3 });
    await client.deliver('ha/sensor/b/last_updated', LU, { messageId: 4 });
    await vi.advanceTimersByTimeAsync(100);
    expect(rec.events().map((e) => e.entity_id)).toEqual(['sensor.b']);
    expect(client.pubacks).toEqual([1, 2, 3, 4]);
    await stop();
  });

  it("a flood of 1,000 timestamp-less messages does not delay another entity's event beyond its normal window", async () => {
    const { rec, client, stop, metric } = await start({ maxInFlight: 1000 });
    // The stream publishes timestamps, so a change without last_updated would wait 2 s for it.
    await client.deliver('ha/sensor/ref/state', '0', { messageId: 1 });
    await client.deliver('ha/sensor/ref/last_updated', LU, { messageId: 2 });
    await vi.advanceTimersByTimeAsync(100);
    for (let i = 0; i < 1000; i++) void client.deliver(`ha/sensor/flood${i}/state`, '1', { messageId: 10 + i });
    await vi.advanceTimersByTimeAsync(500);
    // Before issue 11 all 1,000 were parked for 2 s and held the whole window: the next message was not read.
    const published = Date.now();
    void client.deliver('ha/light/desk/state', 'on', { messageId: 5000 });
    void client.deliver('ha/light/desk/last_updated', LU, { messageId: 5001 });
    await vi.advanceTimersByTimeAsync(99);
    expect(rec.events().some((e) => e.entity_id === 'light.desk')).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.events().some((e) => e.entity_id === 'light.desk')).toBe(true);
    expect(Date.now() - published).toBe(100);
    // The flood holds at most maxTimestampWaits (100) parked changes; everything before them is acked.
    expect(client.pubacks).toHaveLength(902);
    expect(await metric('mqtt_messages_in_flight')).toMatch(/} 10[0-2]$/m);
    expect(await metric('mqtt_evictions_total')).toMatch(/bound="statestream_wait_(pressure|limit)"} \d+/);
    // PUBACKs go out in receive order (MQTT §4.6), so desk's waits for the parked ones: at most timestampWaitMs.
    await vi.advanceTimersByTimeAsync(2000);
    expect(client.pubacks).toHaveLength(1004);
    expect(client.pubacks.at(-1)).toBe(5001);
    const flood = rec.events().filter((e) => e.entity_id.startsWith('sensor.flood'));
    expect(flood).toHaveLength(1000);
    expect(flood.every((e) => e.provenance.timeFromReceipt === true)).toBe(true);
    await stop();
  });

  it("a slow sink does not make statestream give up HA's timestamps: only messages held by parsers count as crowding", async () => {
    // Regression: with the crowding rule counting the whole ack window, a backlog waiting for the database
    // after a restart cut every timestamp wait, and the receipt-time keys stored second points beside the
    // WebSocket copies (reference-app kill -9 test, under load).
    const { rec, client, stop } = await start({ maxInFlight: 100 }, { autoAck: false });
    for (let i = 0; i < 45; i++) {
      await client.deliver(`ha/sensor/s${i}/state`, '1', { messageId: 1 + 2 * i });
      await client.deliver(`ha/sensor/s${i}/last_updated`, LU, { messageId: 2 + 2 * i });
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(rec.events()).toHaveLength(45); // 90 messages now wait for the (slow) pipeline, none acked
    expect(client.pubacks).toEqual([]);
    await client.deliver('ha/sensor/late/state', '7', { messageId: 200 });
    await vi.advanceTimersByTimeAsync(500); // its window closed long ago: it waits for last_updated
    await client.deliver('ha/sensor/late/last_updated', LU, { messageId: 201 });
    await vi.advanceTimersByTimeAsync(100);
    const late = rec.events().find((e) => e.entity_id === 'sensor.late');
    expect(late?.provenance.timeFromReceipt).toBeUndefined();
    expect(late?.key).toBe('sensor.late@1795946400123456'); // HA's last_updated, not the receipt time
    rec.handleAll();
    await flush();
    expect(client.pubacks).toHaveLength(92);
    await stop();
  });

  it('refuses wildcard discovery topics and caps dynamic subscriptions: dead-lettered, counted, logged once', async () => {
    const { rec, client, stop, metric } = await start({
      maxDynamicSubscriptions: 2,
      subscriptions: [{ topic: 'homeassistant/#', parser: 'discovery', discovery: { settleMs: 0 } }],
    });
    const cfg = (id: string, body: Record<string, unknown>, messageId: number) =>
      client.deliver(`homeassistant/sensor/${id}/config`, JSON.stringify(body), { messageId, retain: true });
    await cfg('wild', { stat_t: '#' }, 1);
    for (let i = 0; i < 4; i++) await cfg(`d${i}`, { stat_t: `dev/${i}`, obj_id: `d${i}` }, 2 + i);
    const subscribed = client.subscriptions.flatMap((s) => Object.keys(s));
    expect(subscribed).toEqual(['homeassistant/#', 'dev/0', 'dev/1']);
    expect(rec.deadLetters.map((d) => d.reason)).toEqual([
      'discovery_wildcard_topic',
      'discovery_subscription_limit',
      'discovery_subscription_limit',
    ]);
    expect(client.pubacks).toEqual([1, 2, 3, 4, 5]);
    expect(await metric('mqtt_dynamic_subscriptions_refused_total')).toContain('reason="limit"} 2');
    expect(rec.logs.filter((l) => l.includes('maxDynamicSubscriptions reached'))).toHaveLength(1);
    // Removing a config frees its slot and unsubscribes its topic.
    await client.deliver('homeassistant/sensor/d0/config', '', { messageId: 6, retain: true });
    await flush();
    expect(client.unsubscriptions).toEqual(['dev/0']);
    await cfg('d3', { stat_t: 'dev/3', obj_id: 'd3' }, 7);
    expect(client.subscriptions.flatMap((s) => Object.keys(s)).at(-1)).toBe('dev/3');
    await stop();
  });

  it("a half-assembled change is forgotten when the connection drops: its redelivery makes the one event, with HA's time", async () => {
    // Regression: the open assembly survived the reconnect, the redelivered `state` closed it as a
    // conflicting change without last_updated, and a receipt-time point was stored beside HA's.
    const { rec, client, clients, stop } = await start({ reconnect: { minDelayMs: 100, maxDelayMs: 100 } });
    await client.deliver('ha/sensor/x/last_updated', LU, { messageId: 1 }); // timestamps are published
    await client.deliver('ha/sensor/x/state', '1', { messageId: 2 });
    await vi.advanceTimersByTimeAsync(100);
    await client.deliver('ha/sensor/y/state', '5', { messageId: 3 }); // its last_updated is still on the way
    client.drop();
    await flush();
    await vi.advanceTimersByTimeAsync(200);
    const next = clients[1];
    if (next === undefined) throw new Error('no reconnect');
    next.connack(true);
    await flush();
    await next.deliver('ha/sensor/y/state', '5', { messageId: 3 }); // redelivered (unacknowledged)
    await next.deliver('ha/sensor/y/last_updated', LU, { messageId: 4 });
    await vi.advanceTimersByTimeAsync(2500);
    const y = rec.events().filter((e) => e.entity_id === 'sensor.y');
    expect(y).toHaveLength(1);
    expect(y[0]?.provenance.timeFromReceipt).toBeUndefined();
    expect(y[0]?.key).toBe('sensor.y@1795946400123456');
    expect(next.pubacks).toEqual([3, 4]);
    await stop();
  });

  it('unsubscribes a topic given up while disconnected on the next connect, and resubscribes the rest', async () => {
    const { client, clients, stop } = await start({
      subscriptions: [{ topic: 'homeassistant/#', parser: 'discovery', discovery: { settleMs: 0 } }],
    });
    await client.deliver('homeassistant/sensor/a/config', JSON.stringify({ stat_t: 'dev/a', obj_id: 'a' }), {
      messageId: 1,
      retain: true,
    });
    await client.deliver('homeassistant/sensor/b/config', JSON.stringify({ stat_t: 'dev/b', obj_id: 'b' }), {
      messageId: 2,
      retain: true,
    });
    client.drop();
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    const next = clients[1];
    if (next === undefined) throw new Error('no reconnect');
    // Before CONNACK the old connection's config removal arrives through the new client's session replay.
    next.connack(true);
    await flush();
    await next.deliver('homeassistant/sensor/a/config', '', { messageId: 1, retain: true });
    await flush();
    expect(Object.keys(next.subscriptions[0] ?? {})).toEqual(['homeassistant/#', 'dev/a', 'dev/b']);
    expect(next.unsubscriptions).toEqual(['dev/a']);
    await stop();
  });

  it('a client listener that throws before CONNACK is reported and fails the attempt; the source reconnects', async () => {
    const clients: FakeClient[] = [];
    const source = mqttSource(
      {
        url: 'mqtt://broker:1883',
        reconnect: { minDelayMs: 100, maxDelayMs: 100 },
        subscriptions: [{ topic: 'ha/#', parser: 'statestream' }],
      },
      {
        createClient: (url, opts) => {
          const c = new FakeClient(url, opts);
          clients.push(c);
          return c as unknown as MqttClient;
        },
        random: () => 1,
      },
    );
    const rec = recordingContext({ autoAck: true });
    const run = source.run(rec.ctx);
    clients[0]?.emit('connect', undefined); // a malformed CONNACK: reading sessionPresent throws inside the listener
    await flush();
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toMatchObject({ code: 'INTERNAL', data: { callback: 'mqtt connect' } });
    expect(rec.deadLetters).toMatchObject([{ reason: 'callback_failed', data: { callback: 'mqtt connect' } }]);
    expect(clients[0]?.disconnected).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    clients[1]?.connack();
    await flush();
    expect(rec.statuses.at(-1)).toMatchObject({ connected: true });
    rec.controller.abort();
    await run;
  });
});
