import { nestsDeeperThan, tooDeep } from './json-depth.js';
import { errorMessage } from '@ha-ingestor/core';

/**
 * Python semantics the HA InfluxDB integration relies on, reproduced exactly: `float()`, `str()` and
 * `helpers.state.state_as_number`, plus the integration's RE_DIGIT_TAIL / RE_DECIMAL.
 */

/** HA's `state_as_number` table (homeassistant/helpers/state.py): these states map to 1 or 0. */
export const STATE_AS_NUMBER: ReadonlyMap<string, number> = new Map([
  ['on', 1],
  ['locked', 1],
  ['above_horizon', 1],
  ['open', 1],
  ['home', 1],
  ['off', 0],
  ['unlocked', 0],
  ['unknown', 0],
  ['below_horizon', 0],
  ['closed', 0],
  ['not_home', 0],
]);

/** States HA's integration never writes (`STATE_UNKNOWN`, `STATE_UNAVAILABLE`, `""`). */
export const SKIPPED_STATES: ReadonlySet<string> = new Set(['unknown', 'unavailable', '']);

/** components/influxdb/const.py: a string whose digits (around at most one dot) HA also writes as a number. */
export const RE_DIGIT_TAIL = /^[^.]*\d+\.?\d+[^.]*$/;
/** components/influxdb/const.py: what is stripped before `float()` of a digit-tail string. */
export const RE_DECIMAL = /[^\d.]+/g;

/**
 * Python's `float(x)` for the values HA attributes can hold: numbers, booleans (True → 1.0), and strings
 * with Python's grammar (surrounding whitespace, `_` between digits, `inf`/`nan`). `undefined` where
 * Python raises ValueError/TypeError (None, lists, dicts, other strings).
 */
export function pyFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'string') return undefined;
  return parsePyFloat(value);
}

/** Python `float(str)`: `undefined` when Python raises ValueError. */
export function parsePyFloat(text: string): number | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  // Fast path: plain decimals are by far the most common HA states.
  if (DECIMAL_RE.test(s)) return Number(s.includes('_') ? s.replace(/_/g, '') : s);
  const special = SPECIAL_RE.exec(s);
  if (special === null) return undefined;
  const negative = s.startsWith('-');
  const word = (special[1] ?? '').toLowerCase();
  if (word === 'nan') return Number.NaN;
  return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * Python's `str(value)` for attribute values, except that lists and dicts become JSON text (HA writes
 * Python's repr, `['a', 'b']`; JSON is what every other tool can parse — documented difference).
 */
export function pyStr(value: unknown, what = 'value'): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyFloatRepr(value);
  if (typeof value === 'bigint') return String(value);
  return safeJson(value, what);
}

/**
 * JSON text of a value (cycles and BigInts are written as strings; a throwing `toJSON` as a note).
 * @throws SdkError EVENT_INVALID with reason `json_too_deep`, naming `what`, when the value nests deeper
 * than MAX_JSON_DEPTH — checked without recursion before `JSON.stringify` recurses (issue 11).
 */
export function safeJson(value: unknown, what = 'value'): string {
  // Issue 14: most object attributes are flat lists or records of scalars (`hs_color`, `supported_color_modes`):
  // nothing there can nest, repeat or cycle, so plain JSON.stringify writes exactly what the guarded path
  // below writes, without its walk and replacer. A throw (a BigInt, a throwing toJSON) takes the guarded path.
  if (isFlat(value)) {
    try {
      return JSON.stringify(value) ?? 'null';
    } catch {
      // the guarded path below decides
    }
  }
  if (nestsDeeperThan(value)) throw tooDeep(what);
  try {
    const seen = new WeakSet<object>();
    return (
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return String(v);
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }) ?? 'null'
    );
  } catch (error) {
    // toJSON() of a foreign object threw: fall back to its String() so the event is not lost.
    return `[unserialisable: ${errorMessage(error)}]`;
  }
}

// --- internal ---

/** An array or plain record whose own values are all scalars (or absent). */
function isFlat(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (!Array.isArray(value)) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
  }
  for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) return false;
  return true;
}

// Python float grammar for finite decimals: digits with single `_` between them, optional fraction and exponent.
const DIGITS = '\\d(?:_?\\d)*';
const DECIMAL_RE = new RegExp(`^[+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const SPECIAL_RE = /^[+-]?(inf|infinity|nan)$/i;

/** Python repr of a number: integers from JSON are ints in Python (`5`), others keep JS formatting. */
function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}
