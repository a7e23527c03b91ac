import { parseOptions } from '@ha-ingestor/core';
import { parseShowFieldKeys } from '../field-types.js';
import { influxqlPath } from './influxql.js';
import { authHeaders, ReadRangeOptionsSchema, type ReadRangeOptions } from './options.js';
import { queryLines } from './query-http.js';

/** The type of an attribute across the database: one JSON type, or `mixed` when measurements disagree. */
export type AttributeType = 'string' | 'number' | 'boolean' | 'mixed';

/** What {@link readInfluxAttributeKeys} found. */
export interface AttributeKeys {
  /** Attribute name → type, at most `maxKeys` of them. */
  readonly keys: ReadonlyMap<string, AttributeType>;
  /** False when more than `maxKeys` names exist (the rest were not collected). */
  readonly complete: boolean;
}

/** Options of {@link readInfluxAttributeKeys} besides the server. */
export interface AttributeKeysOptions {
  /** Aborts the two queries. */
  readonly signal?: AbortSignal;
  /** Names collected at most. @default 1000 */
  readonly maxKeys?: number;
}

/**
 * The attribute names rows of this database can carry (the inverse names of {@link toStoredRow}), with
 * their types, from `SHOW FIELD KEYS` and `SHOW TAG KEYS` (v1; database-wide, not limited to the
 * range). Collects at most `maxKeys` names (the database's key count is outside data). Returns
 * undefined for v2, whose schema is not read: callers then use one JSON column.
 */
export async function readInfluxAttributeKeys(
  options: ReadRangeOptions,
  { signal = new AbortController().signal, maxKeys = 1000 }: AttributeKeysOptions = {},
): Promise<AttributeKeys | undefined> {
  const o = parseOptions(ReadRangeOptionsSchema, options, 'influx-read');
  if (o.apiVersion !== '1') return undefined;
  const ask = async (q: string): Promise<unknown> => {
    let text = '';
    for await (const line of queryLines({
      baseUrl: o.url,
      path: influxqlPath(o, q),
      method: 'GET',
      headers: { accept: 'application/json', ...authHeaders(o) },
      signal,
      timeoutMs: o.timeoutMs,
      maxLineBytes: o.maxLineBytes,
      stage: 'influx-read',
    }))
      text += line;
    return text === '' ? {} : (JSON.parse(text) as unknown);
  };
  const types = new Map<string, AttributeType>();
  let complete = true;
  const add = (name: string, type: AttributeType) => {
    const seen = types.get(name);
    if (seen === undefined && types.size >= maxKeys) {
      complete = false;
      return;
    }
    types.set(name, seen === undefined || seen === type ? type : 'mixed');
  };
  const byMeasurement = new Map<string, Map<string, string>>();
  for (const { measurement, field, type } of parseShowFieldKeys(await ask('SHOW FIELD KEYS'))) {
    if (measurement === o.eventsMeasurement) continue;
    let fields = byMeasurement.get(measurement);
    if (fields === undefined) byMeasurement.set(measurement, (fields = new Map()));
    fields.set(field, type);
  }
  for (const fields of byMeasurement.values()) {
    for (const [field, type] of fields) {
      if (field === 'state' || field === 'value') continue;
      const json: AttributeType = type === 'string' ? 'string' : type === 'boolean' ? 'boolean' : 'number';
      if (o.schema === 'entity') {
        add(field === 'time_' || field === 'state_' || field === 'value_' ? field.slice(0, -1) : field, json);
        continue;
      }
      if (field === 'unit_of_measurement_str') continue;
      if (field.endsWith('_str') && field.length > 4 && type === 'string') add(field.slice(0, -4), 'string');
      else if (!fields.has(`${field === 'time_' ? 'time' : field}_str`)) add(field === 'time_' ? 'time' : field, json);
    }
  }
  const skipTags = o.schema === 'ha' ? ['domain', 'entity_id'] : ['domain', 'entity_id', 'unit'];
  const tagResult = await ask('SHOW TAG KEYS');
  for (const statement of arrayOf(objectOf(tagResult)?.['results'])) {
    for (const series of arrayOf(objectOf(statement)?.['series'])) {
      const s = objectOf(series);
      if (s?.['name'] === o.eventsMeasurement) continue;
      for (const row of arrayOf(s?.['values'])) {
        const key = arrayOf(row)[0];
        if (typeof key === 'string' && !skipTags.includes(key)) add(key, 'string');
      }
    }
  }
  return { keys: types, complete };
}

// --- internal ---

function objectOf(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
