// Issue 20: `unitNormalize` in front of this sink makes `state` a number. Both schemas must write it as
// they write the numeric text it came from, labelled with the unit of the number it holds.
import { createTestContext } from '@ha-ingestor/core/testing';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { unitNormalize } from '@ha-ingestor/enrichers';
import type { UnitNormalizeAdded } from '@ha-ingestor/enrichers';
import { describe, expect, it } from 'vitest';
import { stateEvent } from '../../test/fixtures/events.js';
import { createSchemaMapper } from './mapper.js';

/** The event as the pipeline hands it on after `unitNormalize` (the runtime merges `{ ...event, ...added }`). */
async function normalised(event: StateChangedEvent, options: Parameters<typeof unitNormalize>[0] = {}) {
  const added = await unitNormalize(options).enrich(event, createTestContext());
  if (typeof added === 'symbol') throw new Error('unitNormalize dropped the event');
  const merged: Omit<StateChangedEvent, keyof UnitNormalizeAdded> & UnitNormalizeAdded = { ...event, ...added };
  return merged;
}

const SAMPLES: readonly [string, Record<string, unknown>][] = [
  ['21.5', { unit_of_measurement: '°C', device_class: 'temperature', friendly_name: 'Kitchen' }],
  ['21.5', { unit_of_measurement: '°C', state_class: 'measurement' }],
  ['-3', { unit_of_measurement: 'W', state_class: 'total_increasing', value: 'x' }],
  ['0', {}],
  ['1000', { unit_of_measurement: 'lx' }],
];

describe.each(['ha', 'entity'] as const)('a number state in the %s schema', (kind) => {
  const map = createSchemaMapper({ kind });

  it.each(SAMPLES)('maps %s (coerced, no conversion) to the same point as the text', async (text, attributes) => {
    const event = stateEvent('sensor.x', text, attributes);
    const coerced = await normalised(event, { convert: [] });
    expect(typeof coerced.state).toBe('number');
    expect(map(coerced)).toEqual(map(event));
  });

  it('is no longer rejected as mapping_invalid', async () => {
    const { points, rejected } = map.toPointsBatch([
      await normalised(stateEvent('sensor.outside', '70.7', { unit_of_measurement: '°F' })),
    ]);
    expect(rejected).toEqual([]);
    expect(points).toHaveLength(1);
  });

  it('still rejects a state that is neither text, number nor null', () => {
    const { rejected } = map.toPointsBatch([{ ...stateEvent('sensor.x', 'on'), state: undefined }]);
    expect(rejected).toEqual([
      { index: 0, reason: 'mapping_invalid', message: 'state_changed event for sensor.x has no state' },
    ]);
  });
});

describe('a converted number state is labelled with its converted unit', () => {
  it('ha schema: °F → °C gives measurement °C and the converted value (HA: numeric state → `value` only)', async () => {
    const [point] = createSchemaMapper({ kind: 'ha' })(
      await normalised(stateEvent('sensor.outside', '70.7', { unit_of_measurement: '°F' })),
    );
    expect(point?.measurement).toBe('°C');
    expect({ ...point?.fields }).toEqual({ value: 21.5 });
  });

  it('ha schema with measurementAttr entity_id: the unit field carries the converted unit', async () => {
    const map = createSchemaMapper({ kind: 'ha', measurementAttr: 'entity_id' });
    const [point] = map(await normalised(stateEvent('sensor.outside', '70.7', { unit_of_measurement: '°F' })));
    expect({ ...point?.fields }).toEqual({ value: 21.5, unit_of_measurement_str: '°C' });
  });

  it('entity schema: unit tag °C, `state` stays a string field, `value` the number', async () => {
    const [point] = createSchemaMapper({ kind: 'entity' })(
      await normalised(stateEvent('sensor.outside', '70.7', { unit_of_measurement: '°F' })),
    );
    expect(point?.tags['unit']).toBe('°C');
    expect({ ...point?.fields }).toEqual({ state: '21.5', value: 21.5 });
  });

  it('entity schema: the `state` text of a number is its JavaScript text (HA\'s "1e3" arrives as 1000)', async () => {
    const [point] = createSchemaMapper({ kind: 'entity' })(
      await normalised(stateEvent('sensor.lux', '1e3', { unit_of_measurement: 'lx' })),
    );
    expect({ ...point?.fields }).toEqual({ state: '1000', value: 1000 });
  });

  it('a number state without a unit field keeps the attribute unit', () => {
    const [point] = createSchemaMapper({ kind: 'ha' })({
      ...stateEvent('sensor.x', '1', { unit_of_measurement: 'W' }),
      state: 5,
    });
    expect(point?.measurement).toBe('W');
    expect({ ...point?.fields }).toEqual({ value: 5 });
  });
});
