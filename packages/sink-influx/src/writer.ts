import { ErrorCode, SdkError } from '@ha-ingestor/core';
import type { SendBody } from './isolate.js';
import type { ClassifyContext } from './responses.js';

/** What the sink needs from a write path (v1: own HTTP client; v2: the official client's transport). */
export interface InfluxWriter {
  /** POSTs one line-protocol body. */
  readonly send: SendBody;
  /** For messages: target (no credentials), destination and stage. */
  readonly describe: ClassifyContext;
  /** Resolves when the server answers its health endpoint; rejects with an SdkError otherwise. */
  readonly ping: (signal: AbortSignal) => Promise<void>;
  /** v1 only: runs InfluxQL on `/query` and returns the parsed JSON. */
  readonly query?: (q: string, signal?: AbortSignal) => Promise<unknown>;
  readonly close: () => void;
}

/** HTTP Basic credentials header (UTF-8), or nothing. */
export function basicAuth(username: string | undefined, password: string | undefined): Record<string, string> {
  if (username === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`, 'utf8').toString('base64')}` };
}

/** A health check's failure: AUTH_FAILED for 401/403, else SINK_UNAVAILABLE (retryable). */
export function healthError(status: number, what: string, stage: string, message: string): SdkError {
  const detail = message === '' ? '' : `: ${message}`;
  if (status === 401 || status === 403) {
    return new SdkError(ErrorCode.AUTH_FAILED, `${what}: HTTP ${status} — credentials refused${detail}`, {
      stage,
      retryable: true,
      data: { status },
    });
  }
  return new SdkError(ErrorCode.SINK_UNAVAILABLE, `${what}: HTTP ${status}${detail}`, {
    stage,
    retryable: true,
    data: { status },
  });
}
