import { isSdkError } from '@ha-ingestor/core';
import { serializePoint } from '@ha-ingestor/core/line-protocol';
import { describe, expect, it } from 'vitest';
import { callServiceEvent, stateEvent } from '../../test/fixtures/events.js';
import { MAX_CONTEXT_FIELDS_PER_PROPERTY } from './context-fields.js';
import { createSchemaMapper } from './mapper.js';

const TIME = { hour: 14, weekday: 'tuesday', weekend: false, part_of_day: 'afternoon', season: 'winter' } as const;
const TIME_NAMES = ['hour', 'weekday', 'weekend', 'part_of_day', 'season', 'daylight'];

function fieldsOf(kind: 'ha' | 'entity', event: Parameters<ReturnType<typeof createSchemaMapper>>[0], names: string[]) {
  const [point] = createSchemaMapper({ kind, contextFields: names })(event);
  return { ...point?.fields };
}

describe.each(['ha', 'entity'] as const)('contextFields (%s schema)', (kind) => {
  it('writes the listed scalar properties as fields typed by their JSON type', () => {
    const event = stateEvent('sensor.t', '21.5', { unit_of_measurement: '°C' }, { ...TIME, daylight: true });
    const fields = fieldsOf(kind, event, TIME_NAMES);
    expect(fields).toMatchObject({ ...TIME, daylight: true });
    // Whole numbers stay floats: `hour=14`, never `hour=14i` (InfluxDB refuses a type change).
    const [point] = createSchemaMapper({ kind, contextFields: TIME_NAMES })(event);
    const line = serializePoint(point!, 'us');
    expect(line).toContain('hour=14,');
    expect(line).toContain('weekday="tuesday"');
    expect(line).toContain('weekend=false');
    expect(line).toContain('daylight=true');
  });

  it('writes nothing of the context unless listed (the default)', () => {
    const event = stateEvent('sensor.t', '21.5', {}, { ...TIME, weather: { temperature: 3 } });
    const fields = fieldsOf(kind, event, []);
    for (const name of [...TIME_NAMES, 'weather_temperature']) expect(fields).not.toHaveProperty(name);
    expect(fieldsOf(kind, event, ['hour'])).not.toHaveProperty('weekday');
  });

  it('flattens an object one level and skips null, non-finite and deeper values', () => {
    const weather = {
      condition: 'sunny',
      temperature: 3,
      humidity: null,
      pressure: Number.NaN,
      stale: false,
      nested: { a: 1 },
      list: ['x'],
    };
    const event = stateEvent('sensor.t', '1', {}, { weather, carbon_intensity: { forecast: 120, index: 'moderate' } });
    const fields = fieldsOf(kind, event, ['weather', 'carbon_intensity']);
    expect(fields).toMatchObject({
      weather_condition: 'sunny',
      weather_temperature: 3,
      weather_stale: false,
      carbon_intensity_forecast: 120,
      carbon_intensity_index: 'moderate',
    });
    const names = Object.keys(fields);
    for (const skipped of [
      'weather_humidity',
      'weather_pressure',
      'weather_nested',
      'weather_list',
      'weather_nested_a',
    ])
      expect(names).not.toContain(skipped);
  });

  it(`writes at most ${MAX_CONTEXT_FIELDS_PER_PROPERTY} fields per property`, () => {
    const big = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const fields = fieldsOf(kind, stateEvent('sensor.t', '1', {}, { big }), ['big']);
    const written = Object.keys(fields).filter((k) => k.startsWith('big_'));
    expect(written).toHaveLength(MAX_CONTEXT_FIELDS_PER_PROPERTY);
    expect(written[0]).toBe('big_k0');
  });

  it("lets the schema's own fields win a name clash (value, state, attributes)", () => {
    const event = stateEvent(
      'sensor.t',
      '21.5',
      { season: 'dry' },
      { value: 'context', season: 'winter', weather: { x: 1 }, weather_x: 'top' },
    );
    const fields = fieldsOf(kind, event, ['value', 'season', 'weather_x', 'weather']);
    expect(fields['value']).toBe(21.5);
    // The attribute is written by the schema (`ha`: as `season_str`, `entity`: as `season`); the context
    // `season` is then written only where its name is free.
    if (kind === 'entity') expect(fields['season']).toBe('dry');
    else expect([fields['season'], fields['season_str']]).toEqual(['winter', 'dry']);
    // An earlier listed property wins over a flattened key of the same name.
    expect(fields['weather_x']).toBe('top');
  });

  it('keeps line-protocol escaping for odd property and key names', () => {
    const event = stateEvent('sensor.t', '1', {}, { 'a b': { 'c,d': 'x "y"', 'e=f': 2 } });
    const [point] = createSchemaMapper({ kind, contextFields: ['a b'] })(event);
    const line = serializePoint(point!, 'us');
    expect(line).toContain('a\\ b_c\\,d="x \\"y\\""');
    expect(line).toContain('a\\ b_e\\=f=2');
  });

  it('leaves non-state events alone', () => {
    const event = { ...callServiceEvent('light', 'turn_on', {}), hour: 14 };
    const [point] = createSchemaMapper({ kind, contextFields: ['hour'] })(event);
    expect(point?.fields).not.toHaveProperty('hour');
  });
});

describe('contextFields options', () => {
  it.each([
    [['time'], 'time'],
    [['hour', 'hour'], 'unique'],
    [[''], 'contextFields'],
  ])('refuses %j', (names, needle) => {
    let thrown: unknown;
    try {
      createSchemaMapper({ contextFields: names });
    } catch (error) {
      thrown = error;
    }
    expect(isSdkError(thrown)).toBe(true);
    expect(String((thrown as Error).message)).toContain(needle);
  });
});
