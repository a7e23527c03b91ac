import { z } from 'zod';
import { flag, ranged } from './config-values.js';

/**
 * `statistics`: keeping HA's long-term statistics in sync while the service runs (history is imported
 * with `ha-ingestor import-statistics`; both share one checkpoint under DATA_DIR).
 */
export const StatisticsConfigSchema = z
  .strictObject({
    sync: flag(
      "Import each new hour of HA's long-term statistics after `recorder_hourly_statistics_generated` (polling where the event is absent), re-reading a trailing window (STATISTICS_SYNC); needs HA_URL",
    ),
    syncWindowHours: ranged(
      'integer',
      1,
      8784,
      48,
      'Hours each sync pass re-reads, so sums changed by recorder/adjust_sum_statistics and late external rows overwrite their points (STATISTICS_SYNC_WINDOW_HOURS)',
    ),
    pollMinutes: ranged(
      'number',
      1,
      1440,
      5,
      'Minutes between checks for a new hour, for servers that do not fire the hourly event (STATISTICS_POLL_MINUTES)',
    ),
  })
  .prefault({});

/** Env names of the `statistics` keys (merged into ENV_MAP). */
export const STATISTICS_ENV: ReadonlyArray<readonly [env: string, path: string]> = [
  ['STATISTICS_SYNC', 'statistics.sync'],
  ['STATISTICS_SYNC_WINDOW_HOURS', 'statistics.syncWindowHours'],
  ['STATISTICS_POLL_MINUTES', 'statistics.pollMinutes'],
];
