import type { SimulatedHome } from './home.js';
import type { SimStatisticRow, StatisticsStore } from './statistics-store.js';

const HOUR_MS = 3_600_000;

/** Statistic ids of {@link seedStatisticsScenario}, by the case each one shows. */
export const STATISTICS_SCENARIO = {
  /** Arithmetic mean with min/max (°C). */
  temperature: 'sensor.stats_outdoor_temperature',
  /** Circular mean: `mean_type: 2`, `has_mean: false`, no min/max. */
  windDirection: 'sensor.stats_wind_direction',
  /** A meter (total_increasing) whose reading resets halfway; the sum keeps growing. */
  meterReset: 'sensor.stats_grid_energy',
  /** A meter with a daily `last_reset` (state_class total). */
  dailyReset: 'sensor.stats_daily_energy',
  /** An external statistic (`domain:name`, no entity) with gaps. */
  external: 'tibber:stats_energy_home',
  /** Stored in Wh while the entity now displays kWh (its unit changed). */
  unitChange: 'sensor.stats_solar_energy',
  /** Metadata but no rows. */
  noRows: 'sensor.stats_new_power',
  /** Rows but no entity any more. */
  noEntity: 'sensor.stats_old_humidity',
} as const;

/**
 * Fills the store with the statistics cases HA servers produce, `hours` hourly rows ending before `endMs`
 * (floored to the hour), and adds the entities some of them belong to. Deterministic.
 */
export function seedStatisticsScenario(
  store: StatisticsStore,
  home: SimulatedHome,
  options: { readonly hours: number; readonly endMs: number },
): void {
  const end = Math.floor(options.endMs / HOUR_MS) * HOUR_MS;
  const first = end - options.hours * HOUR_MS;
  const hours = (make: (start: number, i: number) => SimStatisticRow | undefined): SimStatisticRow[] => {
    const out: SimStatisticRow[] = [];
    for (let i = 0; i < options.hours; i++) {
      const row = make(first + i * HOUR_MS, i);
      if (row !== undefined) out.push(row);
    }
    return out;
  };
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  const S = STATISTICS_SCENARIO;
  const ensure = (id: string, state: string, attributes: Record<string, unknown>): void => {
    if (home.getState(id) === undefined) home.addEntity(id, state, attributes, { registry: false });
  };

  store.define({
    statistic_id: S.temperature,
    source: 'recorder',
    name: null,
    unit: '°C',
    unit_class: 'temperature',
    mean_type: 1,
    has_sum: false,
  });
  store.upsert(
    S.temperature,
    hours((start, i) => {
      const mean = round(12 + 6 * Math.sin(i / 4));
      return { start, mean, min: round(mean - 1.25), max: round(mean + 0.75) };
    }),
  );
  ensure(S.temperature, '12.0', { unit_of_measurement: '°C', device_class: 'temperature', state_class: 'measurement' });

  store.define({
    statistic_id: S.windDirection,
    source: 'recorder',
    name: null,
    unit: '°',
    unit_class: null,
    mean_type: 2,
    has_sum: false,
  });
  store.upsert(
    S.windDirection,
    hours((start, i) => ({ start, mean: (i * 37 + 350) % 360 })),
  );

  store.define({
    statistic_id: S.meterReset,
    source: 'recorder',
    name: null,
    unit: 'kWh',
    unit_class: 'energy',
    mean_type: 0,
    has_sum: true,
  });
  const half = Math.floor(options.hours / 2);
  store.upsert(
    S.meterReset,
    hours((start, i) => ({
      start,
      state: round(i < half ? 1000 + 0.5 * (i + 1) : 0.5 * (i - half + 1)),
      sum: round(0.5 * (i + 1)),
      last_reset: null,
    })),
  );
  ensure(S.meterReset, '0', { unit_of_measurement: 'kWh', device_class: 'energy', state_class: 'total_increasing' });

  store.define({
    statistic_id: S.dailyReset,
    source: 'recorder',
    name: null,
    unit: 'kWh',
    unit_class: 'energy',
    mean_type: 0,
    has_sum: true,
  });
  store.upsert(
    S.dailyReset,
    hours((start, i) => {
      const midnight = Math.floor(start / (24 * HOUR_MS)) * 24 * HOUR_MS;
      const hourOfDay = (start - midnight) / HOUR_MS;
      return { start, state: round(0.25 * (hourOfDay + 1)), sum: round(0.25 * (i + 1)), last_reset: midnight };
    }),
  );

  store.define({
    statistic_id: S.external,
    source: 'tibber',
    name: 'Home consumption',
    unit: 'kWh',
    unit_class: 'energy',
    mean_type: 0,
    has_sum: true,
  });
  store.upsert(
    S.external,
    hours((start, i) => (i % 5 === 2 ? undefined : { start, state: round(0.8 * i), sum: round(0.8 * i) })),
  );

  store.define({
    statistic_id: S.unitChange,
    source: 'recorder',
    name: null,
    unit: 'Wh',
    unit_class: 'energy',
    mean_type: 0,
    has_sum: true,
  });
  store.upsert(
    S.unitChange,
    hours((start, i) => ({ start, state: 150 * (i + 1), sum: 150 * (i + 1) })),
  );
  ensure(S.unitChange, '0', { unit_of_measurement: 'kWh', device_class: 'energy', state_class: 'total_increasing' });

  store.define({
    statistic_id: S.noRows,
    source: 'recorder',
    name: null,
    unit: 'W',
    unit_class: 'power',
    mean_type: 1,
    has_sum: false,
  });

  store.define({
    statistic_id: S.noEntity,
    source: 'recorder',
    name: null,
    unit: '%',
    unit_class: null,
    mean_type: 1,
    has_sum: false,
  });
  store.upsert(
    S.noEntity,
    hours((start, i) => ({ start, mean: 40 + (i % 10), min: 38 + (i % 10), max: 43 + (i % 10) })),
  );
}
