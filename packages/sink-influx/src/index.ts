export { SchemaOptionsSchema, ComponentConfigEntrySchema } from './schema/options.js';
export type { SchemaOptions, ResolvedSchemaOptions, ComponentConfigEntry } from './schema/options.js';
export { createSchemaMapper, MAPPING_INVALID } from './schema/mapper.js';
export type { SchemaMapper, PointsBatch, MappingRejection } from './schema/mapper.js';
export type { MappableEvent } from './schema/types.js';
export { createFieldTypeRegistry, fieldTypeOf, parseShowFieldKeys } from './field-types.js';
export type { FieldTypeRegistry, InfluxFieldType, FieldTypeConflict, ConflictPolicy, CoerceResult } from './field-types.js';
