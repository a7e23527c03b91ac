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
