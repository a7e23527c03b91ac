import { serializePoint } from '@ha-ingestor/core/line-protocol';
import type { Point } from '@ha-ingestor/core/line-protocol';
import { describe, expect, it } from 'vitest';
import { stateEvent } from '../../test/fixtures/events.js';
import { createSchemaMapper, createSchemaMapperWith } from './mapper.js';
import type { SchemaOptions } from './options.js';

// Issue 14, work per entity: the `ha` schema keeps an entity's measurement and frozen tags while what they
// are made of stays the same. These tests prove the record is reused, invalidated, and bounded.

function one(points: Point[]): Point {
  expect(points).toHaveLength(1);
  return points[0] as Point;
}

describe('ha schema: per-entity measurement and tags', () => {
  it('reuses one frozen tag record per entity while its unit and tag attributes stay the same', () => {
    const map = createSchemaMapper({ kind: 'ha', tagsAttributes: ['room'] });
    const a = one(map(stateEvent('sensor.t', '21', { unit_of_measurement: '°C', room: 'hall', x: 1 })));
    const b = one(map(stateEvent('sensor.t', '22', { unit_of_measurement: '°C', room: 'hall', x: 2 })));
    expect(Object.isFrozen(a.tags)).toBe(true);
    expect(b.tags).toBe(a.tags);
    expect(b.measurement).toBe('°C');
    expect(b.fields).toEqual({ value: 22, x: 2 }); // fields are per event
    expect(serializePoint(b, 'us')).toBe('°C,domain=sensor,entity_id=t,room=hall value=22,x=2 1700000000123456');
  });

  it('recomputes when the unit changes: new measurement, unit field rules follow', () => {
    const map = createSchemaMapper({ kind: 'ha' });
    const a = one(map(stateEvent('sensor.t', '21', { unit_of_measurement: '°C' })));
    const b = one(map(stateEvent('sensor.t', '70', { unit_of_measurement: '°F' })));
    const c = one(map(stateEvent('sensor.t', '5', {})));
    expect([a.measurement, b.measurement, c.measurement]).toEqual(['°C', '°F', 'sensor.t']);
    expect(c.fields).toEqual({ value: 5 });
  });

  it('recomputes when a tag attribute changes, appears or disappears', () => {
    const map = createSchemaMapper({ kind: 'ha', tagsAttributes: ['room', 'floor'], tags: { site: 'home' } });
    const tagsOf = (attributes: Record<string, unknown>) =>
      ({ ...one(map(stateEvent('light.l', 'on', attributes))).tags }) as Record<string, string>;
    expect(tagsOf({ room: 'hall' })).toEqual({ domain: 'light', entity_id: 'l', room: 'hall', site: 'home' });
    expect(tagsOf({ room: 'kitchen' })).toEqual({ domain: 'light', entity_id: 'l', room: 'kitchen', site: 'home' });
    expect(tagsOf({ room: 'kitchen', floor: 2 })).toEqual({
      domain: 'light',
      entity_id: 'l',
      room: 'kitchen',
      floor: '2',
      site: 'home',
    });
    expect(tagsOf({ room: null })).toEqual({ domain: 'light', entity_id: 'l', site: 'home' });
  });

  it('recomputes the device-class measurement when the device class changes', () => {
    const map = createSchemaMapper({ kind: 'ha', measurementAttr: 'domain__device_class' });
    const a = one(map(stateEvent('sensor.t', '1', { device_class: 'temperature' })));
    const b = one(map(stateEvent('sensor.t', '1', { device_class: 'humidity' })));
    const c = one(map(stateEvent('sensor.t', '1', { device_class: null })));
    expect([a.measurement, b.measurement, c.measurement]).toEqual([
      'sensor__temperature',
      'sensor__humidity',
      'sensor',
    ]);
  });

  it('keeps records apart per entity and per domain/object id the event carries', () => {
    const map = createSchemaMapper({ kind: 'ha' });
    const a = one(map(stateEvent('sensor.a', '1', { unit_of_measurement: 'W' })));
    const b = one(map(stateEvent('sensor.b', '1', { unit_of_measurement: 'W' })));
    const moved = one(map(stateEvent('sensor.a', '1', { unit_of_measurement: 'W' }, { domain: 'other' })));
    expect([a.tags['entity_id'], b.tags['entity_id']]).toEqual(['a', 'b']);
    expect(moved.tags['domain']).toBe('other');
  });

  it('maps exactly as a fresh mapper would, event after event (records never leak between events)', () => {
    const events = [
      stateEvent('sensor.t', '1', { unit_of_measurement: 'W', room: 'a' }),
      stateEvent('sensor.t', '2', { unit_of_measurement: 'kW', room: 'a' }),
      stateEvent('sensor.t', '3', { unit_of_measurement: 'kW', room: 'b,c =d' }),
      stateEvent('sensor.u', 'on', { room: 'b' }),
      stateEvent('sensor.t', '4', { room: 'b' }),
      stateEvent('sensor.t', '5', { unit_of_measurement: 'kW', room: { nested: ['x'] } }),
      stateEvent('sensor.t', '6', { unit_of_measurement: 'kW', room: { nested: ['y'] } }),
    ];
    const options: SchemaOptions = { kind: 'ha', tagsAttributes: ['room'] };
    const shared = createSchemaMapper(options);
    for (const event of events) {
      const fresh = one(createSchemaMapper(options)(event));
      expect(serializePoint(one(shared(event)), 'us')).toBe(serializePoint(fresh, 'us'));
    }
  });

  it('holds at most maxEntities records, evicting the oldest first and counting each eviction', () => {
    let evicted = 0;
    const map = createSchemaMapperWith({ kind: 'ha' }, { maxEntities: 2, onEvict: () => evicted++ });
    const tagsOf = (id: string) => one(map(stateEvent(id, '1', { unit_of_measurement: 'W' }))).tags;
    const a = tagsOf('sensor.a');
    const b = tagsOf('sensor.b');
    expect(evicted).toBe(0);
    expect(tagsOf('sensor.a')).toBe(a); // both still held
    expect(tagsOf('sensor.c')['entity_id']).toBe('c'); // third entity: the oldest (a) goes
    expect(evicted).toBe(1);
    expect(tagsOf('sensor.b')).toBe(b);
    const again = tagsOf('sensor.a'); // evicted: recomputed (and c, now the oldest, goes)
    expect(again).not.toBe(a);
    expect({ ...again }).toEqual({ ...a });
    expect(evicted).toBe(2);
    // An update of a held entity replaces its record without evicting another.
    map(stateEvent('sensor.a', '1', { unit_of_measurement: 'kW' }));
    expect(evicted).toBe(2);
  });
});
