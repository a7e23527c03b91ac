import { ErrorCode, SdkError } from '@ha-ingestor/core';
import { parseJsonText } from '@ha-ingestor/core/json';
import { parseRetryAfter as coreParseRetryAfter } from '@ha-ingestor/core/resilience';

/** A write's HTTP answer, as both write paths (v1 client, v2 official transport) report it. */
export interface WireResponse {
  readonly status: number;
  readonly body: string;
  /** Parsed Retry-After (ms), when the server sent one. */
  readonly retryAfterMs?: number;
}

/** What the isolation loop does with a non-throwing answer. */
export type Disposition = 'ok' | 'poison' | 'too_large';

export interface ClassifyContext {
  readonly stage: string;
  /** e.g. `POST http://db:8086/write` (no credentials, no query). */
  readonly target: string;
  /** `database "ha"` / `bucket "ha"`, for the not-found message. */
  readonly destination: string;
}

const MAX_MESSAGE = 600;

/**
 * Maps a write response: 2xx ok; 413 too large (split); 400/422 and other 4xx: poison-point handling.
 * Throws the rest, keeping the data (both are retryable, so the runtime retries, then outboxes):
 * - 401/403 → AUTH_FAILED (health turns unhealthy until credentials work);
 * - 404 → SINK_UNAVAILABLE `not_found` (missing database/bucket or wrong apiVersion: a config error that
 *   must not cost data; reported loudly);
 * - 408, 429, 5xx and anything else → SINK_UNAVAILABLE with `retryAfterMs` from Retry-After.
 */
export function classifyResponse(response: WireResponse, ctx: ClassifyContext): Disposition {
  const { status } = response;
  if (status >= 200 && status < 300) return 'ok';
  if (status === 413) return 'too_large';
  const message = serverMessage(response.body);
  const data = { status, ...(message === '' ? {} : { serverMessage: message }) };
  if (status === 401 || status === 403) {
    throw new SdkError(
      ErrorCode.AUTH_FAILED,
      `${ctx.target}: HTTP ${status} — credentials refused${message ? `: ${message}` : ''}`,
      {
        stage: ctx.stage,
        retryable: true,
        data,
      },
    );
  }
  if (status === 404) {
    const hint = /page not found/i.test(message)
      ? `the server has no such endpoint — check \`url\` and \`apiVersion\` (InfluxDB 1.x before 1.8 has no /api/v2)`
      : `${ctx.destination} not found — create it or fix the options`;
    throw new SdkError(
      ErrorCode.SINK_UNAVAILABLE,
      `${ctx.target}: HTTP 404, ${hint}${message ? ` (${message})` : ''}`,
      {
        stage: ctx.stage,
        retryable: true,
        data: { ...data, reason: 'not_found' },
      },
    );
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'poison';
  throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${ctx.target}: HTTP ${status}${message ? `: ${message}` : ''}`, {
    stage: ctx.stage,
    retryable: true,
    ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }),
    data,
  });
}

/**
 * The server's explanation: `message` (2.x) and/or `error` (1.x, 3.x) of a JSON body, else the text,
 * cut at `maxLength` characters.
 */
export function serverMessage(body: string, maxLength = MAX_MESSAGE): string {
  const text = body.trim();
  let message = text;
  if (text.startsWith('{')) {
    // Depth-bounded (issue 11): an error body comes from whatever the URL points at.
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      message = `${text} (${parsed.error.message})`;
    } else if (typeof parsed.value === 'object' && parsed.value !== null) {
      const json = parsed.value as Record<string, unknown>;
      const parts = [json['message'], json['error']].filter((v): v is string => typeof v === 'string' && v !== '');
      if (parts.length > 0) message = parts.join(': ');
    }
  }
  return message.length > maxLength ? `${message.slice(0, maxLength)}…` : message;
}

/**
 * Parses a Retry-After header (delta seconds or an HTTP date) to ms from `now`.
 * @deprecated Use `parseRetryAfter` from `@ha-ingestor/core/resilience` (this is a re-export of it; it reads
 * `-5` and `1e3` as unparsable now, as RFC 9110 wants, where this copy used to read them as numbers).
 */
export const parseRetryAfter: (
  value: string | readonly string[] | null | undefined,
  now: number,
) => number | undefined = coreParseRetryAfter;
