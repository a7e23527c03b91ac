import { describe, expect, it } from 'vitest';
import { message, parserContext } from '../test-helpers.js';
import { createJsonDeviceParser } from './json-device.js';

const options = {
  baseTopic: 'zigbee2mqtt',
  mode: 'device' as const,
  domain: 'sensor',
  stateProperty: 'state',
  ignoreTopics: ['zigbee2mqtt/bridge/#'],
};

describe('json device parser (zigbee2mqtt)', () => {
  it('emits one event per device message with the properties as attributes', () => {
    const p = createJsonDeviceParser(options);
    const r = p.parse(
      message('zigbee2mqtt/Living Room/Plug', '{"state":"ON","power":12.5,"linkquality":90}'),
      parserContext(),
    );
    expect(r.kind === 'events' && r.events).toHaveLength(1);
    expect(r.kind === 'events' && r.events[0]).toMatchObject({
      entity_id: 'sensor.living_room_plug',
      state: 'ON',
      attributes: { power: 12.5, linkquality: 90, friendly_name: 'Living Room/Plug' },
      provenance: { topic: 'zigbee2mqtt/Living Room/Plug', timeFromReceipt: true },
    });
  });

  it('emits one event per property in property mode', () => {
    const p = createJsonDeviceParser({ ...options, mode: 'property' });
    const r = p.parse(
      message('zigbee2mqtt/kitchen', '{"temperature":21.4,"occupancy":true,"color":{"x":0.1}}'),
      parserContext(),
    );
    expect(r.kind === 'events' && r.events.map((e) => [e.entity_id, e.state])).toEqual([
      ['sensor.kitchen_temperature', '21.4'],
      ['sensor.kitchen_occupancy', 'true'],
      ['sensor.kitchen_color', '{"x":0.1}'],
    ]);
  });

  it('uses `unknown` when the state property is missing', () => {
    const r = createJsonDeviceParser(options).parse(message('zigbee2mqtt/th', '{"temperature":1}'), parserContext());
    expect(r.kind === 'events' && r.events[0]?.state).toBe('unknown');
  });

  it('ignores bridge topics and set/get/availability sub-topics', () => {
    const p = createJsonDeviceParser(options);
    for (const topic of [
      'zigbee2mqtt/bridge/state',
      'zigbee2mqtt/bridge/devices',
      'zigbee2mqtt/lamp/set',
      'zigbee2mqtt/lamp/availability',
    ]) {
      expect(p.parse(message(topic, '{}'), parserContext())).toEqual({ kind: 'ignored', reason: 'ignored_topic' });
    }
  });

  it('dead-letters invalid JSON, non-object payloads and foreign topics', () => {
    const p = createJsonDeviceParser(options);
    expect(p.parse(message('zigbee2mqtt/x', 'nope'), parserContext())).toMatchObject({
      kind: 'invalid',
      reason: 'invalid_json',
    });
    expect(p.parse(message('zigbee2mqtt/x', '[1]'), parserContext())).toMatchObject({
      kind: 'invalid',
      reason: 'not_an_object',
    });
    expect(p.parse(message('other/x', '{}'), parserContext())).toMatchObject({
      kind: 'invalid',
      reason: 'unexpected_topic',
    });
  });

  it('drops an identical retained replay', () => {
    const p = createJsonDeviceParser(options);
    expect(p.parse(message('zigbee2mqtt/x', '{"a":1,"b":2}', { retain: true }), parserContext()).kind).toBe('events');
    expect(p.parse(message('zigbee2mqtt/x', '{"b":2,"a":1}', { retain: true }), parserContext())).toEqual({
      kind: 'ignored',
      reason: 'duplicate_replay',
    });
  });
});
