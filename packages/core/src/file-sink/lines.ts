import { ConfigError, errorMessage } from '../model/errors.js';
import type { EpochMicros } from '../model/event.js';
import { splitEntityId } from '../model/identity.js';
import { serializePoints, type FieldValue, type Point, type Precision } from '../line-protocol/serialize.js';
import type { RejectedEvent } from '../component/sink.js';

/** What the file sink needs of an event: its type and its time. Everything else is read if present. */
export interface FileSinkEvent {
  readonly event_type: string;
  readonly time_fired: EpochMicros;
}

/** Result of a line-protocol mapping: one line per written event, plus the events that could not be. */
export interface ToLinesResult {
  readonly lines: string[];
  readonly rejected: RejectedEvent[];
  /**
   * For each entry of `lines`, the index of its event in the batch. With it, the file sink rejects the
   * event of a line that is unsafe for `influx -import` ({@link unsafeLineReason}); without it, only the
   * line can be dead-lettered.
   */
  readonly indices?: readonly number[];
}

/**
 * The file sink's built-in line-protocol mapping, for when no `toLines` hook is given:
 * - `state_changed` → measurement = domain, tags `entity_id` + `domain`, fields `state` (string) and
 *   `value` (float, when the state is numeric text or a number an enricher made of it: `21.5` → `state="21.5"`,
 *   `value=21.5`); an entity removal (`state: null`) → field `removed=true`.
 * - any other event → measurement `events`, tag `event_type` (+ `entity_id`/`domain` when `data` has
 *   them as strings), fields `data` (the event data as JSON) and `context_id` when known.
 * Time is `time_fired` (for state changes that is `last_updated`). Unwritable points are rejected with
 * the serialiser's reason (`empty_measurement`, `newline`, …), never failing the batch. Lines are
 * serialised for files (`target: 'file'`): one physical line per event, LF/CR in strings escaped.
 */
export function defaultToLines(events: readonly FileSinkEvent[], precision: Precision): ToLinesResult {
  const points: Point[] = [];
  const pointIndex: number[] = [];
  const rejected: RejectedEvent[] = [];
  for (let i = 0; i < events.length; i++) {
    try {
      points.push(toPoint(events[i] as FileSinkEvent));
      pointIndex.push(i);
    } catch (error) {
      rejected.push({ index: i, ...serialisationFailure(error, 'event data') });
    }
  }
  const out = serializePoints(points, precision, { target: 'file' });
  for (const r of out.rejected)
    rejected.push({ index: pointIndex[r.index] as number, reason: r.reason, message: r.message });
  rejected.sort((a, b) => a.index - b.index);
  return { lines: [...out.lines], rejected, indices: out.indices.map((i) => pointIndex[i] as number) };
}

/**
 * Why `line` must not go into a line protocol file, or `undefined` when it may (issue 11). `influx -import`
 * reads files line by line, obeys `# CONTEXT-DATABASE:` / `# CONTEXT-RETENTION-POLICY:` lines and skips
 * other `#` lines and blank ones; the server skips leading space/TAB/NUL and then a `#` comment. So a data
 * line must hold no LF or CR, must not be blank, and must not start with `#` after such characters.
 */
export function unsafeLineReason(line: string): string | undefined {
  if (line.includes('\n') || line.includes('\r')) return 'holds a line break (it would become several lines)';
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t' || line[i] === '\0')) i++;
  if (i === line.length) return 'is blank (a reader skips it)';
  if (line[i] === '#') return "starts with '#' (a comment or directive to influx -import and InfluxDB)";
  return undefined;
}

/**
 * The header of every line protocol file: `influx -import` (InfluxDB 1.x) reads the target database
 * (and retention policy) from it; for everything else (`influx write`, the HTTP API) these are comments.
 */
export function lineProtocolHeader(database: string, retentionPolicy?: string): string {
  const problem =
    headerNameProblem(database) ?? (retentionPolicy === undefined ? undefined : headerNameProblem(retentionPolicy));
  if (problem !== undefined) {
    throw new ConfigError(`line protocol header: ${problem}`, [
      { path: retentionPolicy === undefined ? 'database' : 'database/retentionPolicy', message: problem },
    ]);
  }
  const rp = retentionPolicy === undefined ? '' : `# CONTEXT-RETENTION-POLICY: ${retentionPolicy}\n`;
  return `# DML\n# CONTEXT-DATABASE: ${database}\n${rp}`;
}

/**
 * Why a database or retention policy name cannot be carried by an `influx -import` header line, or
 * `undefined`. The importer takes the text between the first and second `:` and trims it, so the name
 * must have no `:`, no line break or other control character, and no surrounding whitespace.
 */
export function headerNameProblem(name: string): string | undefined {
  if (name === '') return 'name is empty';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(name)) return `${JSON.stringify(name)} contains a line break or control character`;
  if (name.includes(':')) return `${JSON.stringify(name)} contains ':' (influx -import cuts the name there)`;
  if (name.trim() !== name) return `${JSON.stringify(name)} starts or ends with whitespace (influx -import trims it)`;
  return undefined;
}

/**
 * Why `JSON.stringify` failed, as a rejection: `json_too_deep` when it ran out of stack (a value built
 * in code nested thousands of levels, issue 11), else `not_serialisable` (a BigInt, a cycle, a throwing toJSON).
 */
export function serialisationFailure(error: unknown, what: string): { reason: string; message: string } {
  const detail = errorMessage(error);
  if (error instanceof RangeError && /call stack/i.test(detail)) {
    return { reason: 'json_too_deep', message: `${what} nests too deep to serialise as JSON (${detail})` };
  }
  return { reason: 'not_serialisable', message: `${what} is not JSON-serialisable: ${detail}` };
}

// --- internal ---

const NUMERIC = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

interface LooseEvent extends FileSinkEvent {
  readonly entity_id?: unknown;
  readonly domain?: unknown;
  readonly state?: unknown;
  readonly data?: unknown;
  readonly context?: { readonly id?: unknown } | null;
}

function toPoint(event: LooseEvent): Point {
  if (event.event_type === 'state_changed' && typeof event.entity_id === 'string') {
    const domain = typeof event.domain === 'string' ? event.domain : splitEntityId(event.entity_id).domain;
    const fields: Record<string, FieldValue> = {};
    if (typeof event.state === 'string') {
      fields['state'] = event.state;
      const value = NUMERIC.test(event.state) ? Number(event.state) : Number.NaN;
      if (Number.isFinite(value)) fields['value'] = value;
    } else if (typeof event.state === 'number') {
      // An enricher made it a number (unitNormalize, issue 20): written as its numeric text would be, so
      // `state` stays a string field and `value` the float.
      fields['state'] = String(event.state);
      if (Number.isFinite(event.state)) fields['value'] = event.state;
    } else if (event.state === null) {
      fields['removed'] = true;
    }
    return { measurement: domain, tags: { entity_id: event.entity_id, domain }, fields, time: event.time_fired };
  }
  const data = typeof event.data === 'object' && event.data !== null ? (event.data as Record<string, unknown>) : {};
  const tags: Record<string, string> = { event_type: event.event_type };
  if (typeof data['entity_id'] === 'string') tags['entity_id'] = data['entity_id'];
  if (typeof data['domain'] === 'string') tags['domain'] = data['domain'];
  const fields: Record<string, FieldValue> = { data: JSON.stringify(data) };
  if (typeof event.context?.id === 'string') fields['context_id'] = event.context.id;
  return { measurement: 'events', tags, fields, time: event.time_fired };
}
