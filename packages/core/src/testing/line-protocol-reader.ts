import { errorMessage } from '../model/errors.js';

/**
 * A strict reader of line protocol files as `influx -import` (InfluxDB 1.x) reads them, for tests: lines
 * split on LF only (Go's `ReadString('\n')`), `# CONTEXT-DATABASE:` / `# CONTEXT-RETENTION-POLICY:` lines
 * switch the target, other `#` lines and blank lines are skipped, everything else is one point. It decodes
 * the SDK's escaping (names: `\,` `\ ` `\=`; strings: `\"` `\\` and, in files, `\n` `\r`) and throws on
 * anything the SDK never writes, so a test fails loudly instead of reading a near-miss as a point.
 */

/**
 * A state that, written literally, becomes extra physical lines in a line protocol file: a database switch
 * and an injected point (issue 11). Any mapping to files must turn it into exactly one point.
 */
export const LP_INJECTION_STATE = 'x"\n# CONTEXT-DATABASE: _internal\nevil_measure,host=pwn value=1 1\n';

/** A field value as read back: integers stay exact as bigint. */
export type ReadFieldValue = number | string | boolean | { readonly type: 'integer'; readonly value: bigint };

/** One point read back from a data line. */
export interface ReadPoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, ReadFieldValue>>;
  /** The timestamp digits as written (in the file's precision). */
  readonly time: string;
  /** The database and retention policy `influx -import` would write this point to. */
  readonly database: string | undefined;
  readonly retentionPolicy: string | undefined;
}

/** What `influx -import` would do with a file: the points, and every `#` line it saw, in order. */
export interface ReadLineProtocolFile {
  readonly points: ReadPoint[];
  readonly directives: string[];
}

/**
 * Reads a whole line protocol file the way `influx -import` does (see the module comment).
 * @throws Error naming the line when a data line is not exactly what the SDK writes.
 * @example
 * const { points, directives } = readLineProtocolFile(await readFile(path, 'utf8'));
 */
export function readLineProtocolFile(text: string): ReadLineProtocolFile {
  const points: ReadPoint[] = [];
  const directives: string[] = [];
  let database: string | undefined;
  let retentionPolicy: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] as string;
    if (line.startsWith('#')) {
      directives.push(line);
      // The importer's own parsing: the text between the first and second `:`, trimmed.
      if (line.startsWith('# CONTEXT-DATABASE:')) database = (line.split(':')[1] ?? '').trim();
      if (line.startsWith('# CONTEXT-RETENTION-POLICY:')) retentionPolicy = (line.split(':')[1] ?? '').trim();
      continue;
    }
    if (line.trim() === '') continue;
    try {
      points.push({ ...parseLineProtocolLine(line), database, retentionPolicy });
    } catch (error) {
      throw new Error(`line ${n + 1}: ${errorMessage(error)}: ${JSON.stringify(line)}`);
    }
  }
  return { points, directives };
}

/**
 * Parses one data line strictly: measurement, tags, fields and a timestamp, nothing before or after.
 * @throws Error with the reason when the line is not exactly what the SDK writes.
 */
export function parseLineProtocolLine(line: string): Omit<ReadPoint, 'database' | 'retentionPolicy'> {
  if (/[\r\n]/.test(line)) throw new Error('line break inside a line');
  const c0 = line.charCodeAt(0);
  if (c0 === 0x20 || c0 === 0x09 || c0 === 0x00 || c0 === 0x23)
    throw new Error('line starts with whitespace, NUL or #');
  const cursor = { at: 0 };
  const measurement = readName(line, cursor, MEASUREMENT_ESCAPES, MEASUREMENT_STOPS);
  if (measurement === '') throw new Error('empty measurement');
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  while (line[cursor.at] === ',') {
    cursor.at++;
    const key = readName(line, cursor, KEY_ESCAPES, KEY_STOPS);
    consume(line, cursor, '=');
    const value = readName(line, cursor, KEY_ESCAPES, KEY_STOPS);
    if (key === '' || value === '') throw new Error('empty tag key or value');
    if (key in tags) throw new Error(`duplicate tag ${key}`);
    tags[key] = value;
  }
  consume(line, cursor, ' ');
  const fields: Record<string, ReadFieldValue> = Object.create(null) as Record<string, ReadFieldValue>;
  for (;;) {
    const key = readName(line, cursor, KEY_ESCAPES, KEY_STOPS);
    consume(line, cursor, '=');
    if (key === '' || key in fields) throw new Error(`empty or duplicate field key ${JSON.stringify(key)}`);
    fields[key] = readValue(line, cursor);
    if (line[cursor.at] !== ',') break;
    cursor.at++;
  }
  consume(line, cursor, ' ');
  const time = line.slice(cursor.at);
  if (!/^-?\d+$/.test(time)) throw new Error(`bad timestamp ${JSON.stringify(time)}`);
  return { measurement, tags, fields, time };
}

// --- internal ---

const MEASUREMENT_ESCAPES = new Set([',', ' ']);
const KEY_ESCAPES = new Set([',', ' ', '=']);
const MEASUREMENT_STOPS = new Set([',', ' ']);
const KEY_STOPS = new Set([',', ' ', '=']);

/** Reads a name up to an unescaped stop character; `\` + an escapable character is that character. */
function readName(
  line: string,
  cursor: { at: number },
  escapes: ReadonlySet<string>,
  stops: ReadonlySet<string>,
): string {
  let out = '';
  while (cursor.at < line.length) {
    const c = line[cursor.at] as string;
    if (c === '\\' && cursor.at + 1 < line.length && escapes.has(line[cursor.at + 1] as string)) {
      out += line[cursor.at + 1];
      cursor.at += 2;
      continue;
    }
    if (stops.has(c)) break;
    out += c;
    cursor.at++;
  }
  return out;
}

function readValue(line: string, cursor: { at: number }): ReadFieldValue {
  if (line[cursor.at] === '"') {
    let out = '';
    for (let i = cursor.at + 1; i < line.length; i++) {
      const c = line[i] as string;
      if (c === '"') {
        cursor.at = i + 1;
        return out;
      }
      if (c === '\\') {
        const next = line[++i];
        if (next === '"' || next === '\\') out += next;
        else if (next === 'n') out += '\n';
        else if (next === 'r') out += '\r';
        else throw new Error(`unexpected escape \\${next ?? ''} in a string field`);
        continue;
      }
      out += c;
    }
    throw new Error('unterminated string field');
  }
  let end = cursor.at;
  while (end < line.length && line[end] !== ',' && line[end] !== ' ') end++;
  const token = line.slice(cursor.at, end);
  cursor.at = end;
  if (token === 'true' || token === 'false') return token === 'true';
  if (/^-?\d+i$/.test(token)) return { type: 'integer', value: BigInt(token.slice(0, -1)) };
  if (/^-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i.test(token)) return Number(token);
  throw new Error(`bad field value ${JSON.stringify(token)}`);
}

function consume(line: string, cursor: { at: number }, char: string): void {
  if (line[cursor.at] !== char) throw new Error(`expected ${JSON.stringify(char)} at ${cursor.at}`);
  cursor.at++;
}
