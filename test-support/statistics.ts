import type { HaSimulator } from '@ha-ingestor/ha-simulator';

/** The faults the simulator's statistics store can play, by statistic id. */
export type StatisticFaults = Readonly<Record<string, 'malformed-row' | 'missing-field' | 'huge-reply'>>;

/**
 * Defines one hourly energy statistic (kWh, with a sum) per id, each with rows 1, 2 and 3 hours before `end`, and
 * makes the simulator answer it with the given fault — the bad replies an import must dead-letter.
 */
export function defineFaultyStatistics(sim: HaSimulator, faults: StatisticFaults, end: number): void {
  const hour = 3_600_000;
  for (const [id, fault] of Object.entries(faults)) {
    sim.statistics.define({
      statistic_id: id,
      source: 'recorder',
      name: null,
      unit: 'kWh',
      unit_class: 'energy',
      mean_type: 0,
      has_sum: true,
    });
    sim.statistics.upsert(
      id,
      [1, 2, 3].map((i) => ({ start: end - i * hour, sum: i, state: i })),
    );
    sim.statistics.faults.set(id, fault);
  }
}
