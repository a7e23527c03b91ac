import type { EpochMicros } from '../model/event.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import {
  escapedName,
  fail,
  quoteString,
  quoteStringSingleLine,
  type Failure,
  type LineProtocolReason,
  type NameKind,
} from './escape.js';

/**
 * InfluxDB line protocol, hand-written for speed and exactness. Every escaping rule below was checked
 * against a real InfluxDB 1.6.7 (see docs/schema.md of @ha-ingestor/sink-influx for the table):
 * - measurement: `,` and space are escaped; a leading `#` (a comment to the server) or TAB is rejected.
 * - tag keys, tag values, field keys: `,` `=` and space are escaped. Backslashes are written as they are
 *   (1.x never unescapes `\\`). A trailing backslash escapes the separator after it, and measurements
 *   and field keys mis-read some backslash runs before escaped characters: such names are rejected
 *   (`backslash`, see escapeName in escape.ts). A LF cannot be escaped in names (`newline`); TAB and CR are written
 *   literally and round-trip.
 * - string field values: `"` and `\` are escaped; LF/CR are written literally inside the quotes (1.6.7
 *   accepts them). Every line ends with the timestamp, so a CR can never form a CRLF line ending, and
 *   lines are joined with `\n` only. Because a string field may hold a LF, never split a batch text on
 *   newlines: use {@link SerializedPoints.lines}. VictoriaMetrics splits on every LF: write to it with
 *   `{ stringNewlines: 'escape' }` (see {@link SerializeOptions}).
 * - files and exports (`{ target: 'file' }`): `influx -import` reads them line by line and obeys `#`
 *   directive lines, so a literal LF in a string would inject points and `# CONTEXT-DATABASE:` switches
 *   (issue 11). There every point is one physical line: LF/CR in strings are written as `\n`/`\r`, and a
 *   name holding a CR is rejected like one holding a LF (`newline`).
 * - empty tag values are omitted; a tag key `time` (`time_tag`) or field key `time` (`time_field`) is rejected.
 * - non-finite floats are dropped; a point left without fields is rejected (`no_fields`).
 * - integers carry the `i` suffix and must fit int64 (`int_overflow`).
 */

/** Timestamp precision of a write. */
export type Precision = 'ns' | 'us' | 'ms' | 's';

/** An integer field value (written with the `i` suffix); build it with {@link intField}. */
export interface IntegerValue {
  readonly type: 'integer';
  readonly value: number | bigint;
}

/** A field value: a JS number is a float, {@link IntegerValue} an integer. */
export type FieldValue = number | string | boolean | IntegerValue;

/** One InfluxDB point. Times are epoch µs, like everywhere in the SDK. */
export interface Point {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly time: EpochMicros;
}

/** Where the line protocol goes, and how to write line feeds inside string fields. */
export interface SerializeOptions {
  /**
   * `literal` (default): as is — InfluxDB 1.x/2.x parse quoted LFs and the value round-trips.
   * `escape`: as the two characters `\n` — for servers whose parser splits lines on every LF
   * (VictoriaMetrics skips both halves with 204 and may ingest the tail as a bogus point).
   * Ignored with `target: 'file'`, which always escapes.
   */
  readonly stringNewlines?: 'literal' | 'escape';
  /**
   * `write` (default): a body for an HTTP write API. `file`: a file or export read line by line
   * (`influx -import`, `influx write`): every point is exactly one physical line — LF and CR in string
   * fields become `\n` and `\r`, names holding a CR are rejected (`newline`), and, as always, no line
   * can start with `#` (`hash_measurement`). Issue 11: a state with a LF injected points and
   * `# CONTEXT-DATABASE:` directives into `.lp` files.
   */
  readonly target?: 'write' | 'file';
}

/** A point {@link serializePoints} could not write: its index in the input, the reason and a message. */
export interface RejectedPoint {
  readonly index: number;
  readonly reason: LineProtocolReason;
  readonly message: string;
}

/** The result of {@link serializePoints}. */
export interface SerializedPoints {
  /** The written lines joined with `\n` (no trailing newline); `''` when nothing was writable. */
  readonly text: string;
  /** One line per written point, in input order. */
  readonly lines: readonly string[];
  /** For each entry of `lines`, the index of its point in the input. */
  readonly indices: readonly number[];
  readonly rejected: RejectedPoint[];
}

/** Wraps an integer so it is written as an InfluxDB integer (`42i`). */
export function intField(value: number | bigint): IntegerValue {
  return { type: 'integer', value };
}

/**
 * Serialises one point (no trailing newline), tags sorted by key.
 * @throws SdkError EVENT_INVALID with `data.reason` (a {@link LineProtocolReason}) when it cannot be written.
 * @example serializePoint({ measurement: '°C', tags: { entity_id: 'x' }, fields: { value: 21.5 }, time: 1 }, 'us')
 */
export function serializePoint(point: Point, precision: Precision, options: SerializeOptions = {}): string {
  const out = serialize(point, precision, modeOf(options));
  if (typeof out === 'string') return out;
  throw new SdkError(ErrorCode.EVENT_INVALID, out.message, { data: { reason: out.reason } });
}

/** Serialises many points, collecting unwritable ones in `rejected` instead of throwing. */
export function serializePoints(
  points: readonly Point[],
  precision: Precision,
  options: SerializeOptions = {},
): SerializedPoints {
  const mode = modeOf(options);
  const lines: string[] = [];
  const indices: number[] = [];
  const rejected: RejectedPoint[] = [];
  for (let i = 0; i < points.length; i++) {
    const out = serialize(points[i] as Point, precision, mode);
    if (typeof out === 'string') {
      lines.push(out);
      indices.push(i);
    } else {
      rejected.push({ index: i, reason: out.reason, message: out.message });
    }
  }
  return { text: lines.join('\n'), lines, indices, rejected };
}

/**
 * The series key of a line: the escaped measurement and tags (`m,k=v,…`, tags sorted by key, empty values
 * omitted), exactly as {@link serializePoint} writes them, or `undefined` when it would refuse them. For
 * writers that build lines without a {@link Point} (issue 14): such a line is the series key, a space, the
 * fields (`key=value` joined by `,`, keys from {@link lineFieldKey}, strings from {@link quoteString}, floats
 * as `String(n)`), a space and {@link formatTimestamp}. Compute it once per series, not per line.
 * @example lineSeriesKey('°C', { entity_id: 'living room' }) // '°C,entity_id=living\\ room'
 */
export function lineSeriesKey(
  measurement: string,
  tags: Readonly<Record<string, string>>,
  options: SerializeOptions = {},
): string | undefined {
  const out = serializePrefix(measurement, tags, modeOf(options) === 'file');
  return typeof out === 'string' ? out : undefined;
}

/**
 * A field key escaped as {@link serializePoint} writes it, or `undefined` when it would refuse the key
 * (`time`, a line feed, an unreadable backslash run; in a file also a carriage return). Memoised.
 * @example lineFieldKey('a b') // 'a\\ b'
 */
export function lineFieldKey(key: string, options: SerializeOptions = {}): string | undefined {
  const k = escapedName(key, 'field key');
  if (typeof k !== 'string' || (modeOf(options) === 'file' && k.includes('\r'))) return undefined;
  return k;
}

/** Converts epoch µs to an integer timestamp string in `precision` (exact; ms and s round down). */
export function formatTimestamp(micros: EpochMicros, precision: Precision): string {
  switch (precision) {
    case 'us':
      return String(micros);
    case 'ns':
      // String concatenation, not ×1000: µs beyond 2^53/1000 would lose digits as a float product.
      return micros === 0 ? '0' : `${micros}000`;
    case 'ms':
      return String(floorDiv(micros, 1000));
    case 's':
      return String(floorDiv(micros, 1_000_000));
  }
}

// --- internal ---

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
// 2^63 as a float: every integral double in [-2^63, 2^63) fits int64.
const TWO_POW_63 = 9223372036854775808;

/** How string fields and names are written: for a write API (LF literal or escaped), or for a file. */
type Mode = 'literal' | 'escape' | 'file';

function modeOf(options: SerializeOptions): Mode {
  if (options.target === 'file') return 'file';
  return options.stringNewlines === 'escape' ? 'escape' : 'literal';
}

function serialize(point: Point, precision: Precision, mode: Mode): string | Failure {
  const file = mode === 'file';
  const escapeLf = mode === 'escape';
  const tags = point.tags;
  const prefix = Object.isFrozen(tags)
    ? cachedPrefix(point.measurement, tags, file)
    : serializePrefix(point.measurement, tags, file);
  if (typeof prefix !== 'string') return prefix;
  // Pieces joined once per line: `+=` would build a rope per line that stays alive (in `lines`) through
  // many scavenges; a joined flat string halves the time, most of which was GC (measured, 100k points).
  const parts: string[] = [prefix];

  let sep = ' ';
  let count = 0;
  const fields = point.fields;
  for (const key in fields) {
    const value = fields[key];
    let text: string;
    if (typeof value === 'number') {
      if (value - value !== 0) continue; // NaN/±Infinity can't be written: drop the field
      text = String(value);
    } else if (typeof value === 'string') {
      text = file ? quoteStringSingleLine(value) : quoteString(value, escapeLf);
    } else if (typeof value === 'boolean') {
      text = value ? 'true' : 'false';
    } else if (value !== null && typeof value === 'object' && value.type === 'integer') {
      const int = formatInteger(value.value, key);
      if (typeof int !== 'string') return int;
      text = int;
    } else if (value === undefined) {
      continue; // an optional field that is absent
    } else {
      return fail(
        'invalid_field',
        `field ${JSON.stringify(key)} is not a number, string, boolean or intField(): ${String(value)}`,
      );
    }
    const k = escapedName(key, 'field key');
    if (typeof k !== 'string') return k;
    if (file && k.includes('\r')) return carriageReturn(key, 'field key');
    parts.push(sep, k, '=', text);
    sep = ',';
    count++;
  }
  if (count === 0) return fail('no_fields', 'point has no writable fields (none given, or all non-finite)');

  const time = point.time;
  if (!Number.isSafeInteger(time)) return fail('invalid_time', `time ${String(time)} is not an integer epoch µs`);
  parts.push(' ', formatTimestamp(time, precision));
  return parts.join('');
}

/**
 * The measurement and tags of a line, escaped (`m,k=v,…`), or why they can't be written. Tags sorted by key;
 * empty tag values omitted.
 */
function serializePrefix(measurement: string, tags: Readonly<Record<string, string>>, file: boolean): string | Failure {
  const m = escapedName(measurement, 'measurement');
  if (typeof m !== 'string') return m;
  if (file && m.includes('\r')) return carriageReturn(measurement, 'measurement');
  const tagKeys = Object.keys(tags);
  if (tagKeys.length === 0) return m;
  if (tagKeys.length > 1 && !isSorted(tagKeys)) tagKeys.sort();
  const parts: string[] = [m];
  for (let i = 0; i < tagKeys.length; i++) {
    const key = tagKeys[i] as string;
    const value = tags[key];
    if (value === undefined || value === '') continue; // InfluxDB rejects empty tag values: omit them
    if (typeof value !== 'string') return fail('invalid_tag', `tag ${JSON.stringify(key)} is not a string`);
    const k = escapedName(key, 'tag key');
    if (typeof k !== 'string') return k;
    const v = escapedName(value, 'tag value');
    if (typeof v !== 'string') return v;
    if (file && (k.includes('\r') || v.includes('\r')))
      return carriageReturn(k.includes('\r') ? key : value, k.includes('\r') ? 'tag key' : 'tag value');
    parts.push(',', k, '=', v);
  }
  return parts.join('');
}

/** The serialised prefix of a frozen tag record, per target, for the measurement it was last used with. */
interface PrefixEntry {
  readonly measurement: string;
  write?: string | Failure;
  file?: string | Failure;
}

/**
 * Issue 14, work per entity: a frozen tag record (the `ha` schema hands out one per entity and tag set) can
 * never change, so its escaped prefix is computed once and kept with the record itself (a WeakMap: it
 * lives exactly as long as the record, so the cache needs no bound of its own). A frozen record with an
 * accessor property could still answer differently: such records are serialised every time.
 */
const PREFIXES = new WeakMap<object, PrefixEntry>();

function cachedPrefix(measurement: string, tags: Readonly<Record<string, string>>, file: boolean): string | Failure {
  let entry = PREFIXES.get(tags);
  if (entry === undefined || entry.measurement !== measurement) {
    if (!onlyDataProperties(tags)) return serializePrefix(measurement, tags, file);
    entry = { measurement };
    PREFIXES.set(tags, entry);
  }
  const slot = file ? 'file' : 'write';
  let out = entry[slot];
  if (out === undefined) {
    out = serializePrefix(measurement, tags, file);
    entry[slot] = out;
  }
  return out;
}

function onlyDataProperties(record: object): boolean {
  for (const key of Object.keys(record)) {
    const d = Object.getOwnPropertyDescriptor(record, key);
    if (d === undefined || !('value' in d)) return false;
  }
  return true;
}

/**
 * In a file, a name must not hold a CR either (a LF is refused everywhere): readers that split on CR or
 * CRLF would cut the line, and names have no escape for it. Checked outside the memoised escape, and
 * only for files, so the write path pays nothing.
 */
function carriageReturn(name: string, kind: NameKind): Failure {
  return fail(
    'newline',
    `${kind} ${JSON.stringify(name)} contains a carriage return (a line protocol file line must not)`,
  );
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

function formatInteger(value: number | bigint, key: string): string | Failure {
  if (typeof value === 'bigint') {
    if (value > INT64_MAX || value < INT64_MIN)
      return fail('int_overflow', `integer field ${JSON.stringify(key)} is outside int64`);
    return `${value}i`;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return fail('invalid_integer', `integer field ${JSON.stringify(key)} is not an integer: ${String(value)}`);
  }
  if (value >= TWO_POW_63 || value < -TWO_POW_63)
    return fail('int_overflow', `integer field ${JSON.stringify(key)} is outside int64`);
  // Above 2^53 String() still prints every digit (up to 1e21), so BigInt is not needed here.
  return `${Object.is(value, -0) ? 0 : value}i`;
}

/** Floor division of an integer by a positive integer, exact for every safe integer. */
function floorDiv(n: number, d: number): number {
  const r = n % d;
  return (n - r) / d - (r < 0 ? 1 : 0);
}
