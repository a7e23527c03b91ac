import { ErrorCode, SdkError, isSdkError, redactSecrets, errorMessage } from '@ha-ingestor/core';
import { parseJsonText } from '@ha-ingestor/core/json';
import { parseRetryAfter as coreParseRetryAfter } from '@ha-ingestor/core/resilience';

/**
 * Largest response body read from a context provider. Their JSON is small (OpenWeatherMap ~20 kB, a day of
 * Octopus Agile prices ~50 kB); a provider (or a proxy in between) that sends more is refused before the
 * body is held in memory (issue 11).
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Why a polled context could not be fetched; used as the `reason` metric label. */
export type FetchFailureReason =
  | 'timeout'
  | 'network'
  | 'http_error'
  | 'auth_failed'
  | 'rate_limited'
  | 'invalid_response'
  | 'no_data'
  | 'no_location'
  | 'breaker_open'
  | 'aborted';

/** The `fetch` function shape the SDK needs (the global one fits; tests inject their own). */
export type FetchLike = (
  url: string,
  init: { signal: AbortSignal; headers: Record<string, string> },
) => Promise<FetchResponseLike>;

/** The part of a fetch Response the SDK reads. */
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: {
    /** The value of one response header (case-insensitive), or null when absent. */
    get(name: string): string | null;
  };
  /** The body as a stream (fetch's Response has it): read up to 4 MiB (`MAX_RESPONSE_BYTES`). */
  readonly body?: AsyncIterable<Uint8Array> | null;
  /** Used when there is no `body` stream (test doubles); the length is checked after reading. */
  text(): Promise<string>;
}

/** Options of {@link fetchJson}. */
export interface FetchJsonOptions {
  readonly stage: string;
  readonly fetch: FetchLike;
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal;
  /** Strings (API keys) that must never appear in errors; replaced by `***`. */
  readonly secrets: readonly string[];
  /** Clock, epoch ms (for Retry-After dates). */
  readonly now: () => number;
}

/**
 * GETs `url` and parses JSON. Every failure is an SdkError with `data.reason` ({@link FetchFailureReason}),
 * `data.status` for HTTP errors and `retryAfterMs` for 429; no message or data ever contains the URL's
 * secrets (they are masked), and the raw cause is not attached because it may quote the URL.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const { stage, signal } = options;
  const redact = (text: string) => redactSecrets(text, options.secrets);
  let res: FetchResponseLike;
  try {
    res = await options.fetch(url, { signal, headers: options.headers });
  } catch (error) {
    throw fromRequestError(error, signal, stage, redact);
  }
  if (res.status === 429) {
    const retryAfterMs = coreParseRetryAfter(res.headers.get('retry-after'), options.now());
    throw new SdkError(ErrorCode.CONNECTION_LOST, `${stage}: rate limited (HTTP 429)`, {
      stage,
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      data: { reason: 'rate_limited', status: 429 },
    });
  }
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_RESPONSE_BYTES) throw tooLarge(stage, res.status, `${declared} bytes declared`);
  let body: string;
  try {
    body = await readBody(res, MAX_RESPONSE_BYTES);
  } catch (error) {
    if (error === TOO_LARGE) throw tooLarge(stage, res.status, `more than ${MAX_RESPONSE_BYTES} bytes`);
    throw fromRequestError(error, signal, stage, redact);
  }
  if (body.length > MAX_RESPONSE_BYTES) throw tooLarge(stage, res.status, `${body.length} characters`);
  if (res.status < 200 || res.status >= 300) {
    const auth = res.status === 401 || res.status === 403;
    throw new SdkError(
      auth ? ErrorCode.AUTH_FAILED : res.status >= 500 ? ErrorCode.CONNECTION_LOST : ErrorCode.PROTOCOL_ERROR,
      `${stage}: HTTP ${res.status}`,
      {
        stage,
        retryable: !auth,
        data: { reason: auth ? 'auth_failed' : 'http_error', status: res.status, body: redact(body.slice(0, 200)) },
      },
    );
  }
  const parsed = parseJsonText(body);
  if (parsed.ok) return parsed.value;
  const what = parsed.error.reason === 'json_too_deep' ? parsed.error.message : 'response is not JSON';
  throw new SdkError(ErrorCode.PROTOCOL_ERROR, `${stage}: ${what}`, {
    stage,
    retryable: true,
    data: { reason: 'invalid_response', status: res.status, body: redact(body.slice(0, 200)) },
  });
}

/**
 * Retry-After as seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unparsable.
 * @deprecated Use `parseRetryAfter` from `@ha-ingestor/core/resilience` (this is a re-export of it; it also
 * reads fractional seconds such as `0.5` now).
 */
export const parseRetryAfter: (header: string | null, nowMs: number) => number | undefined = coreParseRetryAfter;

/** The failure reason of an error thrown by {@link fetchJson} (or anything else). */
export function failureReason(error: unknown): FetchFailureReason {
  if (!isSdkError(error)) return 'network';
  const reason = error.data?.['reason'];
  if (typeof reason === 'string') return reason as FetchFailureReason;
  // core's breaker rejects with SINK_UNAVAILABLE naming the breaker while it is open.
  if (error.code === ErrorCode.SINK_UNAVAILABLE && error.data?.['breaker'] !== undefined) return 'breaker_open';
  if (error.code === ErrorCode.ABORTED) return 'aborted';
  if (error.code === ErrorCode.TIMEOUT) return 'timeout';
  return 'network';
}

// --- internal ---

function fromRequestError(error: unknown, signal: AbortSignal, stage: string, redact: (s: string) => string): SdkError {
  if (signal.aborted) {
    const timedOut = isTimeout(signal.reason);
    return new SdkError(
      timedOut ? ErrorCode.TIMEOUT : ErrorCode.ABORTED,
      `${stage}: request ${timedOut ? 'timed out' : 'aborted'}`,
      {
        stage,
        retryable: timedOut,
        data: { reason: timedOut ? 'timeout' : 'aborted' },
      },
    );
  }
  const message = errorMessage(error);
  const causeMessage = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return new SdkError(ErrorCode.CONNECTION_LOST, `${stage}: request failed: ${redact(message)}`, {
    stage,
    retryable: true,
    data: { reason: 'network', ...(causeMessage === undefined ? {} : { cause: redact(causeMessage) }) },
  });
}

function isTimeout(reason: unknown): boolean {
  return (
    reason instanceof Error &&
    (reason.name === 'TimeoutError' || (reason as Error & { code?: unknown }).code === 'TIMEOUT')
  );
}

const TOO_LARGE = Symbol('too large');

/** Reads the body as UTF-8, throwing {@link TOO_LARGE} once more than `maxBytes` arrived. */
async function readBody(res: FetchResponseLike, maxBytes: number): Promise<string> {
  if (res.body === undefined || res.body === null) return res.text();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of res.body) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) throw TOO_LARGE;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(stage: string, status: number, size: string): SdkError {
  return new SdkError(
    ErrorCode.PROTOCOL_ERROR,
    `${stage}: response too large (${size}; limit ${MAX_RESPONSE_BYTES} bytes)`,
    {
      stage,
      retryable: true,
      data: { reason: 'invalid_response', status },
    },
  );
}
