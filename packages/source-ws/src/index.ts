export { haWebSocketSource } from './ha-websocket-source.js';
export type { HaWebSocketHooks, HaWebSocketProvides } from './ha-websocket-source.js';
export type { HaWebSocketCheckpoint } from './recovery/checkpoint-writer.js';
export {
  HaWebSocketOptionsSchema,
  HaWebSocketUrlSchema,
  DEFAULT_EVENT_TYPES,
  REGISTRY_EVENT_TYPES,
  defaultCheckpointKey,
  describeUrlProblem,
} from './options.js';
export type { HaWebSocketOptions, ResolvedHaWebSocketOptions } from './options.js';
export { importHistory, haHistoryImportSource, HaHistoryImportOptionsSchema } from './recovery/history-import.js';
export type { HaHistoryImportOptions, ImportProgress, ImportHistoryHooks } from './recovery/history-import.js';
export { connectHa } from './connection/connection.js';
export type { ConnectHaOptions, HaConnection, CloseInfo, CreateSocket } from './connection/connection.js';
export { splitFrame, classifyMessage, normaliseEvent, parseState, historyRowsToEvents } from './connection/protocol.js';
export type { HaMessage, FrameParse, Normalised, ProvenanceInput, HistoryRow } from './connection/protocol.js';
export { planChunks, fetchHistoryChunk, entitiesInScope } from './recovery/backfill.js';
export type { HistoryChunk, FetchHistoryOptions, HistoryChunkResult } from './recovery/backfill.js';
export { toRegistryData, mapConfig, registryOfEvent } from './registry-sync.js';
export type { RegistryKind } from './registry-sync.js';
export { createCheckpointTracker } from './recovery/checkpoint-tracker.js';
export type { CheckpointTracker, TrackedEntry } from './recovery/checkpoint-tracker.js';
export {
  STATISTIC_EVENT_TYPE,
  parseStatisticMeta,
  parseStatisticRow,
  statisticEvent,
  splitStatisticId,
} from './statistics/statistic-rows.js';
export type {
  StatisticMeta,
  StatisticMeanType,
  StatisticData,
  StatisticEvent,
  StatisticProblem,
  StatisticRejection,
} from './statistics/statistic-rows.js';
export { listStatistics, readStatistics, planBatches, floorHour } from './statistics/statistics-reader.js';
export type {
  ConnectionProvider,
  StatisticList,
  StatisticChunk,
  ReadStatisticsOptions,
} from './statistics/statistics-reader.js';
export {
  runStatisticsPass,
  selectStatistics,
  MAX_STATISTICS,
  CHECKPOINT_MARGIN_HOURS,
} from './statistics/statistics-import.js';
export type {
  StatisticsProgress,
  StatisticsCheckpoint,
  StatisticsPassOptions,
} from './statistics/statistics-import.js';
export {
  haStatisticsImportSource,
  haStatisticsSyncSource,
  HaStatisticsImportOptionsSchema,
  HaStatisticsSyncOptionsSchema,
  HOURLY_STATISTICS_EVENT,
} from './statistics/statistics-sources.js';
export type {
  HaStatisticsImportOptions,
  HaStatisticsSyncOptions,
  HaStatisticsHooks,
} from './statistics/statistics-sources.js';
