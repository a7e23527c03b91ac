import { parseJsonText } from '@ha-ingestor/core/json';
import type { Point } from '@ha-ingestor/core/line-protocol';
import { fieldTypeOf } from './field-types.js';
import type { InfluxFieldType } from './field-types.js';

/** A line of a write body and the point it came from. */
export interface SentLine {
  readonly text: string;
  readonly point: Point;
}

/** A line the server refused, by index into the lines given to the writer. */
export interface LineRejection {
  readonly line: number;
  readonly reason: string;
  readonly message: string;
}

/** A field whose type the server reported, learnt from a conflict message. */
export interface ReportedFieldType {
  readonly measurement: string;
  readonly field: string;
  readonly type: InfluxFieldType;
}

/** The refused lines an error body names, when it names all of them. */
export interface Attribution {
  readonly rejected: LineRejection[];
  /** The server stored the other lines (a partial write); else they must be sent again. */
  readonly restStored: boolean;
  readonly reportedTypes: ReportedFieldType[];
}

/** Machine-readable reason for a server message (dead-letter reason, metric label). */
export function rejectionReason(message: string): string {
  if (/field type conflict/i.test(message)) return 'type_conflict';
  if (/beyond retention/i.test(message)) return 'beyond_retention';
  if (/max-values-per-tag/i.test(message)) return 'max_values_per_tag';
  if (/unable to parse|invalid|missing|bad timestamp|out of range|parse/i.test(message)) return 'unparsable';
  return 'server_rejected';
}

const CONFLICT_RE =
  /field type conflict: input field "((?:[^"\\]|\\.)*)" on measurement "((?:[^"\\]|\\.)*)" is type (\w+), already exists as type (\w+)/g;
const PARSE_PREFIX = "unable to parse '";

/**
 * Finds the lines an error body names: InfluxDB 3's `data[].line_number`, and in 1.x/2.x texts every
 * `unable to parse '<line>': reason` (matched against the sent lines exactly) and every
 * `field type conflict: input field "f" on measurement "m" … already exists as type T` (every line writing
 * `m.f` with another type). Returns undefined unless every refused line is accounted for (the counts of
 * `dropped=N` must agree): the caller then bisects instead of guessing.
 *
 * Limitation (InfluxDB 1.x): when a batch has a type conflict *and* an unparsable line, only the conflict is
 * reported; the serialiser never emits unparsable lines, so this costs nothing in practice.
 */
export function attributeRejection(
  fullMessage: string,
  body: string,
  chunk: readonly number[],
  lines: readonly SentLine[],
): Attribution | undefined {
  const v3 = attributeV3(body, chunk);
  if (v3 !== undefined) return v3;

  const rejected = new Map<number, LineRejection>();
  const reportedTypes: ReportedFieldType[] = [];

  // unable to parse '<line>': <reason>  (several, separated by LF; the line itself may contain LF or ': ')
  const byText = new Map<string, number[]>();
  for (const i of chunk) {
    const text = (lines[i] as SentLine).text;
    const list = byText.get(text);
    if (list === undefined) byText.set(text, [i]);
    else list.push(i);
  }
  let parseErrors = 0;
  for (let at = fullMessage.indexOf(PARSE_PREFIX); at >= 0; at = fullMessage.indexOf(PARSE_PREFIX, at + 1)) {
    parseErrors++;
    const start = at + PARSE_PREFIX.length;
    const next = fullMessage.indexOf(`\n${PARSE_PREFIX}`, start);
    const end = next < 0 ? fullMessage.length : next;
    for (let q = fullMessage.indexOf("': ", start); q >= 0 && q < end; q = fullMessage.indexOf("': ", q + 1)) {
      const matches = byText.get(fullMessage.slice(start, q));
      if (matches === undefined) continue;
      const reasonText = fullMessage.slice(q + 3, end).replace(/\s*dropped=\d+\s*$/, '');
      const message = `unable to parse: ${reasonText}`;
      for (const line of matches) rejected.set(line, { line, reason: rejectionReason(message), message });
      parseErrors--;
      break;
    }
  }
  if (parseErrors !== 0) return undefined;

  let conflictLines = 0;
  let conflicts = 0;
  for (const m of fullMessage.matchAll(CONFLICT_RE)) {
    conflicts++;
    const field = goUnquote(m[1] ?? '');
    const measurement = goUnquote(m[2] ?? '');
    const existing = m[4];
    if (!isFieldType(existing)) return undefined;
    reportedTypes.push({ measurement, field, type: existing });
    const message = `field type conflict: field "${field}" of measurement "${measurement}" already exists as type ${existing}`;
    for (const i of chunk) {
      const point = (lines[i] as SentLine).point;
      const value = point.measurement === measurement ? point.fields[field] : undefined;
      if (value === undefined || fieldTypeOf(value) === existing || rejected.has(i)) continue;
      rejected.set(i, { line: i, reason: 'type_conflict', message });
      conflictLines++;
    }
  }
  const dropped = /dropped=(\d+)\s*$/.exec(fullMessage);
  if (dropped !== null && Number(dropped[1]) !== conflictLines) return undefined;
  if (dropped === null && conflicts > 0 && conflictLines === 0) return undefined;
  if (rejected.size === 0) return undefined;
  return { rejected: [...rejected.values()], restStored: /partial write/i.test(fullMessage), reportedTypes };
}

/** InfluxDB 3: `{"error": "partial write of line protocol occurred", "data": [{"line_number": 2, "error_message": …}]}`. */
function attributeV3(body: string, chunk: readonly number[]): Attribution | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  // Depth-bounded (issue 11); not JSON (or too deep): the text formats apply.
  const parsed = parseJsonText(body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return undefined;
  const record = parsed.value as { error?: unknown; data?: unknown };
  if (!Array.isArray(record.data) || record.data.length === 0) return undefined;
  const rejected: LineRejection[] = [];
  for (const item of record.data as unknown[]) {
    const entry = item as { line_number?: unknown; error_message?: unknown };
    const n = entry.line_number;
    const line = typeof n === 'number' && Number.isInteger(n) ? chunk[n - 1] : undefined;
    if (line === undefined) return undefined;
    const message = typeof entry.error_message === 'string' ? entry.error_message : 'rejected by the server';
    rejected.push({ line, reason: rejectionReason(message), message });
  }
  const restStored = typeof record.error === 'string' && /partial/i.test(record.error);
  return { rejected, restStored, reportedTypes: [] };
}

/** Undoes Go's `%q` quoting (strconv.Quote): `\"`, `\\`, `\n`, `\t`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`, octal. */
export function goUnquote(text: string): string {
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  const pushString = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  const simple: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
    '"': '"',
    "'": "'",
    '\\': '\\',
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\' || i === text.length - 1) {
      const cp = text.codePointAt(i) ?? 0;
      pushString(String.fromCodePoint(cp));
      if (cp > 0xffff) i++;
      continue;
    }
    const e = text[++i] as string;
    if (e in simple) pushString(simple[e] as string);
    else if (e === 'x') {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      pushString(String.fromCodePoint(parseInt(text.slice(i + 1, i + 1 + len), 16)));
      i += len;
    } else if (/[0-7]/.test(e)) {
      bytes.push(parseInt(text.slice(i, i + 3), 8));
      i += 2;
    } else pushString(`\\${e}`);
  }
  return Buffer.from(bytes).toString('utf8');
}

function isFieldType(value: unknown): value is InfluxFieldType {
  return value === 'float' || value === 'integer' || value === 'string' || value === 'boolean';
}
