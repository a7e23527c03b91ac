import { ErrorCode, SdkError } from '@ha-ingestor/core';
import type { SchemaElement } from 'hyparquet-writer';

/** The value types a {@link ParquetColumn} can hold, and their Parquet physical/logical types. */
export type ParquetColumnType = 'timestamp_us' | 'double' | 'string' | 'boolean' | 'int64';

/**
 * One column of a Parquet file written by {@link createParquetStreamWriter}:
 * - `timestamp_us`: INT64, TIMESTAMP(MICROS, UTC); values are bigint or integer number epoch µs.
 * - `double`: DOUBLE; values are numbers (NaN and ±Infinity included).
 * - `string`: BYTE_ARRAY, STRING (UTF-8); values are strings.
 * - `boolean`: BOOLEAN; values are booleans.
 * - `int64`: INT64; values are bigint or safe-integer numbers.
 */
export interface ParquetColumn {
  /** Column name, unique in the file. */
  name: string;
  /** Value type of the column. */
  type: ParquetColumnType;
  /** Whether `null` (or `undefined`) is allowed; the column is then OPTIONAL. @default false */
  nullable?: boolean;
}

const STAGE = 'parquet-writer';
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The Parquet schema (root + one leaf per column) for `columns`; throws CONFIG_INVALID on a bad column list. */
export function schemaFor(columns: readonly ParquetColumn[]): SchemaElement[] {
  if (columns.length === 0) throw configError('at least one column is required');
  const seen = new Set<string>();
  for (const c of columns) {
    if (typeof c.name !== 'string' || c.name.length === 0)
      throw configError('a column name must be a non-empty string');
    if (seen.has(c.name)) throw configError(`column "${c.name}" is defined twice`);
    if (!COLUMN_TYPES.has(c.type)) throw configError(`column "${c.name}" has unknown type ${JSON.stringify(c.type)}`);
    seen.add(c.name);
  }
  return [{ name: 'root', num_children: columns.length }, ...columns.map(leafFor)];
}

/**
 * Checks `value` against `column` and returns what the Parquet encoder takes (bigint for the INT64 types,
 * `null` for a missing value). Throws EVENT_INVALID naming the column and the row otherwise.
 */
export function convertValue(column: ParquetColumn, value: unknown, row: number): unknown {
  if (value === null || value === undefined) {
    if (column.nullable === true) return null;
    throw valueError(column, row, 'a value (the column is not nullable)', value);
  }
  switch (column.type) {
    case 'timestamp_us':
    case 'int64':
      return toInt64(column, value, row);
    case 'double':
      if (typeof value === 'number') return value;
      throw valueError(column, row, 'a number', value);
    case 'string':
      if (typeof value === 'string') return value;
      throw valueError(column, row, 'a string', value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw valueError(column, row, 'a boolean', value);
  }
}

// --- internal ---

const COLUMN_TYPES: ReadonlySet<string> = new Set(['timestamp_us', 'double', 'string', 'boolean', 'int64']);

function leafFor(column: ParquetColumn): SchemaElement {
  const repetition_type = column.nullable === true ? 'OPTIONAL' : 'REQUIRED';
  switch (column.type) {
    case 'timestamp_us':
      return {
        name: column.name,
        type: 'INT64',
        repetition_type,
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'int64':
      return { name: column.name, type: 'INT64', repetition_type };
    case 'double':
      return { name: column.name, type: 'DOUBLE', repetition_type };
    case 'string':
      return { name: column.name, type: 'BYTE_ARRAY', repetition_type, converted_type: 'UTF8' };
    case 'boolean':
      return { name: column.name, type: 'BOOLEAN', repetition_type };
  }
}

function toInt64(column: ParquetColumn, value: unknown, row: number): bigint {
  const unit =
    column.type === 'timestamp_us' ? 'an integer epoch µs (bigint or number)' : 'an integer (bigint or number)';
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) throw valueError(column, row, `${unit} within INT64`, value);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw valueError(column, row, `${unit}, safe integer when a number`, value);
    return BigInt(value);
  }
  throw valueError(column, row, unit, value);
}

function valueError(column: ParquetColumn, row: number, expected: string, value: unknown): SdkError {
  return new SdkError(
    ErrorCode.EVENT_INVALID,
    `${STAGE}: column "${column.name}" (${column.type}) row ${row}: expected ${expected}, got ${describe(value)}`,
    { stage: STAGE, retryable: false },
  );
}

function configError(message: string): SdkError {
  return new SdkError(ErrorCode.CONFIG_INVALID, `${STAGE}: ${message}`, { stage: STAGE });
}

/** A short, bounded description of a bad value (never the whole value: it may be large). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
