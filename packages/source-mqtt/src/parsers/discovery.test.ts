import { describe, expect, it } from 'vitest';
import { message, parserContext } from '../test-helpers.js';
import { createDiscoveryParser, parseDiscoveryTopic } from './discovery.js';
import { expandConfig, readDiscoveryConfig } from './discovery-config.js';

const z2mTemp = {
  '~': 'zigbee2mqtt/kitchen',
  stat_t: '~',
  val_tpl: '{{ value_json.temperature }}',
  unit_of_meas: '°C',
  dev_cla: 'temperature',
  stat_cla: 'measurement',
  name: 'Temperature',
  uniq_id: '0x00158d0001_temperature_zigbee2mqtt',
  obj_id: 'kitchen_temperature',
  json_attr_t: '~',
  dev: { ids: ['zigbee2mqtt_0x00158d0001'], name: 'Kitchen', mf: 'Aqara', mdl: 'WSDCGQ11LM' },
};

describe('discovery config', () => {
  it('expands abbreviated keys, nested device keys and the ~ base topic', () => {
    const c = expandConfig(z2mTemp);
    expect(c).toMatchObject({
      state_topic: 'zigbee2mqtt/kitchen',
      json_attributes_topic: 'zigbee2mqtt/kitchen',
      unit_of_measurement: '°C',
      device_class: 'temperature',
      unique_id: '0x00158d0001_temperature_zigbee2mqtt',
      device: {
        identifiers: ['zigbee2mqtt_0x00158d0001'],
        name: 'Kitchen',
        manufacturer: 'Aqara',
        model: 'WSDCGQ11LM',
      },
    });
  });

  it.each([
    [{ stat_t: 's', def_ent_id: 'sensor.explicit' }, 'sensor.explicit'],
    [{ stat_t: 's', obj_id: 'My Object' }, 'sensor.my_object'],
    [{ stat_t: 's', name: 'Temp', dev: { name: 'Kitchen' } }, 'sensor.kitchen_temp'],
    [{ stat_t: 's', name: null, dev: { name: 'Kitchen Plug' } }, 'sensor.kitchen_plug'],
    [{ stat_t: 's', name: 'Solo' }, 'sensor.solo'],
    [{ stat_t: 's', uniq_id: 'ABC-123' }, 'sensor.abc_123'],
    [{ stat_t: 's' }, 'sensor.topic_object'],
  ])('derives the entity id of %j as %s', (config, expected) => {
    const r = readDiscoveryConfig('sensor/topic_object', 'sensor', 'topic_object', config);
    expect(r.ok && r.entity.entityId).toBe(expected);
  });

  it('rejects configs without a state topic and templates beyond value_json paths', () => {
    expect(readDiscoveryConfig('s/x', 'sensor', 'x', { name: 'x' })).toMatchObject({
      ok: false,
      reason: 'discovery_missing_key',
    });
    expect(
      readDiscoveryConfig('s/x', 'sensor', 'x', { stat_t: 'a', val_tpl: '{{ value | float * 10 }}' }),
    ).toMatchObject({
      ok: false,
      reason: 'discovery_unsupported_template',
    });
    expect(readDiscoveryConfig('s/x', 'sensor', 'x', [1])).toMatchObject({
      ok: false,
      reason: 'invalid_discovery_config',
    });
  });

  it('reads value_json paths with dots, brackets and quotes', () => {
    const r = readDiscoveryConfig('s/x', 'sensor', 'x', { stat_t: 'a', val_tpl: "{{value_json.a['b c'][0]}}" });
    expect(r.ok && r.entity.value).toEqual({ kind: 'json', path: ['a', 'b c', '0'] });
  });

  it('parses config topics with and without node_id', () => {
    expect(parseDiscoveryTopic('homeassistant/sensor/node/obj/config', 'homeassistant')).toEqual({
      component: 'sensor',
      nodeId: 'node',
      objectId: 'obj',
      discoveryId: 'sensor/node/obj',
    });
    expect(parseDiscoveryTopic('homeassistant/sensor/obj/config', 'homeassistant')).toMatchObject({
      component: 'sensor',
      objectId: 'obj',
    });
    expect(parseDiscoveryTopic('homeassistant/sensor/obj/state', 'homeassistant')).toBeUndefined();
  });
});

describe('discovery parser', () => {
  it('maps device state topics to events with entity id, unit, device_class and device', () => {
    const p = createDiscoveryParser({ prefix: 'homeassistant' });
    const ctx = parserContext();
    expect(
      p.parse(
        message('homeassistant/sensor/0x00158d0001/temperature/config', JSON.stringify(z2mTemp), { retain: true }),
        ctx,
      ),
    ).toEqual({
      kind: 'ignored',
      reason: 'discovery_config',
    });
    // state_topic = json_attributes_topic: one subscription, not two.
    expect(ctx.subscribed).toEqual(['zigbee2mqtt/kitchen']);
    expect(p.owns?.('zigbee2mqtt/kitchen')).toBe(true);
    const r = p.parse(message('zigbee2mqtt/kitchen', '{"temperature":21.4,"battery":97,"linkquality":120}'), ctx);
    expect(r.kind).toBe('events');
    if (r.kind !== 'events') return;
    expect(r.events[0]).toMatchObject({
      entity_id: 'sensor.kitchen_temperature',
      state: '21.4',
      attributes: {
        unit_of_measurement: '°C',
        device_class: 'temperature',
        state_class: 'measurement',
        friendly_name: 'Kitchen Temperature',
        battery: 97,
        device: { manufacturer: 'Aqara', model: 'WSDCGQ11LM' },
      },
      provenance: { topic: 'zigbee2mqtt/kitchen', timeFromReceipt: true },
    });
  });

  it('emits one event per entity sharing a state topic and skips entities whose value is absent', () => {
    const p = createDiscoveryParser({ prefix: 'homeassistant' });
    const ctx = parserContext();
    p.parse(
      message(
        'homeassistant/sensor/dev/t/config',
        JSON.stringify({ stat_t: 'dev/state', val_tpl: '{{ value_json.t }}', obj_id: 'dev_t' }),
      ),
      ctx,
    );
    p.parse(
      message(
        'homeassistant/sensor/dev/h/config',
        JSON.stringify({ stat_t: 'dev/state', val_tpl: '{{ value_json.h }}', obj_id: 'dev_h' }),
      ),
      ctx,
    );
    const both = p.parse(message('dev/state', '{"t":1,"h":2}'), ctx);
    expect(both.kind === 'events' && both.events.map((e) => [e.entity_id, e.state])).toEqual([
      ['sensor.dev_t', '1'],
      ['sensor.dev_h', '2'],
    ]);
    const one = p.parse(message('dev/state', '{"t":3}'), ctx);
    expect(one.kind === 'events' && one.events.map((e) => e.entity_id)).toEqual(['sensor.dev_t']);
  });

  it('maps binary_sensor payload_on/off to on/off', () => {
    const p = createDiscoveryParser({ prefix: 'homeassistant' });
    const ctx = parserContext();
    p.parse(
      message(
        'homeassistant/binary_sensor/door/config',
        JSON.stringify({ stat_t: 'door/state', pl_on: 'OPEN', pl_off: 'CLOSED', name: 'Door' }),
      ),
      ctx,
    );
    const r = p.parse(message('door/state', 'OPEN'), ctx);
    expect(r.kind === 'events' && r.events[0]?.state).toBe('on');
  });

  it('removes the entity on an empty config payload', () => {
    const p = createDiscoveryParser({ prefix: 'homeassistant' });
    const ctx = parserContext();
    p.parse(message('homeassistant/sensor/x/config', JSON.stringify({ stat_t: 'x/state' })), ctx);
    expect(p.parse(message('homeassistant/sensor/x/config', ''), ctx)).toEqual({
      kind: 'ignored',
      reason: 'discovery_removed',
    });
    expect(p.owns?.('x/state')).toBe(false);
    expect(p.parse(message('x/state', '1'), ctx)).toEqual({ kind: 'unmapped' });
  });

  it('dead-letters invalid JSON configs and configs with missing keys', () => {
    const p = createDiscoveryParser({ prefix: 'homeassistant' });
    const ctx = parserContext();
    expect(p.parse(message('homeassistant/sensor/x/config', '{oops'), ctx)).toMatchObject({
      kind: 'invalid',
      reason: 'invalid_json',
    });
    expect(p.parse(message('homeassistant/sensor/x/config', '{"name":"x"}'), ctx)).toMatchObject({
      kind: 'invalid',
      reason: 'discovery_missing_key',
    });
  });

  it('drops a retained device state identical to the last one (replay) but keeps live repeats', () => {
    const p = createDiscoveryParser({ prefix: 'homeassistant' });
    const ctx = parserContext();
    p.parse(message('homeassistant/sensor/x/config', JSON.stringify({ stat_t: 'x/state', obj_id: 'x' })), ctx);
    expect(p.parse(message('x/state', '5', { retain: true }), ctx).kind).toBe('events');
    expect(p.parse(message('x/state', '5', { retain: true }), ctx)).toEqual({
      kind: 'ignored',
      reason: 'duplicate_replay',
    });
    expect(p.parse(message('x/state', '5'), ctx).kind).toBe('events');
  });

  it('ignores the HA birth message', () => {
    const p = createDiscoveryParser({ prefix: 'homeassistant' });
    expect(p.parse(message('homeassistant/status', 'online'), parserContext())).toEqual({
      kind: 'ignored',
      reason: 'birth_message',
    });
  });
});
