import { describe, expect, it } from 'vitest';
import { serializePoint } from '@ha-ingestor/core/line-protocol';
import { stateEvent } from '../../test/fixtures/events.js';
import { createSchemaMapper } from './mapper.js';
import type { MappableEvent } from './types.js';

const HOUR = Date.UTC(2024, 0, 1, 10);

function statistic(data: Record<string, unknown>): MappableEvent {
  return { event_type: 'ha_statistic', time_fired: HOUR * 1000, context: null, data };
}

const energy = statistic({
  statistic_id: 'sensor.grid_energy',
  entity_id: 'sensor.grid_energy',
  domain: 'sensor',
  period: 'hour',
  unit: 'kWh',
  start: HOUR,
  sum: 12.5,
  state: 1012.5,
  last_reset: Date.UTC(2024, 0, 1),
});

describe('statistics rows', () => {
  it('ha schema: measurement = statistics unit, period=hour and statistic_id tags, renamed reading/last reset', () => {
    const [point] = createSchemaMapper({ tags: { instance: 'home' } })(energy);
    expect(point).toEqual({
      measurement: 'kWh',
      tags: {
        domain: 'sensor',
        entity_id: 'grid_energy',
        statistic_id: 'sensor.grid_energy',
        period: 'hour',
        instance: 'home',
      },
      fields: { sum: 12.5, reading: 1012.5, last_reset_ts: Date.UTC(2024, 0, 1) / 1000 },
      time: HOUR * 1000,
    });
  });

  it('never uses the live field names state, value or last_reset, and lives in another series than live points', () => {
    const map = createSchemaMapper();
    const [stat] = map(energy);
    const [live] = map(
      stateEvent('sensor.grid_energy', '1012.5', {
        unit_of_measurement: 'kWh',
        last_reset: '2024-01-01T00:00:00+00:00',
      }),
    );
    expect(Object.keys(stat?.fields ?? {})).not.toEqual(expect.arrayContaining(['state']));
    for (const key of ['state', 'value', 'last_reset']) expect(stat?.fields).not.toHaveProperty(key);
    expect(live?.measurement).toBe(stat?.measurement);
    expect(live?.tags).not.toHaveProperty('period');
    // A field both write has the same type (float) in both.
    for (const [key, value] of Object.entries(stat?.fields ?? {})) {
      const other = live?.fields[key];
      if (other !== undefined) expect(typeof other).toBe(typeof value);
    }
  });

  it('entity schema: measurement from the template, full entity_id and unit tags', () => {
    const map = createSchemaMapper({ kind: 'entity' });
    const [point] = map(
      statistic({
        statistic_id: 'sensor.t',
        entity_id: 'sensor.t',
        domain: 'sensor',
        unit: '°C',
        start: HOUR,
        mean: 20.5,
        min: 19,
        max: 22,
      }),
    );
    expect(point?.measurement).toBe('sensor');
    expect(point?.tags).toEqual({
      entity_id: 'sensor.t',
      domain: 'sensor',
      unit: '°C',
      statistic_id: 'sensor.t',
      period: 'hour',
    });
    expect(point?.fields).toEqual({ mean: 20.5, min: 19, max: 22 });
  });

  it('an external statistic has no entity_id tag', () => {
    const [point] = createSchemaMapper()(
      statistic({ statistic_id: 'tibber:energy_home', domain: 'tibber', unit: 'kWh', start: HOUR, sum: 3, state: 3 }),
    );
    expect(point?.tags).toEqual({ domain: 'tibber', statistic_id: 'tibber:energy_home', period: 'hour' });
  });

  it('the same row always gives the same line (a re-import overwrites its point)', () => {
    const map = createSchemaMapper();
    const a = serializePoint(map(energy)[0]!, 'us');
    const b = serializePoint(map({ ...energy, data: { ...energy.data, sum: 13 } })[0]!, 'us');
    expect(a.slice(0, a.indexOf(' '))).toBe(b.slice(0, b.indexOf(' ')));
    expect(a.slice(a.lastIndexOf(' '))).toBe(b.slice(b.lastIndexOf(' ')));
    expect(a).not.toBe(b);
  });

  it('rejects a row without statistic_id, start or values with a reason, the rest of the batch maps', () => {
    const map = createSchemaMapper();
    const { points, rejected } = map.toPointsBatch([
      statistic({ domain: 'sensor', start: HOUR, sum: 1 }),
      statistic({ statistic_id: 'sensor.a', domain: 'sensor', start: 'x', sum: 1 }),
      statistic({ statistic_id: 'sensor.a', domain: 'sensor', start: HOUR }),
      energy,
    ]);
    expect(points).toHaveLength(1);
    expect(rejected.map((r) => [r.index, r.reason, r.message])).toEqual([
      [0, 'statistic_invalid', 'statistics row has no statistic_id'],
      [1, 'statistic_invalid', 'statistics row of sensor.a has no integer start'],
      [2, 'statistic_invalid', 'statistics row of sensor.a has no value'],
    ]);
  });
});
