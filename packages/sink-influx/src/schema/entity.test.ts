import { describe, expect, it } from 'vitest';
import { stateEvent } from '../../test/fixtures/events.js';
import { createSchemaMapper } from './mapper.js';

const map = createSchemaMapper({ kind: 'entity' });

describe('entity schema', () => {
  it('writes one measurement per domain with the full entity id, unit and device class as tags', () => {
    const [point] = map(
      stateEvent('sensor.kitchen_temperature', '21.5', {
        unit_of_measurement: '°C',
        device_class: 'temperature',
        state_class: 'measurement',
        friendly_name: 'Kitchen',
      }),
    );
    expect(point?.measurement).toBe('sensor');
    expect({ ...point?.tags }).toEqual({
      entity_id: 'sensor.kitchen_temperature',
      domain: 'sensor',
      device_class: 'temperature',
      unit: '°C',
      state_class: 'measurement',
    });
    expect({ ...point?.fields }).toEqual({ value: 21.5, friendly_name: 'Kitchen' });
  });

  it('writes `state` instead of `value` when a measurement-class sensor is not numeric', () => {
    const [point] = map(stateEvent('sensor.power', 'unavailable', { state_class: 'total_increasing' }));
    expect({ ...point?.fields }).toEqual({ state: 'unavailable' });
  });

  it('writes `state` and, for HA’s numeric states, `value` when there is no state_class', () => {
    expect({ ...map(stateEvent('light.desk', 'on'))[0]?.fields }).toEqual({ state: 'on', value: 1 });
    expect({ ...map(stateEvent('input_number.x', '7'))[0]?.fields }).toEqual({ state: '7', value: 7 });
    expect({ ...map(stateEvent('select.mode', 'eco'))[0]?.fields }).toEqual({ state: 'eco' });
    expect({ ...map(stateEvent('sensor.x', 'unknown'))[0]?.fields }).toEqual({ state: 'unknown' });
  });

  it('keeps attribute types: float, boolean, string, JSON for lists and objects; drops null', () => {
    const [point] = map(
      stateEvent('climate.living', 'heat', {
        temperature: 21,
        hvac_modes: ['heat', 'off'],
        preset: { a: 1 },
        aux: false,
        none: null,
        nan: Number.NaN,
      }),
    );
    expect({ ...point?.fields }).toEqual({
      state: 'heat',
      temperature: 21,
      hvac_modes: '["heat","off"]',
      preset: '{"a":1}',
      aux: false,
    });
  });

  it('adds the registry enricher’s area, floor, device, labels and unique_id as tags', () => {
    const [point] = map(
      stateEvent(
        'light.desk',
        'on',
        {},
        { area: 'Office', floor: { name: 'First' }, device_name: 'Desk lamp', labels: ['b', 'a'], unique_id: 'u-1' },
      ),
    );
    expect(point?.tags).toMatchObject({
      area: 'Office',
      floor: 'First',
      device: 'Desk lamp',
      labels: 'a,b',
      unique_id: 'u-1',
    });
  });

  it('renders the measurement template and falls back to the domain when it renders empty', () => {
    const byClass = createSchemaMapper({ kind: 'entity', entityMeasurement: '{domain}.{device_class}' });
    expect(byClass(stateEvent('sensor.t', '1', { device_class: 'temperature' }))[0]?.measurement).toBe(
      'sensor.temperature',
    );
    const byUnit = createSchemaMapper({ kind: 'entity', entityMeasurement: '{unit}' });
    expect(byUnit(stateEvent('sensor.t', '1'))[0]?.measurement).toBe('sensor');
  });

  it('honours overrides, ignored attributes, tag attributes and static tags', () => {
    const custom = createSchemaMapper({
      kind: 'entity',
      componentConfigDomain: { sensor: { overrideMeasurement: 'sensors', ignoreAttributes: ['secret'] } },
      tagsAttributes: ['room'],
      tags: { instance: 'home' },
    });
    const [point] = custom(stateEvent('sensor.t', '1', { secret: 'x', room: 'kitchen', value: 5, time: 3 }));
    expect(point?.measurement).toBe('sensors');
    expect(point?.tags).toMatchObject({ room: 'kitchen', instance: 'home' });
    // `value` collides with the state value and `time` is dropped by InfluxDB: both get HA's `_` suffix.
    expect({ ...point?.fields }).toEqual({ state: '1', value: 1, value_: 5, time_: 3 });
  });

  it('skips unavailable states when asked', () => {
    expect(
      createSchemaMapper({ kind: 'entity', skipUnavailable: true })(stateEvent('sensor.x', 'unavailable')),
    ).toEqual([]);
  });
});
