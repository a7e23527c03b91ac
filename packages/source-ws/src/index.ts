export { haWebSocketSource } from './ha-websocket-source.js';
export type { HaWebSocketHooks } from './ha-websocket-source.js';
export type { HaWebSocketCheckpoint } from './checkpoint-writer.js';
export {
  HaWebSocketOptionsSchema,
  HaWebSocketUrlSchema,
  DEFAULT_EVENT_TYPES,
  REGISTRY_EVENT_TYPES,
  defaultCheckpointKey,
  describeUrlProblem,
} from './options.js';
export type { HaWebSocketOptions, ResolvedHaWebSocketOptions } from './options.js';
export { importHistory, haHistoryImportSource, HaHistoryImportOptionsSchema } from './history-import.js';
export type { HaHistoryImportOptions, ImportProgress, ImportHistoryHooks } from './history-import.js';
export { connectHa } from './connection.js';
export type { ConnectHaOptions, HaConnection, CloseInfo, CreateSocket } from './connection.js';
export { splitFrame, classifyMessage, normaliseEvent, parseState, historyRowsToEvents } from './protocol.js';
export type { HaMessage, FrameParse, Normalised, ProvenanceInput, HistoryRow } from './protocol.js';
export { planChunks, fetchHistoryChunk, entitiesInScope } from './backfill.js';
export type { HistoryChunk, FetchHistoryOptions, HistoryChunkResult } from './backfill.js';
export { toRegistryData, mapConfig, registryOfEvent } from './registry-sync.js';
export type { RegistryKind } from './registry-sync.js';
export { createCheckpointTracker } from './checkpoint-tracker.js';
export type { CheckpointTracker, TrackedEntry } from './checkpoint-tracker.js';
