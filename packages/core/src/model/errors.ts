/** String codes of every error the SDK raises. Match on `code`, never on message text. */
export const ErrorCode = {
  /** Options failed their zod schema; thrown at define/build time with the issues attached. */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** Credentials refused (HA auth_invalid, MQTT CONNACK not authorised, InfluxDB 401). Fatal for sources. */
  AUTH_FAILED: 'AUTH_FAILED',
  /** A connection dropped or could not be made. Retryable. */
  CONNECTION_LOST: 'CONNECTION_LOST',
  /** The peer violated its protocol (unexpected frame, bad handshake). */
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
  /** A remote command failed (HA `result` with success:false); HA's code is in `details.data.haCode`. */
  COMMAND_FAILED: 'COMMAND_FAILED',
  /** One event failed validation or could not be parsed: dead-lettered, the pipeline continues. */
  EVENT_INVALID: 'EVENT_INVALID',
  /** An input was larger than the configured limit. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The sink refused data for good (4xx except 429): never retried. */
  SINK_REJECTED: 'SINK_REJECTED',
  /** The sink could not take data now (5xx, 429, network, breaker open): retryable, honours retryAfterMs. */
  SINK_UNAVAILABLE: 'SINK_UNAVAILABLE',
  /** A bounded buffer dropped data; reported with a count. */
  BUFFER_OVERFLOW: 'BUFFER_OVERFLOW',
  /** A deadline passed. */
  TIMEOUT: 'TIMEOUT',
  /** The operation was cancelled through its AbortSignal. */
  ABORTED: 'ABORTED',
  /** Persistent state (outbox segment, checkpoint) could not be read or written. */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** A bug: an invariant did not hold. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Extra facts carried by an {@link SdkError}. */
export interface SdkErrorDetails {
  /** The component or stage that raised it, e.g. `sink:influx`, `source:ha-websocket`. */
  readonly stage?: string;
  readonly retryable?: boolean;
  /** Server-provided wait before retrying (Retry-After), in ms. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
  /** Structured, secret-free facts (HTTP status, HA error code, topic, …). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The one error class of the SDK: a string code, a `retryable` flag, the stage and the cause. */
export class SdkError extends Error {
  override readonly name: string = 'SdkError';
  readonly code: ErrorCode;
  readonly stage: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details: SdkErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.stage = details.stage;
    this.retryable = details.retryable ?? defaultRetryable(code);
    this.retryAfterMs = details.retryAfterMs;
    this.data = details.data;
  }

  /** A JSON-safe view (for logs, dead-letter records and APIs); never includes secrets. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.stage === undefined ? {} : { stage: this.stage }),
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.data === undefined ? {} : { data: this.data }),
    };
  }
}

/** One issue of a failed options parse: the dotted key path and what was expected. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** CONFIG_INVALID with the zod issues attached. */
export class ConfigError extends SdkError {
  override readonly name: string = 'SdkError';
  readonly issues: readonly ConfigIssue[];
  constructor(message: string, issues: readonly ConfigIssue[], details: SdkErrorDetails = {}) {
    super(ErrorCode.CONFIG_INVALID, message, { ...details, retryable: false });
    this.issues = issues;
  }
}

/** True when `error` is an SdkError (optionally with the given code). Works across package copies. */
export function isSdkError(error: unknown, code?: ErrorCode): error is SdkError {
  return (
    error instanceof Error &&
    error.name === 'SdkError' &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (code === undefined || (error as SdkError).code === code)
  );
}

/** Wraps anything thrown into an SdkError, keeping SdkErrors as they are. */
export function toSdkError(error: unknown, fallback: ErrorCode = ErrorCode.INTERNAL, stage?: string): SdkError {
  if (isSdkError(error)) return error;
  return new SdkError(fallback, errorMessage(error), { cause: error, ...(stage === undefined ? {} : { stage }) });
}

/**
 * The message of anything thrown: an Error's `message`, otherwise its string form. Never throws (an object
 * whose `toString` throws, or that has none, reads as `[unprintable value]`). Issue 12: the SDK's one copy of
 * `e instanceof Error ? e.message : String(e)`.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return '[unprintable value]';
  }
}

// --- internal ---

function defaultRetryable(code: ErrorCode): boolean {
  return code === ErrorCode.CONNECTION_LOST || code === ErrorCode.SINK_UNAVAILABLE || code === ErrorCode.TIMEOUT;
}
