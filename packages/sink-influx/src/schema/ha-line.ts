import { formatTimestamp, lineFieldKey, lineSeriesKey, quoteString } from '@ha-ingestor/core/line-protocol';
import type { Precision, SerializeOptions } from '@ha-ingestor/core/line-protocol';
import type { InfluxFieldType } from '../field-types.js';
import { MAX_CONTEXT_FIELDS_PER_PROPERTY } from './context-fields.js';
import type { HaSchemaParts } from './ha.js';
import {
  parsePyFloat,
  pyFloat,
  pyStr,
  RE_DECIMAL,
  RE_DIGIT_TAIL,
  SKIPPED_STATES,
  STATE_AS_NUMBER,
} from './ha-values.js';
import type { StateView } from './types.js';

/**
 * The fields of the last line a {@link HaLineWriter} wrote (unescaped keys and their types), for the
 * sink's field-type registry. Reused from line to line: read it before the next call.
 */
export interface LineFields {
  measurement: string;
  readonly keys: string[];
  readonly types: InfluxFieldType[];
  count: number;
}

/** Creates an empty {@link LineFields}. */
export function createLineFields(): LineFields {
  return { measurement: '', keys: [], types: [], count: 0 };
}

/**
 * Writes a state view straight to its line: the line, `undefined` when the schema writes no point
 * (skipUnavailable), or `null` when this writer leaves the event to the point path (mapper + serialiser),
 * which then decides — a rare shape (see {@link createHaLineWriter}) or an event the serialiser refuses.
 */
export type HaLineWriter = (view: StateView, fields: LineFields) => string | undefined | null;

/**
 * Issue 14, one pass from event to line: the `ha` schema's point mapper followed by `serializePoint`,
 * without the point, its null-prototype `fields` record and the serialiser's walk over it. The series key
 * (escaped measurement and tags) comes from the entity's record. Writes byte for byte what the point path
 * writes (a property test holds it to that); where matching it would need the point path's record of
 * field names, it returns `null` instead:
 * - an attribute key that could collide with another field (`state`, `value`, a key ending in `_` or `_str`)
 *   or whose field would be ordered differently (a key starting with a digit: integer-like keys come first
 *   in a record);
 * - a non-finite state value (the serialiser drops it, the field-type registry still judges it);
 * - anything the serialiser refuses (series key, field key, no fields) or a value `pyStr` throws on, so the
 *   point path produces the same rejection.
 */
export function createHaLineWriter(
  parts: HaSchemaParts,
  precision: Precision,
  serializeOptions: SerializeOptions,
): HaLineWriter {
  const { options, entityConfig, entityRecord, tagsAttributes, globalIgnore } = parts;
  const escapeLf = serializeOptions.stringNewlines === 'escape';
  const contextNames = [...options.contextFields];
  // Scratch of the line being written (one line at a time: the writer is synchronous).
  const out: string[] = [];
  let sep = ' ';
  let current: LineFields = createLineFields();
  /** Appends a field whose key was escaped already (`undefined`: the serialiser refuses it; false then). */
  const addNamed = (key: string, escaped: string | undefined, text: string, type: InfluxFieldType): boolean => {
    if (escaped === undefined) return false;
    out.push(sep, escaped, '=', text);
    sep = ',';
    current.keys[current.count] = key;
    current.types[current.count] = type;
    current.count++;
    return true;
  };
  /** Appends a field; false when the serialiser would refuse its key. */
  const add = (key: string, text: string, type: InfluxFieldType): boolean =>
    addNamed(key, lineFieldKey(key, serializeOptions), text, type);
  // The field names of an attribute key, escaped: attribute keys repeat endlessly, so no concatenation or
  // escaping per event. A memo keyed by outside data: bounded, cleared when full (it only saves work).
  const names = new Map<string, FieldNames | null>();
  const fieldNamesOf = (key: string): FieldNames | undefined => {
    let entry = names.get(key);
    if (entry === undefined) {
      entry = mayCollide(key) ? null : fieldNames(key, serializeOptions);
      if (names.size >= MAX_NAMES) names.clear();
      names.set(key, entry);
    }
    return entry ?? undefined;
  };

  return (view, fields) => {
    const stateText = view.state;
    const unavailable = view.numeric === undefined && SKIPPED_STATES.has(stateText);
    if (unavailable && options.skipUnavailable) return undefined;
    let includeState = false;
    let stateValue: number | undefined;
    if (unavailable) {
      includeState = true;
    } else {
      stateValue = view.numeric ?? parsePyFloat(stateText);
      if (stateValue === undefined) {
        includeState = true;
        stateValue = STATE_AS_NUMBER.get(stateText);
      }
    }

    const attributes = view.attributes;
    const config = entityConfig(view.entity_id, view.domain);
    const record = entityRecord(view, attributes, config);
    let seriesKey = record.seriesKey;
    if (seriesKey === undefined) {
      seriesKey = lineSeriesKey(record.measurement, record.tags, serializeOptions) ?? null;
      record.seriesKey = seriesKey;
    }
    if (seriesKey === null) return null;

    current = fields;
    fields.measurement = record.measurement;
    fields.count = 0;
    out.length = 0;
    out.push(seriesKey);
    sep = ' ';

    if (includeState) add('state', quoteString(stateText, escapeLf), 'string');
    if (stateValue !== undefined) {
      // A non-finite `value` is dropped by the serialiser but still judged by the field-type registry.
      if (stateValue - stateValue !== 0) return null;
      add('value', String(stateValue), 'float');
    }

    const { includeUom, includeDc } = record;
    const entityIgnore = config.ignoreAttributes;
    for (const originalKey in attributes) {
      const value = attributes[originalKey];
      if (tagsAttributes.has(originalKey)) continue;
      if (originalKey === 'unit_of_measurement' && !includeUom) continue;
      if (originalKey === 'device_class' && !includeDc) continue;
      if (globalIgnore.has(originalKey) || (entityIgnore !== undefined && entityIgnore.includes(originalKey))) continue;
      const names = fieldNamesOf(originalKey);
      if (names === undefined) return null;
      const asFloat = pyFloat(value);
      if (asFloat !== undefined) {
        if (asFloat - asFloat === 0 && !addNamed(names.num, names.numEscaped, String(asFloat), 'float')) return null;
        continue;
      }
      // The label only names the attribute in a too-deep JSON error: built only for objects.
      const text = typeof value === 'string' ? value : pyStr(value, `attribute ${JSON.stringify(originalKey)}`);
      if (!addNamed(names.str, names.strEscaped, quoteString(text, escapeLf), 'string')) return null;
      if (RE_DIGIT_TAIL.test(text)) {
        const tail = Number(text.replace(RE_DECIMAL, ''));
        if (tail - tail === 0 && !addNamed(names.num, names.numEscaped, String(tail), 'float')) return null;
      }
    }

    // Context fields (context-fields.ts): after the schema's, never over one of them.
    for (let c = 0; c < contextNames.length; c++) {
      const name = contextNames[c] as string;
      const bag = view.event as unknown as Readonly<Record<string, unknown>>;
      if (!Object.hasOwn(bag, name)) continue;
      if (startsWithDigit(name)) return null;
      const value = bag[name];
      const scalar = scalarText(value, escapeLf);
      if (scalar !== undefined) {
        if (!has(fields, name) && !add(name, scalar, typeOfScalar(value))) return null;
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      let written = 0;
      for (const key of Object.keys(value)) {
        if (written >= MAX_CONTEXT_FIELDS_PER_PROPERTY) break;
        const v = (value as Readonly<Record<string, unknown>>)[key];
        const text = scalarText(v, escapeLf);
        if (text === undefined) continue;
        const fieldName = `${name}_${key}`;
        if (has(fields, fieldName)) continue;
        if (!add(fieldName, text, typeOfScalar(v))) return null;
        written++;
      }
    }

    if (fields.count === 0) return null; // the serialiser's `no_fields`, with its message
    out.push(' ', formatTimestamp(view.time, precision));
    return out.join('');
  };
}

// --- internal ---

/** Attribute keys whose field names {@link createHaLineWriter} keeps. */
const MAX_NAMES = 10_000;

/** The fields an attribute can write: its number (`time` → `time_`) and its text (`<key>_str`), raw and escaped. */
interface FieldNames {
  readonly num: string;
  readonly numEscaped: string | undefined;
  readonly str: string;
  readonly strEscaped: string | undefined;
}

function fieldNames(key: string, options: SerializeOptions): FieldNames {
  const num = key === 'time' ? 'time_' : key;
  const str = `${key}_str`;
  return { num, numEscaped: lineFieldKey(num, options), str, strEscaped: lineFieldKey(str, options) };
}

/**
 * An attribute key whose field the point path could name or order differently: `state`/`value` (taken by
 * the state), keys ending in `_` (renamed keys such as `time_`, `state_`) or `_str` (another attribute's
 * text field), and integer-like keys (a record lists them first).
 */
function mayCollide(key: string): boolean {
  if (key === 'state' || key === 'value' || key.endsWith('_') || key.endsWith('_str')) return true;
  return startsWithDigit(key);
}

function startsWithDigit(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57;
}

function has(fields: LineFields, key: string): boolean {
  for (let i = 0; i < fields.count; i++) if (fields.keys[i] === key) return true;
  return false;
}

/** A context value as the serialiser writes it (context-fields.ts `scalarField`), or undefined when skipped. */
function scalarText(value: unknown, escapeLf: boolean): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return quoteString(value, escapeLf);
    default:
      return undefined;
  }
}

function typeOfScalar(value: unknown): InfluxFieldType {
  return typeof value === 'number' ? 'float' : typeof value === 'boolean' ? 'boolean' : 'string';
}
