/**
 * A pino-compatible logger interface: `(obj, msg?)` or `(msg)`, plus `child(bindings)`. A pino logger
 * drops in as it is; the SDK never logs secrets, and callers must not put them in `obj` either.
 */
export interface LogFn {
  (obj: Readonly<Record<string, unknown>>, msg?: string): void;
  (msg: string): void;
}

/** The logger every component receives: pino's shape, so a pino logger drops in (see {@link LogFn}). */
export interface Logger {
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  /** A logger that adds `bindings` to every record (e.g. `{ component: name }`). */
  readonly child: (bindings: Readonly<Record<string, unknown>>) => Logger;
}

/** Minimum level of the built-in console logger; `silent` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

/** A logger that discards everything (the default inside tests and when none is given). */
export const noopLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => noopLogger,
};

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go; defaults to process.stderr. */
  readonly write?: (line: string) => void;
  readonly bindings?: Readonly<Record<string, unknown>>;
  /** Clock for the `time` field (epoch ms). */
  readonly now?: () => number;
}

/**
 * A small NDJSON logger with pino's line shape (`level`, `time`, `msg`, bindings), for apps that don't
 * bring pino. Errors in `err` are serialised with code and message, never with a `cause` chain dump.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const now = options.now ?? Date.now;
  const bindings = options.bindings ?? {};
  const make =
    (level: Exclude<LogLevel, 'silent'>): LogFn =>
    (objOrMsg: Readonly<Record<string, unknown>> | string, msg?: string) => {
      if (LEVELS[level] < threshold) return;
      const fields = typeof objOrMsg === 'string' ? {} : serialiseFields(objOrMsg);
      const text = typeof objOrMsg === 'string' ? objOrMsg : msg;
      write(
        `${JSON.stringify({ level: LEVELS[level], time: now(), ...bindings, ...fields, ...(text === undefined ? {} : { msg: text }) })}\n`,
      );
    };
  return {
    trace: make('trace'),
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    child: (extra) => createJsonLogger({ ...options, bindings: { ...bindings, ...extra } }),
  };
}

// --- internal ---

function serialiseFields(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = v instanceof Error ? serialiseError(v) : v;
  }
  return out;
}

function serialiseError(error: Error): Record<string, unknown> {
  const withJson = error as Error & { toJSON?: () => Record<string, unknown> };
  if (typeof withJson.toJSON === 'function') return withJson.toJSON();
  return { name: error.name, message: error.message };
}
