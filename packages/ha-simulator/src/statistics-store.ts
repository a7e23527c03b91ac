/**
 * The simulator's long-term statistics (HA's `statistics_meta` + hourly `statistics` tables), with the
 * switches that make it answer as an older server or send bad rows. Times are epoch ms; values are stored
 * in the statistics unit, as HA stores them.
 */

/** HA's `StatisticMeanType`: 0 none, 1 arithmetic, 2 circular. */
export type SimMeanType = 0 | 1 | 2;

/** One statistic's metadata (`statistics_meta`). */
export interface SimStatisticMeta {
  readonly statistic_id: string;
  /** `recorder` for entity statistics, the integration's domain for external ones (`domain:name`). */
  readonly source: string;
  readonly name: string | null;
  /** Unit the rows are stored in (`statistics_unit_of_measurement`). */
  readonly unit: string | null;
  readonly unit_class: string | null;
  readonly mean_type: SimMeanType;
  readonly has_sum: boolean;
}

/** One hourly row (`statistics` table); absent values are NULL columns. */
export interface SimStatisticRow {
  /** Epoch ms, on the hour. */
  readonly start: number;
  readonly mean?: number;
  readonly min?: number;
  readonly max?: number;
  readonly sum?: number;
  readonly state?: number;
  /** Epoch ms or null. */
  readonly last_reset?: number | null;
}

/** How `recorder/statistics_during_period` spoils one statistic's rows (tests of bad replies). */
export type StatisticsFault = 'malformed-row' | 'missing-field' | 'huge-reply';

/** Wire format switches: what an older HA would send. */
export interface StatisticsWireFormat {
  /** `ms`: integer epoch ms (HA 2022.12+); `iso`: ISO strings plus `statistic_id` in each row (older). */
  timestamps: 'ms' | 'iso';
  /** True: metadata without `mean_type` (before HA 2025.4), only `has_mean`/`has_sum`. */
  legacyMetadata: boolean;
}

/** The statistics tables and their switches. */
export interface StatisticsStore {
  /** Adds or replaces a statistic's metadata (its rows stay). */
  readonly define: (meta: SimStatisticMeta) => void;
  /** Inserts or replaces rows (by start), as `recorder/import_statistics` does. */
  readonly upsert: (statisticId: string, rows: readonly SimStatisticRow[]) => void;
  /** Every statistic's metadata, in definition order. */
  readonly metas: () => SimStatisticMeta[];
  /** One statistic's metadata, or undefined for an unknown id. */
  readonly meta: (statisticId: string) => SimStatisticMeta | undefined;
  /** Rows of one statistic, oldest first. */
  readonly rows: (statisticId: string) => readonly SimStatisticRow[];
  /** `recorder/adjust_sum_statistics`: adds `adjustment` to the sum of every row from `startMs` on. */
  readonly adjustSum: (statisticId: string, startMs: number, adjustment: number) => void;
  readonly format: StatisticsWireFormat;
  /** Faults per statistic id. */
  readonly faults: Map<string, StatisticsFault>;
}

/** Creates an empty statistics store (bounded by what tests put in it). */
export function createStatisticsStore(): StatisticsStore {
  const metas = new Map<string, SimStatisticMeta>();
  const rows = new Map<string, SimStatisticRow[]>();
  return {
    define: (meta) => void metas.set(meta.statistic_id, meta),
    upsert: (id, added) => {
      const byStart = new Map((rows.get(id) ?? []).map((r) => [r.start, r]));
      for (const row of added) byStart.set(row.start, row);
      rows.set(
        id,
        [...byStart.values()].sort((a, b) => a.start - b.start),
      );
    },
    metas: () => [...metas.values()],
    meta: (id) => metas.get(id),
    rows: (id) => rows.get(id) ?? [],
    adjustSum: (id, startMs, adjustment) => {
      const list = rows.get(id);
      if (list === undefined) return;
      rows.set(
        id,
        list.map((r) => (r.start >= startMs && r.sum !== undefined ? { ...r, sum: r.sum + adjustment } : r)),
      );
    },
    format: { timestamps: 'ms', legacyMetadata: false },
    faults: new Map(),
  };
}
