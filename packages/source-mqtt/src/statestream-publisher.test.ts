import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createStatestreamPublisher, pythonJson } from './statestream-publisher.js';

const event = {
  data: {
    entity_id: 'sensor.kitchen',
    new_state: {
      state: '21.5',
      attributes: { unit_of_measurement: '°C', options: [1, 2], nested: { a: null } },
      last_updated: '2026-11-29T10:00:00.123456+00:00',
      last_changed: '2026-11-29T09:00:00+00:00',
    },
  },
};

class RecordingClient extends EventEmitter {
  readonly sent: { topic: string; payload: string; qos: number; retain: boolean }[] = [];
  publishAsync(topic: string, payload: string, opts: { qos: number; retain: boolean }) {
    this.sent.push({ topic, payload, ...opts });
    return Promise.resolve(undefined);
  }
}

describe('createStatestreamPublisher', () => {
  it('publishes like HA: state, timestamps, then one JSON topic per attribute, all QoS 1 retained', async () => {
    const client = new RecordingClient();
    const p = await createStatestreamPublisher({
      client: client as unknown as MqttClient,
      baseTopic: 'ha/',
      publishAttributes: true,
      publishTimestamps: true,
    });
    await p.publish(event);
    expect(client.sent.map((m) => [m.topic, m.payload])).toEqual([
      ['ha/sensor/kitchen/state', '21.5'],
      ['ha/sensor/kitchen/last_updated', '2026-11-29T10:00:00.123456+00:00'],
      ['ha/sensor/kitchen/last_changed', '2026-11-29T09:00:00+00:00'],
      ['ha/sensor/kitchen/unit_of_measurement', '"\\u00b0C"'],
      ['ha/sensor/kitchen/options', '[1, 2]'],
      ['ha/sensor/kitchen/nested', '{"a": null}'],
    ]);
    expect(client.sent.every((m) => m.qos === 1 && m.retain)).toBe(true);
  });

  it('publishes only the state by default (HA defaults) and nothing for a removal', async () => {
    const client = new RecordingClient();
    const p = await createStatestreamPublisher({ client: client as unknown as MqttClient });
    expect(p.messagesOf(event)).toEqual([{ topic: 'homeassistant/sensor/kitchen/state', payload: '21.5' }]);
    expect(p.messagesOf({ data: { entity_id: 'sensor.kitchen', new_state: null } })).toEqual([]);
  });

  it('never interleaves the messages of two changes published concurrently', async () => {
    const client = new RecordingClient();
    const p = await createStatestreamPublisher({ client: client as unknown as MqttClient, publishTimestamps: true });
    await Promise.all([
      p.publish(event),
      p.publish({ data: { ...event.data, new_state: { ...event.data.new_state, state: '22' } } }),
    ]);
    expect(client.sent.map((m) => m.payload)[3]).toBe('22');
  });

  it('close() publishes what was handed over first, then refuses new publishes', async () => {
    const client = new RecordingClient();
    const p = await createStatestreamPublisher({ client: client as unknown as MqttClient, publishTimestamps: true });
    const pending = p.publish(event);
    await p.close();
    expect(client.sent).toHaveLength(3);
    await pending;
    await expect(p.publish(event)).rejects.toThrow('statestream-publisher: closed');
    expect(client.sent).toHaveLength(3);
  });

  it('writes JSON the way Python json.dumps does', () => {
    expect(pythonJson({ a: [1, 'é'], b: true })).toBe('{"a": [1, "\\u00e9"], "b": true}');
  });

  it('refuses a value nested past MAX_JSON_DEPTH with a TypeError instead of overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(3000) + ']'.repeat(3000)) as unknown;
    expect(() => pythonJson({ a: deep })).toThrow(TypeError);
    expect(() => pythonJson({ a: deep })).toThrow(/deeper than 32 levels/);
  });
});
