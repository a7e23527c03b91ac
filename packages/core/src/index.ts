// @ha-ingestor/core: what an integrator or a plugin author needs. Specialised helpers live in subpaths
// (see README "Public API"): /resilience, /stages, /json, /line-protocol, /file-sink, /testing.

// --- the event model ---
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
export { eventKey, isStateChanged, splitEntityId } from './model/identity.js';
export { parseHaTime, formatHaTime, secondsToMicros, microsToSeconds, millisToMicros } from './model/time.js';

// --- errors ---
export { ErrorCode, SdkError, ConfigError, isSdkError, toSdkError, errorMessage } from './model/errors.js';
export type { SdkErrorDetails, ConfigIssue } from './model/errors.js';

// --- building a pipeline ---
export { pipeline } from './builder/pipeline.js';
export type {
  Merge,
  EventOf,
  ProvidedOf,
  MissingProviders,
  PipelineBuilder,
  BuilderEvent,
  FilterMethod,
} from './builder/types.js';
export type { FieldProviders, FitsFields, FieldHint, FieldError } from './builder/field-hints.js';
export type {
  Pipeline,
  PipelineStats,
  PipelineEvents,
  HealthState,
  ComponentHealth,
  PipelineHealth,
} from './runtime/types.js';
export { PipelineOptionsSchema } from './runtime/options.js';
export type { PipelineOptions, PipelineHooks, ResolvedPipelineOptions } from './runtime/options.js';
export { DeliveryOptionsSchema } from './delivery/options.js';
export type { DeliveryOptions, ResolvedDeliveryOptions } from './delivery/options.js';
export { DedupeOptionsSchema } from './stages/dedupe-options.js';
export type { DedupeOptions, ResolvedDedupeOptions } from './stages/dedupe-options.js';
export type { FilterRules, FilterSet } from './stages/filter.js';

// --- writing a component ---
export { defineSource } from './component/source.js';
export type { Source, SourceContext, SourceImpl, SourceDefinition, SourceFactory } from './component/source.js';
export { defineEnricher, DROP } from './component/enricher.js';
export type {
  Enricher,
  EnricherImpl,
  EnricherDefinition,
  EnricherFactory,
  EnricherCall,
  HooksFor,
  AddedOf,
  Drop,
} from './component/enricher.js';
export { defineSink } from './component/sink.js';
export type { Sink, SinkImpl, SinkDefinition, SinkFactory, SinkWriteResult, RejectedEvent } from './component/sink.js';
export type { StageContext, DeadLetterInput, DeadLetterRecord, Ack, SourceStatus } from './component/context.js';
export { parseOptions, toConfigIssues, optionRows, optionsTable } from './component/config.js';

// --- capabilities: what a component provides to, or needs from, the rest of its pipeline ---
export { defineCapability, provide, resolveNeed, registryCapability } from './component/capability.js';
export type {
  Capability,
  CapabilityValue,
  Provided,
  Needs,
  NeededNames,
  NoCapabilities,
  NeedSite,
} from './component/capability.js';
export type { OptionRow } from './component/config.js';

// --- logging, metrics, callbacks, secrets ---
export { noopLogger, createJsonLogger } from './observability/logger.js';
export type { Logger, LogFn, LogLevel, JsonLoggerOptions } from './observability/logger.js';
export { createMetrics, METRIC_PREFIX, DURATION_BUCKETS } from './observability/metrics.js';
export type { Metrics } from './observability/metrics.js';
export { createGuard, createReportingGuard } from './observability/guard.js';
export type { Guard, GuardRecover, GuardTarget } from './observability/guard.js';
export { MASK, isSecretKey, maskSecrets, maskUrl, redactSecrets } from './observability/secrets.js';

// --- state a source keeps ---
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
