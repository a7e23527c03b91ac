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
const REDACT = ['token', 'password', 'apiToken', 'apiKey', '*.token', '*.password', '*.apiToken', '*.apiKey', 'headers.authorization'];

/** Structured pino logger (JSON lines), or a compact human format for `LOG_FORMAT=pretty`. */
export function createAppLogger(options: AppLoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const stream: DestinationStream = {
    write: options.format === 'pretty' ? (line: string) => write(prettyLine(line)) : (line: string) => write(line),
  };
  return pino({ level: options.level, redact: { paths: REDACT, censor: '***' }, base: { service: 'ha-ingestor' } }, stream);
}

// --- internal ---

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, service: _service, pid: _pid, hostname: _hostname, ...rest } = record;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const extras = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${when} ${LEVEL_NAMES[Number(level)] ?? String(level)} ${typeof msg === 'string' ? msg : ''}${extras ? ` ${extras}` : ''}\n`;
}
