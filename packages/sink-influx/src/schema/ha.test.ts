import { serializePoints } from '@ha-ingestor/core/line-protocol';
import { describe, expect, it } from 'vitest';
import { haCompatCases } from '../../test/fixtures/ha-compat.js';
import { stateEvent, T } from '../../test/fixtures/events.js';
import { createSchemaMapper } from './mapper.js';

describe('ha schema: what HA’s InfluxDB integration writes', () => {
  it.each(haCompatCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const map = createSchemaMapper({ kind: 'ha', ...c.options });
    const points = map(stateEvent(c.entity_id, c.state, c.attributes));
    const expected = c.ours !== undefined ? c.ours : c.ha;
    if (expected === null) {
      expect(points).toEqual([]);
      return;
    }
    expect(points).toHaveLength(1);
    const [point] = points;
    expect(point?.measurement).toBe(expected.measurement);
    expect({ ...point?.tags }).toEqual(expected.tags);
    // Field by field, so a failure names the field.
    const fields = { ...point?.fields };
    expect(Object.keys(fields).sort()).toEqual(Object.keys(expected.fields).sort());
    for (const [key, value] of Object.entries(expected.fields)) expect([key, fields[key]]).toEqual([key, value]);
    expect(point?.time).toBe(T);
  });

  it('writes every fixture point as valid line protocol', () => {
    const points = haCompatCases.flatMap((c) =>
      createSchemaMapper(c.options)(stateEvent(c.entity_id, c.state, c.attributes)),
    );
    expect(serializePoints(points, 'us').rejected).toEqual([]);
  });

  it('stamps points with last_updated by default, or the chosen time source', () => {
    const event = stateEvent('sensor.x', '1', {}, { last_updated: T, last_changed: T - 5, time_fired: T + 7 });
    expect(createSchemaMapper()(event)[0]?.time).toBe(T);
    expect(createSchemaMapper({ timeSource: 'last_changed' })(event)[0]?.time).toBe(T - 5);
    expect(createSchemaMapper({ timeSource: 'time_fired' })(event)[0]?.time).toBe(T + 7);
  });

  it('keeps attribute keys like __proto__ and constructor as ordinary fields', () => {
    const attributes = JSON.parse('{"__proto__": 1, "constructor": "x"}') as Record<string, unknown>;
    const [point] = createSchemaMapper()(stateEvent('sensor.x', '1', attributes));
    expect(Object.entries(point?.fields ?? {}).sort()).toEqual([
      ['__proto__', 1],
      ['constructor_str', 'x'],
      ['value', 1],
    ]);
  });

  it('writes a non-finite numeric state as no value (the serialiser then rejects a field-less point)', () => {
    const [point] = createSchemaMapper()(stateEvent('sensor.x', 'nan', {}));
    expect(serializePoints(point === undefined ? [] : [point], 'us').rejected[0]?.reason).toBe('no_fields');
  });
});
