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
} from './model/event.js';
export { eventKey, eventSeries, isStateChanged, splitEntityId } from './model/identity.js';
export { parseHaTime, formatHaTime, secondsToMicros, microsToSeconds, millisToMicros } from './model/time.js';
export {
  EVENT_TIME_MIN,
  EVENT_TIME_MAX,
  EVENT_TIME_FIELDS,
  checkEventTime,
  lagSeconds,
  LAG_MAX_SKEW_SECONDS,
  LAG_MAX_AGE_SECONDS,
} from './model/event-time.js';
export type { EventTimeProblem } from './model/event-time.js';
export { ErrorCode, SdkError, ConfigError, isSdkError, toSdkError } from './model/errors.js';
export type { SdkErrorDetails, ConfigIssue } from './model/errors.js';
export { createGuard, createReportingGuard } from './observability/guard.js';
export type { Guard, GuardRecover, GuardTarget } from './observability/guard.js';
export { noopLogger, createJsonLogger } from './observability/logger.js';
export type { Logger, LogFn, LogLevel, JsonLoggerOptions } from './observability/logger.js';
export { MASK, isSecretKey, maskSecrets, maskUrl } from './observability/secrets.js';
export { parseOptions, toConfigIssues, optionRows, optionsTable } from './component/config.js';
export type { OptionRow } from './component/config.js';
export { createMetrics, METRIC_PREFIX, DURATION_BUCKETS } from './observability/metrics.js';
export type { Metrics } from './observability/metrics.js';
export type { StageContext, DeadLetterInput, DeadLetterRecord, Ack, SourceStatus } from './component/context.js';
export { defineSource } from './component/source.js';
export type { Source, SourceContext, SourceImpl, SourceDefinition, SourceFactory } from './component/source.js';
export { defineEnricher, DROP } from './component/enricher.js';
export type { Enricher, EnricherImpl, EnricherDefinition, EnricherFactory, AddedOf, Drop } from './component/enricher.js';
export { defineSink } from './component/sink.js';
export type { Sink, SinkImpl, SinkDefinition, SinkFactory, SinkWriteResult, RejectedEvent } from './component/sink.js';
export { createRegistryStore, REGISTRY_MAX_ENTRIES } from './model/registry.js';
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
} from './model/registry.js';
export { createFileCheckpointStore, createMemoryCheckpointStore } from './model/checkpoint.js';
export type { CheckpointStore, FileCheckpointStoreOptions } from './model/checkpoint.js';
export { pipeline } from './builder/pipeline.js';
export { compileFilterRules, globToRegExp } from './stages/filter.js';
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
} from './builder/types.js';
export { withRetry, backoffDelay, isNetworkError, sleep, RETRY_AFTER_CAP_FACTOR } from './delivery/retry.js';
export type { WithRetryOptions, BackoffPolicy } from './delivery/retry.js';
export { createBreaker } from './delivery/breaker.js';
export type { Breaker, BreakerState, CreateBreakerOptions } from './delivery/breaker.js';
export { serializePoint, serializePoints, intField, formatTimestamp } from './line-protocol/serialize.js';
export { escapeMeasurement, escapeKey, quoteString, quoteStringSingleLine, LineProtocolReason } from './line-protocol/escape.js';
export type { Precision, IntegerValue, FieldValue, Point, RejectedPoint, SerializedPoints, SerializeOptions } from './line-protocol/serialize.js';
export { openOutbox, OutboxOptionsSchema } from './outbox/outbox.js';
export type { Outbox, OutboxEntry, OpenOutboxOptions } from './outbox/outbox.js';
export {
  PipelineOptionsSchema,
  DeliveryOptionsSchema,
  BatchOptionsSchema,
  RetryOptionsSchema,
  BreakerOptionsSchema,
  DedupeOptionsSchema,
} from './runtime/options.js';
export { createDedupeStore } from './stages/dedupe.js';
export { dedupeIdentity } from './model/identity.js';
export type { DedupeStore } from './stages/dedupe.js';
export { createBoundedQueue } from './runtime/queue.js';
export type { BoundedQueue } from './runtime/queue.js';
export { estimateSize } from './delivery/batcher.js';
export { toJsonSafe, TRUNCATED } from './observability/json-safe.js';
export { MAX_EVENT_DEPTH, MAX_JSON_DEPTH, parseJsonText, jsonDepthBeyond, valueDepth } from './model/json-text.js';
export type { JsonTextError } from './model/json-text.js';
export type { JsonSafeLimits } from './observability/json-safe.js';
export { fileSink } from './file-sink/file-sink.js';
export type { FileSinkHooks } from './file-sink/file-sink.js';
export { FileSinkOptionsSchema } from './file-sink/options.js';
export type { FileSinkOptions, ResolvedFileSinkOptions } from './file-sink/options.js';
export { defaultToLines, lineProtocolHeader, unsafeLineReason } from './file-sink/lines.js';
export type { FileSinkEvent, ToLinesResult } from './file-sink/lines.js';
