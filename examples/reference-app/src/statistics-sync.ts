import type { CheckpointStore, HaEvent, Source } from '@ha-ingestor/core';
import { haStatisticsSyncSource } from '@ha-ingestor/source-ws';
import type { AppConfig } from './config.js';
import { STATISTICS_CHECKPOINT_KEY } from './import-statistics.js';

/**
 * The `statistics.sync` source: a pass after each `recorder_hourly_statistics_generated` (or when polling
 * finds a new hour), from each statistic's checkpoint or the trailing window, whichever is earlier. It shares
 * the checkpoint of `import-statistics`, so after an import the service continues exactly where it ended.
 */
export function statisticsSyncSource(
  config: AppConfig,
  url: string,
  token: string,
  checkpoints: CheckpointStore,
): Source<HaEvent> {
  return haStatisticsSyncSource(
    {
      url,
      token,
      checkpointKey: STATISTICS_CHECKPOINT_KEY,
      trailingHours: config.statistics.syncWindowHours,
      pollIntervalMs: Math.round(config.statistics.pollMinutes * 60_000),
    },
    { checkpoints },
  );
}
