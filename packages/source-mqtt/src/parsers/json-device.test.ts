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

  describe('timeProperty (dsmr-reader JSON telegrams)', () => {
    const dsmr = { ...options, baseTopic: 'dsmr', mode: 'property' as const, timeProperty: 'timestamp' };
    // As dsmr-reader sends them: DjangoJSONEncoder writes decimals as text, unset readings as null.
    const telegram = JSON.stringify({
      id: 4343119,
      timestamp: '2026-12-05T09:00:00Z',
      electricity_delivered_1: '2000.123',
      electricity_currently_delivered: '0.450',
      phase_currently_delivered_l2: null,
    });

    it('uses the field as the time of every event and does not emit it', () => {
      const r = createJsonDeviceParser(dsmr).parse(message('dsmr/meter', telegram), parserContext());
      expect(r.kind === 'events' && r.events.map((e) => [e.entity_id, e.state, e.last_updated])).toEqual([
        ['sensor.meter_id', '4343119', Date.UTC(2026, 11, 5, 9) * 1000],
        ['sensor.meter_electricity_delivered_1', '2000.123', Date.UTC(2026, 11, 5, 9) * 1000],
        ['sensor.meter_electricity_currently_delivered', '0.450', Date.UTC(2026, 11, 5, 9) * 1000],
        ['sensor.meter_phase_currently_delivered_l2', 'unknown', Date.UTC(2026, 11, 5, 9) * 1000],
      ]);
      expect(r.kind === 'events' && r.events[0]?.provenance.timeFromReceipt).toBeUndefined();
    });

    it('reads offsets, fractions and epoch seconds; device mode too', () => {
      const at = (timestamp: unknown, mode: 'device' | 'property' = 'property') => {
        const r = createJsonDeviceParser({ ...dsmr, mode }).parse(
          message('dsmr/meter', JSON.stringify({ timestamp, v: '1' })),
          parserContext(),
        );
        return r.kind === 'events' ? r.events[0]?.last_updated : r.kind;
      };
      expect(at('2026-12-05T10:00:00.250+01:00')).toBe(Date.UTC(2026, 11, 5, 9) * 1000 + 250_000);
      expect(at(1_796_461_200)).toBe(1_796_461_200_000_000);
      expect(at('2026-12-05T10:00:00+01:00', 'device')).toBe(Date.UTC(2026, 11, 5, 9) * 1000);
    });

    it('falls back to the receipt time for a time without offset, out of range, or of the wrong type', () => {
      const receivedAt = 1_700_000_000_000_000;
      for (const timestamp of ['2026-12-05T10:00:00', '1970-01-01T00:00:00Z', 1_796_461_200_000, 'soon', true, null]) {
        const r = createJsonDeviceParser(dsmr).parse(
          message('dsmr/meter', JSON.stringify({ timestamp, v: '1' }), { receivedAt }),
          parserContext(),
        );
        expect(
          r.kind === 'events' && r.events.map((e) => [e.entity_id, e.last_updated, e.provenance.timeFromReceipt]),
          String(timestamp),
        ).toEqual([['sensor.meter_v', receivedAt, true]]);
      }
    });

    it('keeps a retained telegram with new readings time apart from its replay', () => {
      const p = createJsonDeviceParser(dsmr);
      const at = (timestamp: string) => message('dsmr/meter', JSON.stringify({ timestamp, v: '1' }), { retain: true });
      expect(p.parse(at('2026-12-05T09:00:00Z'), parserContext()).kind).toBe('events');
      expect(p.parse(at('2026-12-05T09:00:10Z'), parserContext()).kind).toBe('events');
      expect(p.parse(at('2026-12-05T09:00:10Z'), parserContext())).toEqual({
        kind: 'ignored',
        reason: 'duplicate_replay',
      });
    });
  });
});
