import type { Logger } from '@ha-ingestor/core';
import { pino, type DestinationStream } from 'pino';

/** Options of {@link createAppLogger}. */
export interface AppLoggerOptions {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly format: 'json' | 'pretty';
  /** Where lines go (default stderr, so stdout stays free for command output). */
  readonly write?: (line: string) => void;
}

// Defence in depth: the SDK never logs secrets, and these paths are censored even if a caller tried.
const REDACT = [
  'token',
  'password',
  'apiToken',
  'apiKey',
  '*.token',
  '*.password',
  '*.apiToken',
  '*.apiKey',
  'headers.authorization',
];

/**
 * Structured pino logger (JSON lines), or a compact human format for `LOG_FORMAT=pretty`. JSON lines are
 * safe as they are: pino escapes every C0 control, so a value can never end its line, and a JSON reader
 * gets the exact text back. Pretty lines escape every control, line separator and bidi override in every
 * message, key and value (see {@link escapeControls}).
 */
export function createAppLogger(options: AppLoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const stream: DestinationStream = {
    write: options.format === 'pretty' ? (line: string) => write(prettyLine(line)) : (line: string) => write(line),
  };
  return pino(
    { level: options.level, redact: { paths: REDACT, censor: '***' }, base: { service: 'ha-ingestor' } },
    stream,
  );
}

/**
 * Makes outside text safe for one terminal line. Regression (issue 11): an MQTT topic with `\n` forged a
 * whole log line in pretty logs. Escaped: C0 controls (`\n`, `\r`, `\t` by name, ESC and the rest as
 * `\x1b`…, so no ANSI sequence reaches the terminal), DEL, C1 controls (U+0080–U+009F), the Unicode line
 * and paragraph separators (U+2028/9), and the bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) plus LRM/RLM/ALM, which can make a line read differently from what it contains.
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}

// --- internal ---

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${escapeControls(line.replace(/\n$/, ''))}\n`;
  }
  const { level, time, msg, service: _service, pid: _pid, hostname: _hostname, ...rest } = record;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  // JSON.stringify leaves U+2028/9, C1 and bidi characters as they are, so values are escaped after it too.
  const extras = Object.entries(rest)
    .map(([k, v]) => `${escapeControls(k)}=${escapeControls(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join(' ');
  const message = typeof msg === 'string' ? escapeControls(msg) : '';
  return `${when} ${LEVEL_NAMES[Number(level)] ?? String(level)} ${message}${extras ? ` ${extras}` : ''}\n`;
}
