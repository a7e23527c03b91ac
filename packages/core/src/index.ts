export type {
  EpochMicros,
  HaContext,
  HaState,
  DeliveryMode,
  Provenance,
  StateChangedEvent,
  CallServiceEvent,
  AutomationTriggeredEvent,
  ScriptStartedEvent,
  GenericHaEvent,
  HaEvent,
  HaDataEvent,
} from './event.js';
export { eventKey, eventSeries, isStateChanged, splitEntityId } from './identity.js';
export { parseHaTime, formatHaTime, secondsToMicros, microsToSeconds, millisToMicros } from './time.js';
export {
  EVENT_TIME_MIN,
  EVENT_TIME_MAX,
  EVENT_TIME_FIELDS,
  checkEventTime,
  lagSeconds,
  LAG_MAX_SKEW_SECONDS,
  LAG_MAX_AGE_SECONDS,
} from './event-time.js';
export type { EventTimeProblem } from './event-time.js';
export { ErrorCode, SdkError, ConfigError, isSdkError, toSdkError } from './errors.js';
export type { SdkErrorDetails, ConfigIssue } from './errors.js';
export { createGuard, createReportingGuard } from './guard.js';
export type { Guard, GuardRecover, GuardTarget } from './guard.js';
export { noopLogger, createJsonLogger } from './logger.js';
export type { Logger, LogFn, LogLevel, JsonLoggerOptions } from './logger.js';
export { MASK, isSecretKey, maskSecrets, maskUrl } from './secrets.js';
export { parseOptions, toConfigIssues, optionRows, optionsTable } from './config.js';
export type { OptionRow } from './config.js';
export { createMetrics, METRIC_PREFIX, DURATION_BUCKETS } from './metrics.js';
export type { Metrics } from './metrics.js';
export type { StageContext, DeadLetterInput, DeadLetterRecord, Ack, SourceStatus } from './context.js';
export { defineSource } from './source.js';
export type { Source, SourceContext, SourceImpl, SourceDefinition, SourceFactory } from './source.js';
export { defineEnricher, DROP } from './enricher.js';
export type { Enricher, EnricherImpl, EnricherDefinition, EnricherFactory, AddedOf, Drop } from './enricher.js';
export { defineSink } from './sink.js';
export type { Sink, SinkImpl, SinkDefinition, SinkFactory, SinkWriteResult, RejectedEvent } from './sink.js';
export { createRegistryStore, REGISTRY_MAX_ENTRIES } from './registry.js';
export type {
  AreaEntry,
  FloorEntry,
  DeviceEntry,
  EntityEntry,
  LabelEntry,
  HaLocationConfig,
  RegistrySnapshot,
  RegistryProvider,
  RegistryStore,
  RegistryData,
  RegistryStoreOptions,
  RegistryKind,
} from './registry.js';
export { createFileCheckpointStore, createMemoryCheckpointStore } from './checkpoint.js';
export type { CheckpointStore, FileCheckpointStoreOptions } from './checkpoint.js';
export { pipeline } from './builder.js';
export { compileFilterRules, globToRegExp } from './filter.js';
export type {
  Merge,
  EventOf,
  BatchOptions,
  RetryOptions,
  BreakerOptions,
  WhenFull,
  OutboxOptions,
  DeliveryOptions,
  FilterRules,
  FilterSet,
  DedupeOptions,
  PipelineOptions,
  PipelineStats,
  HealthState,
  ComponentHealth,
  PipelineHealth,
  PipelineEvents,
  Pipeline,
  PipelineBuilder,
  FilterMethod,
  AnyComponentEvent,
} from './pipeline.js';
export { withRetry, backoffDelay, isNetworkError, sleep, RETRY_AFTER_CAP_FACTOR } from './retry.js';
export type { WithRetryOptions, BackoffPolicy } from './retry.js';
export { createBreaker } from './breaker.js';
export type { Breaker, BreakerState, CreateBreakerOptions } from './breaker.js';
export { serializePoint, serializePoints, intField, formatTimestamp } from './line-protocol.js';
export { escapeMeasurement, escapeKey, quoteString, quoteStringSingleLine, LineProtocolReason } from './line-protocol-escape.js';
export type { Precision, IntegerValue, FieldValue, Point, RejectedPoint, SerializedPoints, SerializeOptions } from './line-protocol.js';
export { openOutbox, OutboxOptionsSchema } from './outbox.js';
export type { Outbox, OutboxEntry, OpenOutboxOptions } from './outbox.js';
export {
  PipelineOptionsSchema,
  DeliveryOptionsSchema,
  BatchOptionsSchema,
  RetryOptionsSchema,
  BreakerOptionsSchema,
  DedupeOptionsSchema,
} from './runtime-options.js';
export { createDedupeStore } from './dedupe.js';
export { dedupeIdentity } from './identity.js';
export type { DedupeStore } from './dedupe.js';
export { createBoundedQueue } from './queue.js';
export type { BoundedQueue } from './queue.js';
export { estimateSize } from './batcher.js';
export { toJsonSafe, TRUNCATED } from './json-safe.js';
export { MAX_EVENT_DEPTH, MAX_JSON_DEPTH, parseJsonText, jsonDepthBeyond, valueDepth } from './json-text.js';
export type { JsonTextError } from './json-text.js';
export type { JsonSafeLimits } from './json-safe.js';
export { fileSink } from './file-sink.js';
export type { FileSinkHooks } from './file-sink.js';
export { FileSinkOptionsSchema } from './file-sink-options.js';
export type { FileSinkOptions, ResolvedFileSinkOptions } from './file-sink-options.js';
export { defaultToLines, lineProtocolHeader, unsafeLineReason } from './file-lp.js';
export type { FileSinkEvent, ToLinesResult } from './file-lp.js';
