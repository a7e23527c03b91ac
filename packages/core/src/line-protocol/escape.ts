/**
 * Escaping and validation of line-protocol names and string values. The rules, and why each exists,
 * are in the comment of line-protocol.ts and in sink-influx docs/schema.md (all verified on 1.6.7).
 */

/** Machine-readable reasons a point cannot be written (used as dead-letter reasons and metric labels). */
export const LineProtocolReason = {
  EMPTY_MEASUREMENT: 'empty_measurement',
  INVALID_MEASUREMENT: 'invalid_measurement',
  HASH_MEASUREMENT: 'hash_measurement',
  EMPTY_KEY: 'empty_key',
  NEWLINE: 'newline',
  BACKSLASH: 'backslash',
  TIME_TAG: 'time_tag',
  TIME_FIELD: 'time_field',
  NO_FIELDS: 'no_fields',
  INT_OVERFLOW: 'int_overflow',
  INVALID_INTEGER: 'invalid_integer',
  INVALID_TAG: 'invalid_tag',
  INVALID_FIELD: 'invalid_field',
  INVALID_TIME: 'invalid_time',
} as const;
export type LineProtocolReason = (typeof LineProtocolReason)[keyof typeof LineProtocolReason];

/** Escapes a measurement name (`,` and space). Does not validate. */
export function escapeMeasurement(name: string): string {
  return needsEscape(name, false) ? name.replace(MEASUREMENT_RE, '\\$&') : name;
}

/** Escapes a tag key, tag value or field key (`,`, `=` and space). Does not validate. */
export function escapeKey(name: string): string {
  return needsEscape(name, true) ? name.replace(KEY_RE, '\\$&') : name;
}

/** Quotes a string field value, escaping `"` and `\` (and LF as `\n` when `escapeNewlines`). */
export function quoteString(value: string, escapeNewlines = false): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH || (escapeNewlines && c === LF)) {
      const escaped = value.replace(STRING_RE, '\\$&');
      return `"${escapeNewlines ? escaped.replace(LF_RE, '\\n') : escaped}"`;
    }
  }
  return `"${value}"`;
}

/**
 * Quotes a string field value for a file read line by line (`influx -import`, issue 11): `"` and `\` are
 * escaped, LF is written as `\n` and CR as `\r`, so the value can never end its line or start a new one.
 * InfluxDB 1.x stores the two characters as they are (it unescapes only `\"` and `\\`).
 */
export function quoteStringSingleLine(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH || c === LF || c === CR) {
      return `"${value.replace(SINGLE_LINE_RE, singleLineEscape)}"`;
    }
  }
  return `"${value}"`;
}

/** Why a point cannot be written. */
export interface Failure {
  readonly reason: LineProtocolReason;
  readonly message: string;
}

/** Builds a {@link Failure}. */
export function fail(reason: LineProtocolReason, message: string): Failure {
  return { reason, message };
}

/** Which part of a line a name is. */
export type NameKind = 'measurement' | 'tag key' | 'tag value' | 'field key';

/** The escaped name, or why it can't be written (memoised per kind; used by the serialiser). */
export function escapedName(name: string, kind: NameKind): string | Failure {
  if (typeof name !== 'string')
    return fail(kind === 'measurement' ? 'empty_measurement' : 'empty_key', `${kind} is not a string`);
  if (name.length > CACHEABLE_LENGTH) return escapeName(name, kind);
  const cache = CACHES[kind];
  let out = cache.get(name);
  if (out === undefined) {
    out = escapeName(name, kind);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(name, out);
  }
  return out;
}

// --- internal ---

const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;
const CR = 13;
const NUL = 0;
const TAB = 9;
const HASH = 35;
const MEASUREMENT_RE = /[, ]/g;
const KEY_RE = /[,= ]/g;
const STRING_RE = /["\\]/g;
const LF_RE = /\n/g;
const SINGLE_LINE_RE = /["\\\n\r]/g;

// Names repeat endlessly (a few measurements and keys, thousands of entities): memoise the escaped form
// (or the failure) per kind. Bounded: cleared when full; long names are not cached.
const CACHE_MAX = 10_000;
const CACHEABLE_LENGTH = 128;
const CACHES: Readonly<Record<NameKind, Map<string, string | Failure>>> = {
  measurement: new Map(),
  'tag key': new Map(),
  'tag value': new Map(),
  'field key': new Map(),
};

function singleLineEscape(c: string): string {
  return c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`;
}

/**
 * Validates and escapes a name in one scan. What cannot be represented (verified on 1.6.7):
 * - a LF anywhere (it ends the line and cannot be escaped; a CR is stored literally);
 * - a trailing backslash (it escapes the separator that follows);
 * - measurement: a backslash before `,` or space (the server unescapes measurements twice);
 * - field key: an odd run of backslashes before `,` `=` or space (the server validates field keys
 *   pairwise but extracts them by the previous character; only even runs satisfy both);
 * - tag key/value: a backslash before a space. The server's line splitter (models.scanLine) skips
 *   `\\`+char pairs, takes that space for the start of the fields and then counts `=`/`,`/`"` wrongly,
 *   which can join two lines or split one at a LF inside a string field (both seen as 400 on 1.6.7).
 */
function escapeName(name: string, kind: NameKind): string | Failure {
  const n = name.length;
  const measurement = kind === 'measurement';
  if (n === 0)
    return measurement ? fail('empty_measurement', 'measurement is empty') : fail('empty_key', `${kind} is empty`);
  if (measurement) {
    const first = name.charCodeAt(0);
    if (first === HASH)
      return fail('hash_measurement', `measurement ${JSON.stringify(name)} starts with '#' (a comment to InfluxDB)`);
    // The server skips leading space, TAB and NUL before it looks for `#` (models.skipWhitespace): such a
    // name would be renamed, or with a `#` after it, read as a comment and silently dropped (issue 11).
    if (first === TAB || first === NUL) {
      return fail(
        'invalid_measurement',
        `measurement ${JSON.stringify(name)} starts with a ${first === TAB ? 'TAB' : 'NUL'} (stripped by InfluxDB)`,
      );
    }
  } else if (name === 'time') {
    if (kind === 'tag key') return fail('time_tag', "tag key 'time' is rejected by InfluxDB");
    if (kind === 'field key') return fail('time_field', "field key 'time' is silently dropped by InfluxDB");
  }
  let escape = false;
  let run = 0; // length of the current run of backslashes
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === BACKSLASH) {
      run++;
      continue;
    }
    if (c === COMMA || c === SPACE || (c === EQUALS && !measurement)) {
      escape = true;
      if (run > 0) {
        const representable = measurement ? false : kind === 'field key' ? run % 2 === 0 : c !== SPACE;
        if (!representable) return backslashFailure(name, kind);
      }
    } else if (c === LF) {
      return fail('newline', `${kind} ${JSON.stringify(name)} contains a line feed (cannot be escaped)`);
    }
    run = 0;
  }
  if (run > 0) return backslashFailure(name, kind);
  if (!escape) return name;
  return name.replace(measurement ? MEASUREMENT_RE : KEY_RE, '\\$&');
}

function backslashFailure(name: string, kind: NameKind): Failure {
  return fail(
    'backslash',
    `${kind} ${JSON.stringify(name)} has a backslash at the end or before a separator that InfluxDB cannot read back`,
  );
}

/** True when `name` contains a character to escape (`,` space, and `=` when `withEquals`). */
function needsEscape(name: string, withEquals: boolean): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === COMMA || c === SPACE || (withEquals && c === EQUALS)) return true;
  }
  return false;
}
