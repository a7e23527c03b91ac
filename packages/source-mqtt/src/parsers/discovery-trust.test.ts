import { describe, expect, it } from 'vitest';
import { message, parserContext } from '../test-helpers.js';
import { createDiscoveryParser } from './discovery.js';
import { readDiscoveryConfig } from './discovery-config.js';

// Issue 11, "trusting the broker": a discovery config is a broker payload, not configuration.
const config = (id: string, body: Record<string, unknown>) =>
  message(`homeassistant/sensor/${id}/config`, JSON.stringify(body), { retain: true });

describe('discovery: configs are untrusted (issue 11)', () => {
  it.each([
    [{ stat_t: '#' }, 'discovery_wildcard_topic', /state_topic contains an MQTT wildcard/],
    [{ stat_t: 'zigbee2mqtt/+' }, 'discovery_wildcard_topic', /state_topic/],
    [{ stat_t: 'ok/state', json_attr_t: 'a/#' }, 'discovery_wildcard_topic', /json_attributes_topic/],
    [{ stat_t: '$SYS/broker/clients' }, 'discovery_invalid_topic', /reserved for the broker/],
    [{ stat_t: 'a\u0000b' }, 'discovery_invalid_topic', /U\+0000/],
    [{ stat_t: 'x'.repeat(70_000) }, 'discovery_invalid_topic', /65,535 bytes/],
  ])('refuses %#: a config naming a topic it must not subscribe (%s)', (body, reason, text) => {
    const p = createDiscoveryParser();
    const ctx = parserContext();
    const r = p.parse(config('x', body), ctx);
    expect(r).toMatchObject({ kind: 'invalid', reason });
    expect(r.kind === 'invalid' && r.message).toMatch(text);
    expect(ctx.subscribed).toEqual([]);
  });

  it('refuses a config whose entity id is not valid, and ignores an invalid default_entity_id', () => {
    expect(readDiscoveryConfig('Sen sor/x', 'Sen sor', 'x', { stat_t: 's' })).toMatchObject({
      ok: false,
      reason: 'invalid_entity_id',
    });
    const r = readDiscoveryConfig('sensor/x', 'sensor', 'x', {
      stat_t: 's',
      def_ent_id: 'Not An.Entity',
      obj_id: 'fine',
    });
    expect(r.ok && r.entity.entityId).toBe('sensor.fine');
  });

  it('dead-letters a config the source will not subscribe (limit) and keeps the previous config of that id', () => {
    const p = createDiscoveryParser();
    const ctx = parserContext({ accept: (topic) => topic !== 'refused/state' && topic !== 'refused/attrs' });
    expect(p.parse(config('a', { stat_t: 'a/state', obj_id: 'a' }), ctx).kind).toBe('ignored');
    const r = p.parse(config('a', { stat_t: 'new/state', json_attr_t: 'refused/attrs', obj_id: 'a' }), ctx);
    expect(r).toMatchObject({ kind: 'invalid', reason: 'discovery_subscription_limit' });
    // new/state was subscribed for it, then given up again; a/state still maps to sensor.a.
    expect(ctx.subscribed).toEqual(['a/state', 'new/state']);
    expect(ctx.unsubscribed).toEqual(['new/state']);
    const state = p.parse(message('a/state', '5'), ctx);
    expect(state.kind === 'events' && state.events[0]?.entity_id).toBe('sensor.a');
  });

  it('gives a topic up when its last config is removed or replaced, not while another config uses it', () => {
    const p = createDiscoveryParser();
    const ctx = parserContext();
    p.parse(config('t', { stat_t: 'dev/state', val_tpl: '{{ value_json.t }}', obj_id: 't' }), ctx);
    p.parse(config('h', { stat_t: 'dev/state', val_tpl: '{{ value_json.h }}', obj_id: 'h' }), ctx);
    expect(ctx.subscribed).toEqual(['dev/state']);
    p.parse(message('homeassistant/sensor/t/config', ''), ctx);
    expect(ctx.unsubscribed).toEqual([]);
    p.parse(config('h', { stat_t: 'dev2/state', obj_id: 'h' }), ctx);
    expect(ctx.subscribed).toEqual(['dev/state', 'dev2/state']);
    expect(ctx.unsubscribed).toEqual(['dev/state']);
    expect(p.owns?.('dev/state')).toBe(false);
  });

  it('keeps at most maxEntities configs: the least recently updated is forgotten, unsubscribed and counted', () => {
    const p = createDiscoveryParser({ maxEntities: 1000 });
    const ctx = parserContext();
    for (let i = 0; i < 5000; i++) p.parse(config(`d${i}`, { stat_t: `dev/${i}`, obj_id: `d${i}` }), ctx);
    expect(ctx.evictions['discovery_entities']).toBe(4000);
    expect(ctx.unsubscribed).toHaveLength(4000);
    expect(ctx.unsubscribed[0]).toBe('dev/0');
    expect(p.owns?.('dev/0')).toBe(false);
    expect(p.owns?.('dev/4999')).toBe(true);
    expect(p.parse(message('dev/0', '1'), ctx)).toEqual({ kind: 'unmapped' });
  });

  it('an evicted config takes its attribute and replay memory with it', () => {
    const p = createDiscoveryParser({ maxEntities: 10 });
    const ctx = parserContext();
    for (let i = 0; i < 30; i++) {
      p.parse(config(`c${i}`, { stat_t: `s/${i}`, json_attr_t: `s/${i}/attr`, obj_id: `c${i}` }), ctx);
      p.parse(message(`s/${i}/attr`, '{"a":1}'), ctx);
      p.parse(message(`s/${i}`, '1', { retain: true }), ctx);
    }
    expect(ctx.evictions['discovery_entities']).toBe(20);
    // c0 comes back: its old attributes and its last retained state were forgotten with it.
    p.parse(config('c0', { stat_t: 's/0', obj_id: 'c0' }), ctx);
    const again = p.parse(message('s/0', '1', { retain: true }), ctx);
    expect(again.kind).toBe('events');
    expect(again.kind === 'events' && again.events[0]?.attributes).not.toHaveProperty('a');
    // c29 was kept: its replay is still recognised.
    expect(p.parse(message('s/29', '1', { retain: true }), ctx)).toEqual({
      kind: 'ignored',
      reason: 'duplicate_replay',
    });
  });
});
