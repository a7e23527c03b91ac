import { describe, expect, it } from 'vitest';
import {
  isRejection,
  parseStatisticMeta,
  parseStatisticRow,
  splitStatisticId,
  statisticEvent,
} from './statistic-rows.js';
import type { StatisticMeta } from './statistic-rows.js';

const H = Date.UTC(2024, 2, 1, 5);
const meter: StatisticMeta = {
  statistic_id: 'sensor.energy',
  source: 'recorder',
  name: null,
  unit: 'kWh',
  unit_class: 'energy',
  mean_type: 0,
  has_sum: true,
  external: false,
};

describe('statistics metadata', () => {
  it('takes mean_type over has_mean: a circular mean says has_mean false and is still a mean', () => {
    const meta = parseStatisticMeta({
      statistic_id: 'sensor.wind_direction',
      display_unit_of_measurement: '°',
      has_mean: false,
      mean_type: 2,
      has_sum: false,
      name: null,
      source: 'recorder',
      statistics_unit_of_measurement: '°',
      unit_class: null,
    });
    expect(meta).toMatchObject({ mean_type: 2, has_sum: false, unit: '°', external: false });
  });

  it('falls back to has_mean on servers without mean_type, and reads external ids', () => {
    expect(parseStatisticMeta({ statistic_id: 'sensor.t', has_mean: true, has_sum: false })).toMatchObject({
      mean_type: 1,
    });
    expect(
      parseStatisticMeta({
        statistic_id: 'tibber:energy',
        has_mean: false,
        has_sum: true,
        source: 'tibber',
        statistics_unit_of_measurement: 'kWh',
      }),
    ).toMatchObject({ external: true, source: 'tibber', mean_type: 0, has_sum: true, unit: 'kWh' });
  });

  it('refuses entries without a usable id or with an unknown mean_type, naming the problem', () => {
    expect(parseStatisticMeta({ has_sum: true })).toMatchObject({
      reason: 'statistics_meta_invalid',
      message: 'metadata entry has no statistic_id',
    });
    expect(parseStatisticMeta({ statistic_id: 'nodomain' })).toMatchObject({ reason: 'statistics_meta_invalid' });
    expect(parseStatisticMeta({ statistic_id: 'sensor.a', mean_type: 7 })).toMatchObject({
      message: 'sensor.a: mean_type 7 is not 0, 1 or 2',
    });
  });
});

describe('statistics rows', () => {
  it('reads integer epoch ms and ISO strings alike (HA 2022.12+ and older)', () => {
    const modern = parseStatisticRow(
      { start: H, end: H + 3_600_000, sum: 5, state: 105, last_reset: H - 5 * 3_600_000 },
      meter,
    );
    const legacy = parseStatisticRow(
      {
        statistic_id: 'sensor.energy',
        start: new Date(H).toISOString().replace('Z', '+00:00'),
        end: new Date(H + 3_600_000).toISOString(),
        sum: 5,
        state: 105,
        last_reset: new Date(H - 5 * 3_600_000).toISOString(),
      },
      meter,
    );
    expect(modern).toEqual(legacy);
    expect(modern).toMatchObject({
      start: H,
      sum: 5,
      state: 105,
      last_reset: H - 5 * 3_600_000,
      entity_id: 'sensor.energy',
      domain: 'sensor',
    });
  });

  it('keeps null values out and last_reset null as null', () => {
    const row = parseStatisticRow(
      { start: H, end: H, mean: null, min: null, max: null, sum: 2, state: 2, last_reset: null },
      meter,
    );
    expect(row).toEqual({
      statistic_id: 'sensor.energy',
      entity_id: 'sensor.energy',
      domain: 'sensor',
      source: 'recorder',
      period: 'hour',
      unit: 'kWh',
      mean_type: 0,
      start: H,
      sum: 2,
      state: 2,
      last_reset: null,
    });
  });

  it('refuses a malformed row or a missing field with a specific message', () => {
    const bad = (raw: unknown) => {
      const r = parseStatisticRow(raw, meter);
      return isRejection(r) ? r.message : 'accepted';
    };
    expect(bad('x')).toBe('sensor.energy: row is not an object');
    expect(bad({ start: 'yesterday', sum: 1 })).toBe('sensor.energy: row start "yesterday" is not a time');
    expect(bad({ start: H + 1000, sum: 1 })).toBe(
      'sensor.energy: row start 2024-03-01T05:00:01.000Z is not on the hour',
    );
    expect(bad({ start: H, sum: 'many' })).toBe('sensor.energy: sum "many" is not a finite number');
    expect(bad({ start: H, state: 3 })).toBe('sensor.energy: row at 2024-03-01T05:00:00.000Z has no sum');
    expect(bad({ start: H, mean: 1 })).toBe('sensor.energy: row at 2024-03-01T05:00:00.000Z has no sum');
    const mean = { ...meter, has_sum: false, mean_type: 1 as const };
    expect(isRejection(parseStatisticRow({ start: H, min: 1 }, mean))).toBe(true);
  });

  it('external statistics have no entity_id; the domain is the part before the colon', () => {
    const external = { ...meter, statistic_id: 'tibber:energy', external: true, source: 'tibber' };
    const row = parseStatisticRow({ start: H, sum: 1 }, external);
    expect(row).not.toHaveProperty('entity_id');
    expect(row).toMatchObject({ domain: 'tibber' });
    expect(splitStatisticId('sensor.a:b')).toBe('sensor');
    expect(splitStatisticId('a:b.c')).toBe('a');
  });

  it('gives the same key to the same row and another key when HA rewrote its values', () => {
    const row = parseStatisticRow({ start: H, sum: 1, state: 1 }, meter);
    const adjusted = parseStatisticRow({ start: H, sum: 1.5, state: 1 }, meter);
    if (isRejection(row) || isRejection(adjusted)) throw new Error('unexpected rejection');
    const a = statisticEvent(row, 'test', 0);
    expect(statisticEvent(row, 'test', 99).key).toBe(a.key);
    expect(statisticEvent(adjusted, 'test', 0).key).not.toBe(a.key);
    expect(a).toMatchObject({ event_type: 'ha_statistic', time_fired: H * 1000, provenance: { mode: 'import' } });
  });
});
