import { intField } from '@ha-ingestor/core/line-protocol';
import type { FieldValue, Point } from '@ha-ingestor/core/line-protocol';

/**
 * InfluxDB fixes a field's type at its first write (per shard). This registry remembers the type of
 * every (measurement, field) — seeded from the database with `SHOW FIELD KEYS`, then learnt from what we
 * write — so points that would conflict are caught before sending (HA's integration loses a whole batch
 * of 100 points on one conflict: core#4709 and friends).
 */

/** InfluxDB's field types (the names `SHOW FIELD KEYS` uses). */
export type InfluxFieldType = 'float' | 'integer' | 'string' | 'boolean';

/** A field whose value type differs from the registered type. */
export interface FieldTypeConflict {
  readonly field: string;
  readonly expected: InfluxFieldType;
  readonly actual: InfluxFieldType;
}

/** What to do with a conflicting point: rewrite it losslessly (`coerce`) or report it (`dead-letter`). */
export type ConflictPolicy = 'coerce' | 'dead-letter';

/** Result of {@link FieldTypeRegistry.coerce}. */
export interface CoerceResult {
  /** The point to write: the input when nothing changed, a rewritten copy when coerced. */
  readonly point: Point;
  /** `ok`: no conflict; `coerced`: every conflict resolved; `dead-letter`: do not write this point. */
  readonly action: 'ok' | 'coerced' | 'dead-letter';
  /** The conflicts found (all of them, resolved or not). */
  readonly conflicts: readonly FieldTypeConflict[];
  /** How each resolved conflict was handled, e.g. `value: float → string "21.5"`, `state: moved to state_str`. */
  readonly changes: readonly string[];
}

/** Field types per (measurement, field). */
export interface FieldTypeRegistry {
  /** Parses the v1 `/query` JSON of `SHOW FIELD KEYS` (one or more statements); returns how many were added. */
  readonly seedFromShowFieldKeys: (result: unknown) => number;
  /** Records the types of a point's fields where none is known yet (first write wins, as in InfluxDB). */
  readonly learn: (point: Point) => void;
  /** Lists the fields of `point` whose type differs from the registered one. */
  readonly check: (point: Point) => { conflicts: FieldTypeConflict[] };
  /** Resolves conflicts by `policy` (see {@link CoerceResult}). Does not learn. */
  readonly coerce: (point: Point, policy: ConflictPolicy) => CoerceResult;
  /** The registered type, if any. */
  readonly get: (measurement: string, field: string) => InfluxFieldType | undefined;
  /** Forgets one field, or a whole measurement (e.g. after a write that did not happen). */
  readonly forget: (measurement: string, field?: string) => void;
  /** Number of (measurement, field) entries. */
  readonly size: () => number;
}

/** The InfluxDB type a field value is written as. */
export function fieldTypeOf(value: FieldValue): InfluxFieldType {
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  return 'integer';
}

/**
 * Creates an empty registry.
 * @example
 * const types = createFieldTypeRegistry();
 * types.seedFromShowFieldKeys(await (await fetch(`${url}/query?db=ha&q=SHOW+FIELD+KEYS`)).json());
 * const { point, action } = types.coerce(p, 'coerce');
 */
export function createFieldTypeRegistry(): FieldTypeRegistry {
  const byMeasurement = new Map<string, Map<string, InfluxFieldType>>();
  let count = 0;

  const get = (measurement: string, field: string) => byMeasurement.get(measurement)?.get(field);

  const set = (measurement: string, field: string, type: InfluxFieldType): boolean => {
    let fields = byMeasurement.get(measurement);
    if (fields === undefined) {
      fields = new Map();
      byMeasurement.set(measurement, fields);
    }
    if (fields.has(field)) return false;
    fields.set(field, type);
    count++;
    return true;
  };

  const check = (point: Point): { conflicts: FieldTypeConflict[] } => {
    const conflicts: FieldTypeConflict[] = [];
    const known = byMeasurement.get(point.measurement);
    if (known === undefined) return { conflicts };
    for (const field in point.fields) {
      const value = point.fields[field];
      if (value === undefined) continue;
      const expected = known.get(field);
      if (expected === undefined) continue;
      const actual = fieldTypeOf(value);
      if (actual !== expected) conflicts.push({ field, expected, actual });
    }
    return { conflicts };
  };

  return {
    seedFromShowFieldKeys: (result) => {
      let added = 0;
      for (const { measurement, field, type } of parseShowFieldKeys(result)) if (set(measurement, field, type)) added++;
      return added;
    },
    learn: (point) => {
      for (const field in point.fields) {
        const value = point.fields[field];
        if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) continue;
        set(point.measurement, field, fieldTypeOf(value));
      }
    },
    check,
    coerce: (point, policy) => {
      const { conflicts } = check(point);
      if (conflicts.length === 0) return { point, action: 'ok', conflicts, changes: [] };
      if (policy === 'dead-letter') return { point, action: 'dead-letter', conflicts, changes: [] };
      return coercePoint(point, conflicts, get);
    },
    get,
    forget: (measurement, field) => {
      const fields = byMeasurement.get(measurement);
      if (fields === undefined) return;
      if (field === undefined) {
        count -= fields.size;
        byMeasurement.delete(measurement);
      } else if (fields.delete(field)) {
        count--;
      }
    },
    size: () => count,
  };
}

/** Parses the JSON of `SHOW FIELD KEYS` into (measurement, field, type) rows; unknown types are skipped. */
export function parseShowFieldKeys(result: unknown): { measurement: string; field: string; type: InfluxFieldType }[] {
  const rows: { measurement: string; field: string; type: InfluxFieldType }[] = [];
  const results = asArray(asRecord(result)?.['results']);
  for (const statement of results) {
    for (const series of asArray(asRecord(statement)?.['series'])) {
      const s = asRecord(series);
      const name = s?.['name'];
      if (typeof name !== 'string') continue;
      const columns = asArray(s?.['columns']);
      const keyCol = columns.indexOf('fieldKey');
      const typeCol = columns.indexOf('fieldType');
      if (keyCol < 0 || typeCol < 0) continue;
      for (const row of asArray(s?.['values'])) {
        const r = asArray(row);
        const field = r[keyCol];
        const type = r[typeCol];
        if (typeof field === 'string' && isFieldType(type)) rows.push({ measurement: name, field, type });
      }
    }
  }
  return rows;
}

// --- internal ---

const SUFFIX: Readonly<Record<InfluxFieldType, string>> = {
  string: '_str',
  float: '_float',
  integer: '_int',
  boolean: '_bool',
};

function coercePoint(
  point: Point,
  conflicts: readonly FieldTypeConflict[],
  get: (measurement: string, field: string) => InfluxFieldType | undefined,
): CoerceResult {
  const fields: Record<string, FieldValue> = { ...point.fields };
  const changes: string[] = [];
  let unresolved = false;
  for (const c of conflicts) {
    const value = fields[c.field] as FieldValue;
    const converted = convertLossless(value, c.expected);
    if (converted !== undefined) {
      fields[c.field] = converted;
      changes.push(`${c.field}: ${c.actual} → ${c.expected}`);
      continue;
    }
    // Not convertible: move the value aside under HA's suffix convention (`value_str`), if that is free.
    const target = `${c.field}${SUFFIX[c.actual]}`;
    const targetType = get(point.measurement, target);
    if ((targetType === undefined || targetType === c.actual) && !(target in point.fields)) {
      delete fields[c.field];
      fields[target] = value;
      changes.push(`${c.field}: moved to ${target}`);
    } else {
      unresolved = true;
    }
  }
  if (unresolved) return { point, action: 'dead-letter', conflicts, changes: [] };
  return { point: { ...point, fields }, action: 'coerced', conflicts, changes };
}

/** Converts a value to `type` only when nothing is lost (the text reads back as the same value). */
function convertLossless(value: FieldValue, type: InfluxFieldType): FieldValue | undefined {
  const actual = fieldTypeOf(value);
  if (type === 'string') {
    if (actual === 'string') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    return String((value as { value: number | bigint }).value);
  }
  if (type === 'float') {
    if (typeof value === 'number') return value;
    if (typeof value === 'string') {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) && String(n) === value ? n : undefined;
    }
    if (typeof value === 'object') {
      const n = Number(value.value);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    return undefined;
  }
  if (type === 'integer') {
    if (typeof value === 'number') return Number.isSafeInteger(value) ? intField(value) : undefined;
    if (typeof value === 'string' && /^-?(0|[1-9]\d*)$/.test(value)) {
      const n = Number(value);
      return Number.isSafeInteger(n) ? intField(n) : undefined;
    }
    return undefined;
  }
  // boolean
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

function isFieldType(value: unknown): value is InfluxFieldType {
  return value === 'float' || value === 'integer' || value === 'string' || value === 'boolean';
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}
