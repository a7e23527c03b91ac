import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { formatHaTime, isSdkError } from '@ha-ingestor/core';
import { waitFor } from '@ha-ingestor/core/testing';
import { mqttSource } from '../../src/mqtt-source.js';
import { createStatestreamPublisher } from '../../src/statestream-publisher.js';
import type { HaWireStateChanged } from '../../src/statestream-publisher.js';
import type { BrokerTarget } from '../support/brokers.js';
import { startAedes, startMosquitto } from '../support/brokers.js';
import { publisher, quiet, startSource } from '../support/harness.js';
import { recordingContext } from '../support/recording-context.js';

// `websockets`: whether the broker offers an MQTT-over-websockets listener (aedes here does not), so
// the ws:// test is only registered where it can run (no skipped test in CI).
const targets: { name: string; websockets: boolean; start: () => Promise<BrokerTarget | undefined> }[] = [
  { name: 'mosquitto (MQTT 5)', websockets: true, start: startMosquitto },
  { name: 'aedes (MQTT 3.1.1)', websockets: false, start: startAedes },
];

const T0 = Date.UTC(2026, 10, 29, 10, 0, 0) * 1000;

/** An HA-wire state_changed event (times in µs turned into HA's ISO text). */
function change(
  entityId: string,
  state: string,
  attributes: Record<string, unknown>,
  lastUpdatedUs: number,
): HaWireStateChanged {
  const iso = formatHaTime(lastUpdatedUs);
  return {
    event_type: 'state_changed',
    data: {
      entity_id: entityId,
      new_state: { entity_id: entityId, state, attributes, last_changed: iso, last_updated: iso },
    },
  };
}

describe.each(targets)('mqttSource on $name', ({ start, websockets }) => {
  let target: BrokerTarget | undefined;
  let pub: MqttClient | undefined;

  beforeAll(async () => {
    target = await start();
    if (target !== undefined) pub = await publisher(target);
  });
  afterAll(async () => {
    await pub?.endAsync();
    await target?.close();
  });

  const broker = (): BrokerTarget => {
    if (target === undefined) throw new Error('unreachable: broker missing');
    return target;
  };
  const client = (): MqttClient => {
    if (pub === undefined) throw new Error('unreachable: publisher missing');
    return pub;
  };

  it('assembles statestream state, timestamps and per-attribute topics into one event per change', async (t) => {
    if (target === undefined) return t.skip();
    const src = await startSource(
      broker(),
      { subscriptions: [{ topic: 'ss1/#', parser: 'statestream', statestream: { baseTopic: 'ss1' } }] },
      { autoAck: true },
    );
    const states = await createStatestreamPublisher({
      client: client(),
      baseTopic: 'ss1',
      publishAttributes: true,
      publishTimestamps: true,
    });
    await states.publish(
      change(
        'sensor.kitchen_temp',
        '21.5',
        { unit_of_measurement: '°C', friendly_name: 'Kitchen', state_class: 'measurement' },
        T0 + 123_456,
      ),
    );
    await states.publish(change('light.desk', 'on', { brightness: 128, rgb_color: [255, 0, 0] }, T0 + 200_001));
    await states.publish(
      change(
        'sensor.kitchen_temp',
        '21.6',
        { unit_of_measurement: '°C', friendly_name: 'Kitchen', state_class: 'measurement' },
        T0 + 60_000_000,
      ),
    );
    await waitFor(() => src.rec.events().length, '3 emitted events', { until: (n) => n >= 3, timeoutMs: 10_000 });
    await quiet(200);
    await src.stop();
    const events = src.rec.events();
    expect(events.map((e) => e.key).sort()).toEqual([
      `light.desk@${T0 + 200_001}`,
      `sensor.kitchen_temp@${T0 + 123_456}`,
      `sensor.kitchen_temp@${T0 + 60_000_000}`,
    ]);
    const desk = events.find((e) => e.entity_id === 'light.desk');
    expect(desk).toMatchObject({
      state: 'on',
      attributes: { brightness: 128, rgb_color: [255, 0, 0] },
      last_updated: T0 + 200_001,
      provenance: { qos: 1, retain: false },
    });
    expect(desk?.provenance.timeFromReceipt).toBeUndefined();
    expect(events.find((e) => e.last_updated === T0 + 60_000_000)?.old_state?.state).toBe('21.5');
    expect(src.rec.deadLetters).toEqual([]);
  });

  it('drops the retained replay after a reconnect: no duplicate events', async (t) => {
    if (target === undefined) return t.skip();
    const states = await createStatestreamPublisher({
      client: client(),
      baseTopic: 'ss2',
      publishAttributes: true,
      publishTimestamps: false,
    });
    await states.publish(change('sensor.a', '1', { unit_of_measurement: 'W' }, T0));
    await states.publish(change('sensor.b', '2', { unit_of_measurement: 'W' }, T0));
    // clean: true → every reconnect is a new subscription → the broker replays all retained topics.
    const src = await startSource(
      broker(),
      { clean: true, subscriptions: [{ topic: 'ss2/#', parser: 'statestream', statestream: { baseTopic: 'ss2' } }] },
      { autoAck: true },
    );
    await waitFor(() => src.rec.events().length, '2 emitted events', { until: (n) => n >= 2, timeoutMs: 10_000 });
    expect(src.rec.events().every((e) => e.provenance.retain === true && e.provenance.timeFromReceipt === true)).toBe(
      true,
    );
    src.clients.at(-1)?.stream.destroy();
    await waitFor(() => src.subscribed(), 'both subscriptions', { until: (n) => n >= 2, timeoutMs: 10_000 });
    const ignored = async () =>
      (await src.rec.ctx.metrics.registry.getSingleMetricAsString('ha_ingestor_mqtt_messages_ignored_total')) ?? '';
    await waitFor(
      async () => /reason="duplicate_replay"} \d+/.exec(await ignored())?.[0],
      '4 retained replays ignored as duplicates',
      {
        until: (line) => line === 'reason="duplicate_replay"} 4',
        timeoutMs: 5_000,
        intervalMs: 20,
      },
    );
    await quiet(300);
    await src.stop();
    expect(src.rec.events()).toHaveLength(2);
    expect(await ignored()).toMatch(/reason="duplicate_replay"} 4/);
  });

  it('maps HA discovery configs (abbreviated keys, ~, device) to device state topics', async (t) => {
    if (target === undefined) return t.skip();
    const p = client();
    const device = { ids: ['zigbee2mqtt_0x00158d0001'], name: 'Kitchen', mf: 'Aqara', mdl: 'WSDCGQ11LM' };
    await p.publishAsync(
      'disc3/sensor/0x00158d0001/temperature/config',
      JSON.stringify({
        '~': 'z3/kitchen',
        stat_t: '~',
        val_tpl: '{{ value_json.temperature }}',
        unit_of_meas: '°C',
        dev_cla: 'temperature',
        name: 'Temperature',
        uniq_id: 't1',
        dev: device,
      }),
      { qos: 1, retain: true },
    );
    await p.publishAsync(
      'disc3/sensor/0x00158d0001/humidity/config',
      JSON.stringify({
        stat_t: 'z3/kitchen',
        val_tpl: '{{ value_json.humidity }}',
        unit_of_meas: '%',
        dev_cla: 'humidity',
        obj_id: 'kitchen_rh',
        dev: device,
      }),
      { qos: 1, retain: true },
    );
    await p.publishAsync('disc3/sensor/broken/config', JSON.stringify({ name: 'no state topic' }), {
      qos: 1,
      retain: true,
    });
    const src = await startSource(
      broker(),
      { subscriptions: [{ topic: 'disc3/#', parser: 'discovery', discovery: { prefix: 'disc3' } }] },
      { autoAck: true },
    );
    await waitFor(() => src.rec.deadLetters.length, 'a dead letter', { until: (n) => n >= 1, timeoutMs: 10_000 });
    await quiet(200); // the dynamic subscription of z3/kitchen is sent after the config was read
    await p.publishAsync('z3/kitchen', JSON.stringify({ temperature: 21.4, humidity: 41, battery: 97 }), { qos: 1 });
    await waitFor(() => src.rec.events().length, '2 emitted events', { until: (n) => n >= 2, timeoutMs: 10_000 });
    await src.stop();
    const byId = Object.fromEntries(src.rec.events().map((e) => [e.entity_id, e]));
    expect(byId['sensor.kitchen_temperature']).toMatchObject({
      state: '21.4',
      attributes: {
        unit_of_measurement: '°C',
        device_class: 'temperature',
        device: { manufacturer: 'Aqara', model: 'WSDCGQ11LM' },
      },
    });
    expect(byId['sensor.kitchen_rh']).toMatchObject({
      state: '41',
      attributes: { unit_of_measurement: '%', device_class: 'humidity' },
    });
    expect(src.rec.deadLetters.map((d) => d.reason)).toEqual(['discovery_missing_key']);
    await p.publishAsync('disc3/sensor/0x00158d0001/temperature/config', '', { qos: 1, retain: true });
    await p.publishAsync('disc3/sensor/0x00158d0001/humidity/config', '', { qos: 1, retain: true });
    await p.publishAsync('disc3/sensor/broken/config', '', { qos: 1, retain: true });
  });

  it('after a restart on the persistent session, device messages queued while down wait for the discovery configs', async (t) => {
    if (target === undefined) return t.skip();
    const p = client();
    const clientId = `it-disc-restart-${broker().name}-${process.pid}`;
    await p.publishAsync(
      'disc9/sensor/plug/power/config',
      JSON.stringify({ stat_t: 'd9/plug', val_tpl: '{{ value_json.power }}', unit_of_meas: 'W', obj_id: 'plug_power' }),
      { qos: 1, retain: true },
    );
    const options = {
      clientId,
      subscriptions: [{ topic: 'disc9/#', parser: 'discovery', discovery: { prefix: 'disc9', settleMs: 300 } }],
    };
    const first = await startSource(broker(), options, { autoAck: true });
    await quiet(200);
    await p.publishAsync('d9/plug', '{"power":10}', { qos: 1 });
    await waitFor(() => first.rec.events().length, 'an emitted event', { until: (n) => n >= 1, timeoutMs: 10_000 });
    await first.stop();
    // While the ingestor is down: the broker queues this in the session (the dynamic subscription persists).
    await p.publishAsync('d9/plug', '{"power":20}', { qos: 1 });
    const second = await startSource(broker(), options, { autoAck: true });
    await waitFor(() => second.rec.events().length, 'an emitted event', { until: (n) => n >= 1, timeoutMs: 10_000 });
    await quiet(300);
    await second.stop();
    expect(second.rec.events().map((e) => [e.entity_id, e.state])).toEqual([['sensor.plug_power', '20']]);
    expect(second.rec.deadLetters).toEqual([]);
    await p.publishAsync('disc9/sensor/plug/power/config', '', { qos: 1, retain: true });
  });

  it('turns zigbee2mqtt device messages into events and ignores the bridge topics', async (t) => {
    if (target === undefined) return t.skip();
    const src = await startSource(
      broker(),
      { subscriptions: [{ topic: 'z4/#', parser: 'json', json: { baseTopic: 'z4', ignoreTopics: ['z4/bridge/#'] } }] },
      { autoAck: true },
    );
    const p = client();
    await p.publishAsync('z4/bridge/state', '{"state":"online"}', { qos: 1 });
    await p.publishAsync('z4/Plug 1', JSON.stringify({ state: 'ON', power: 5.5, linkquality: 120 }), { qos: 1 });
    await p.publishAsync('z4/Plug 1/set', '{"state":"OFF"}', { qos: 1 });
    await waitFor(() => src.rec.events().length, 'an emitted event', { until: (n) => n >= 1, timeoutMs: 10_000 });
    await quiet(150);
    await src.stop();
    expect(src.rec.events()).toHaveLength(1);
    expect(src.rec.events()[0]).toMatchObject({
      entity_id: 'sensor.plug_1',
      state: 'ON',
      attributes: { power: 5.5, linkquality: 120 },
    });
  });

  it('connects with the right password and fails with AUTH_FAILED (password never shown) with a wrong one', async (t) => {
    if (target === undefined) return t.skip();
    const ok = await startSource(broker(), {
      url: broker().authUrl,
      username: broker().username,
      password: broker().password,
      subscriptions: [{ topic: 'a5/#', parser: 'plain' }],
    });
    expect(ok.rec.statuses[0]?.connected).toBe(true);
    await ok.stop();

    const wrong = 'Wr0ng-P@ssw0rd-42';
    const rec = recordingContext();
    const source = mqttSource({
      url: broker().authUrl,
      protocolVersion: broker().protocolVersion,
      username: 'hauser',
      password: wrong,
      subscriptions: [{ topic: 'a5/#', parser: 'plain' }],
    });
    const error = await source.run(rec.ctx).catch((e: unknown) => e);
    expect(isSdkError(error, 'AUTH_FAILED')).toBe(true);
    expect(isSdkError(error) && error.retryable).toBe(false);
    expect(JSON.stringify([String(error), error, rec.logs, rec.statuses, rec.errors])).not.toContain(wrong);
    expect(JSON.stringify([String(error), rec.logs])).not.toContain(broker().password);
  });

  if (websockets)
    it('works over MQTT-over-websockets (ws://) where the broker offers it', async () => {
      const wsUrl = broker().wsUrl;
      if (wsUrl === undefined) throw new Error('the broker should offer ws://');
      const src = await startSource(
        broker(),
        { url: wsUrl, subscriptions: [{ topic: 'w10/+n', parser: 'plain', plain: { entityId: 'sensor.{n}' } }] },
        { autoAck: true },
      );
      await client().publishAsync('w10/t', '7', { qos: 1 });
      await waitFor(() => src.rec.events().length, 'an emitted event', { until: (n) => n >= 1, timeoutMs: 10_000 });
      await src.stop();
      expect(src.rec.events()[0]).toMatchObject({ entity_id: 'sensor.t', state: '7', provenance: { topic: 'w10/t' } });
    });

  it('acks QoS 1 only after the write: an abrupt kill mid-stream loses nothing (count and identity)', async (t) => {
    if (target === undefined) return t.skip();
    const total = 300;
    const clientId = `it-kill-${broker().name}-${process.pid}`;
    const options = {
      clientId,
      maxInFlight: 50,
      subscriptions: [{ topic: 'k6/+n', parser: 'plain', plain: { entityId: 'sensor.{n}' } }],
    };
    const first = await startSource(broker(), options);
    const p = client();
    for (let i = 0; i < total; i++) await p.publishAsync('k6/seq', String(i), { qos: 1 });
    // The "pipeline" writes the first 120 events; later ones are received but not yet written when the
    // process dies.
    const handled = new Set<string>();
    while (handled.size < 120) {
      await waitFor(() => first.rec.emits.some((e) => !e.handled), 'an emit not yet handled', { timeoutMs: 10_000 });
      for (const e of first.rec.emits) {
        if (e.handled || handled.size >= 120) continue;
        e.handled = true;
        for (const ev of e.events) handled.add(ev.state ?? '');
        e.ack?.onHandled();
      }
    }
    await waitFor(() => first.rec.events().length, '160 emitted events', {
      until: (n) => n >= 120 + 40,
      timeoutMs: 10_000,
    });
    await quiet(100);
    // maxInFlight bounds what was read ahead of the writes (+1: the message waiting for room).
    expect(first.rec.events().length).toBeLessThanOrEqual(120 + 50 + 1);
    await first.kill();

    const second = await startSource(broker(), options, { autoAck: true });
    await waitFor(() => second.rec.events().length, `the ${total - handled.size} unhandled events redelivered`, {
      until: (n) => n >= total - handled.size,
      timeoutMs: 30_000,
    });
    await quiet(300);
    await second.stop();
    const redelivered = second.rec.events().map((e) => e.state ?? '');
    const union = new Set([...handled, ...redelivered]);
    expect(union.size).toBe(total);
    for (let i = 0; i < total; i++) expect(union.has(String(i))).toBe(true);
    // What was acknowledged is not delivered again; everything else is.
    expect(redelivered.filter((s) => handled.has(s))).toEqual([]);
    expect(redelivered).toHaveLength(total - handled.size);
  });

  it('dead-letters a bad payload corpus with reasons, acks it, and keeps the subscription alive', async (t) => {
    if (target === undefined) return t.skip();
    const clientId = `it-bad-${broker().name}-${process.pid}`;
    const options = {
      clientId,
      maxPayloadBytes: 1024,
      subscriptions: [
        { topic: 'bad7/ss/#', parser: 'statestream', statestream: { baseTopic: 'bad7/ss' } },
        { topic: 'bad7/z/#', parser: 'json', json: { baseTopic: 'bad7/z' } },
        { topic: 'bad7/d/#', parser: 'discovery', discovery: { prefix: 'bad7/d', settleMs: 0 } },
        { topic: 'bad7/p/+n', parser: 'plain', plain: { entityId: 'sensor.{n}', numeric: 'always' as const } },
      ],
    };
    const src = await startSource(broker(), options, { autoAck: true });
    const p = client();
    const corpus: [string, string | Buffer, string][] = [
      ['bad7/z/dev', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'invalid_utf8'],
      ['bad7/z/dev', '{"a":', 'invalid_json'],
      ['bad7/z/dev', '[1,2]', 'not_an_object'],
      ['bad7/z/dev', `{"x":"${'y'.repeat(2000)}"}`, 'payload_too_large'],
      ['bad7/ss/sensor/x', '1', 'unexpected_topic'],
      ['bad7/ss/sensor/x/last_updated', 'garbage', 'invalid_timestamp'],
      ['bad7/d/sensor/x/config', '{"name":"x"}', 'discovery_missing_key'],
      ['bad7/d/sensor/y/config', '{"stat_t":"a","val_tpl":"{{ value | float }}"}', 'discovery_unsupported_template'],
      ['bad7/p/t', 'abc', 'not_numeric'],
    ];
    for (const [topic, payload] of corpus) await p.publishAsync(topic, payload, { qos: 1 });
    await p.publishAsync('bad7/z/dev', '{"state":"ok"}', { qos: 1 });
    await waitFor(
      () => ({ events: src.rec.events().length, deadLetters: src.rec.deadLetters.length }),
      'an event and a dead letter per corpus entry',
      {
        until: (n) => n.events >= 1 && n.deadLetters >= corpus.length,
        timeoutMs: 10_000,
      },
    );
    await src.stop();
    expect(src.rec.deadLetters.map((d) => d.reason).sort()).toEqual(corpus.map((c) => c[2]).sort());
    for (const d of src.rec.deadLetters)
      expect(d).toMatchObject({ stage: 'source:mqtt', data: { topic: expect.any(String) } });
    expect(src.rec.events().map((e) => e.state)).toEqual(['ok']);
    expect(src.rec.errors).toEqual([]);
    // Everything was acknowledged: the persistent session has nothing to redeliver.
    const again = await startSource(broker(), options, { autoAck: true });
    await quiet(500);
    await again.stop();
    expect(again.rec.emits).toHaveLength(0);
    expect(again.rec.deadLetters).toHaveLength(0);
  });
});
