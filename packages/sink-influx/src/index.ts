export { SchemaOptionsSchema, ComponentConfigEntrySchema } from './schema/options.js';
export type { SchemaOptions, ResolvedSchemaOptions, ComponentConfigEntry } from './schema/options.js';
export { createSchemaMapper, MAPPING_INVALID } from './schema/mapper.js';
export { STATISTIC_EVENT_TYPE, STATISTIC_FIELDS, STATISTIC_INVALID } from './schema/statistics.js';
export type { SchemaMapper, PointsBatch, MappingRejection } from './schema/mapper.js';
export type { MappableEvent } from './schema/types.js';
export { MAX_CONTEXT_FIELDS_PER_PROPERTY } from './schema/context-fields.js';
export { createFieldTypeRegistry, fieldTypeOf, parseShowFieldKeys } from './field-types.js';
export type {
  FieldTypeRegistry,
  InfluxFieldType,
  FieldTypeConflict,
  ConflictPolicy,
  CoerceResult,
} from './field-types.js';
export { influxSink } from './influx-sink.js';
export type { InfluxSinkHooks } from './influx-sink.js';
export { InfluxSinkOptionsSchema } from './options.js';
export type { InfluxSinkOptions, ResolvedInfluxSinkOptions } from './options.js';
export { attributeRejection, rejectionReason } from './attribute.js';
export type { SentLine, LineRejection, Attribution, ReportedFieldType } from './attribute.js';
export { writeIsolated, chunksByBytes } from './isolate.js';
export type { SendBody, IsolateOptions, RequestKind } from './isolate.js';
export { classifyResponse, parseRetryAfter, serverMessage } from './responses.js';
export type { WireResponse, Disposition } from './responses.js';
export { readInfluxRange } from './read/read-range.js';
export type { StoredRowBatch } from './read/read-range.js';
export { ReadRangeOptionsSchema } from './read/options.js';
export type { ReadRangeOptions, ResolvedReadRangeOptions } from './read/options.js';
export { toStoredRow } from './read/rows.js';
export type { StoredStateRow, StoredValue, StoredSchemaKind } from './read/rows.js';
export { readInfluxAttributeKeys } from './read/attribute-keys.js';
export type { AttributeKeys, AttributeKeysOptions, AttributeType } from './read/attribute-keys.js';
