import { intField, type Point } from '@ha-ingestor/core/line-protocol';
import { describe, expect, it } from 'vitest';
import { createFieldTypeRegistry, parseShowFieldKeys } from './field-types.js';

// As InfluxDB 1.6.7 answers `SHOW FIELD KEYS` (two statements, one without series).
const SHOW_FIELD_KEYS = {
  results: [
    {
      statement_id: 0,
      series: [
        {
          name: '°C',
          columns: ['fieldKey', 'fieldType'],
          values: [
            ['value', 'float'],
            ['friendly_name_str', 'string'],
          ],
        },
        {
          name: 'state',
          columns: ['fieldKey', 'fieldType'],
          values: [
            ['value', 'string'],
            ['count', 'integer'],
            ['on', 'boolean'],
          ],
        },
      ],
    },
    { statement_id: 1 },
  ],
};

function pt(measurement: string, fields: Point['fields']): Point {
  return { measurement, tags: {}, fields, time: 1 };
}

describe('field type registry', () => {
  it('seeds from SHOW FIELD KEYS and ignores malformed parts', () => {
    const types = createFieldTypeRegistry();
    expect(types.seedFromShowFieldKeys(SHOW_FIELD_KEYS)).toBe(5);
    expect(types.get('°C', 'value')).toBe('float');
    expect(types.get('state', 'on')).toBe('boolean');
    expect(types.seedFromShowFieldKeys({ results: [{ series: [{ name: 'x', columns: ['a'], values: [[1]] }] }] })).toBe(
      0,
    );
    expect(types.seedFromShowFieldKeys('garbage')).toBe(0);
    expect(
      parseShowFieldKeys({
        results: [{ series: [{ name: 'm', columns: ['fieldKey', 'fieldType'], values: [['f', 'unsigned']] }] }],
      }),
    ).toEqual([]);
    expect(types.size()).toBe(5);
  });

  it('learns the first type of a field and reports later conflicts', () => {
    const types = createFieldTypeRegistry();
    types.learn(pt('m', { value: 1.5, state: 'on', n: intField(1), b: true }));
    types.learn(pt('m', { value: 'text' })); // first write wins, as in InfluxDB
    expect(types.get('m', 'value')).toBe('float');
    expect(types.check(pt('m', { value: 'x', state: 'off', n: 2, b: true })).conflicts).toEqual([
      { field: 'value', expected: 'float', actual: 'string' },
      { field: 'n', expected: 'integer', actual: 'float' },
    ]);
    expect(types.check(pt('other', { value: 'x' })).conflicts).toEqual([]);
  });

  it('does not learn a type from a non-finite float (it is never written)', () => {
    const types = createFieldTypeRegistry();
    types.learn(pt('m', { value: Number.NaN }));
    expect(types.get('m', 'value')).toBeUndefined();
  });

  it('coerces losslessly where it can', () => {
    const types = createFieldTypeRegistry();
    types.seedFromShowFieldKeys(SHOW_FIELD_KEYS);
    // state.value is a string: a number becomes its text
    expect(types.coerce(pt('state', { value: 21.5 }), 'coerce')).toMatchObject({
      action: 'coerced',
      point: { fields: { value: '21.5' } },
    });
    // °C.value is a float: a numeric string that reads back the same becomes the number
    expect(types.coerce(pt('°C', { value: '21.5' }), 'coerce')).toMatchObject({
      action: 'coerced',
      point: { fields: { value: 21.5 } },
    });
    // state.count is an integer: an integral float becomes an integer
    expect(types.coerce(pt('state', { count: 3 }), 'coerce').point.fields['count']).toEqual(intField(3));
    // state.on is a boolean: "true" becomes true
    expect(types.coerce(pt('state', { on: 'true' }), 'coerce').point.fields['on']).toBe(true);
  });

  it('moves an unconvertible value aside under HA’s suffix convention', () => {
    const types = createFieldTypeRegistry();
    types.seedFromShowFieldKeys(SHOW_FIELD_KEYS);
    const result = types.coerce(pt('°C', { value: 'unavailable', other: 1 }), 'coerce');
    expect(result.action).toBe('coerced');
    expect({ ...result.point.fields }).toEqual({ value_str: 'unavailable', other: 1 });
    expect(result.changes).toEqual(['value: moved to value_str']);
    expect(types.coerce(pt('state', { count: 1.5 }), 'coerce').point.fields).toEqual({ count_float: 1.5 });
  });

  it('dead-letters when the suffixed field is taken by another type', () => {
    const types = createFieldTypeRegistry();
    types.learn(pt('m', { value: 1, value_str: 2 }));
    const result = types.coerce(pt('m', { value: 'x' }), 'coerce');
    expect(result.action).toBe('dead-letter');
    expect(result.conflicts).toEqual([{ field: 'value', expected: 'float', actual: 'string' }]);
  });

  it('reports instead of rewriting under the dead-letter policy, and passes clean points through', () => {
    const types = createFieldTypeRegistry();
    types.seedFromShowFieldKeys(SHOW_FIELD_KEYS);
    const bad = pt('°C', { value: 'x' });
    expect(types.coerce(bad, 'dead-letter')).toEqual({
      point: bad,
      action: 'dead-letter',
      conflicts: [{ field: 'value', expected: 'float', actual: 'string' }],
      changes: [],
    });
    const good = pt('°C', { value: 1 });
    expect(types.coerce(good, 'coerce')).toEqual({ point: good, action: 'ok', conflicts: [], changes: [] });
  });

  it('forgets a field or a whole measurement', () => {
    const types = createFieldTypeRegistry();
    types.seedFromShowFieldKeys(SHOW_FIELD_KEYS);
    types.forget('state', 'value');
    expect(types.get('state', 'value')).toBeUndefined();
    types.forget('°C');
    expect(types.size()).toBe(2);
  });
});
