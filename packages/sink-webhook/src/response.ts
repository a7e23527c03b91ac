import { ErrorCode, SdkError } from '@ha-ingestor/core';
import { parseRetryAfter } from '@ha-ingestor/core/resilience';
import type { PostResponse } from './post.js';

/** Characters of a response body quoted in errors and dead-letter records at most. */
export const EXCERPT_CHARS = 500;

/** What one request's answer means for its events. */
export type Outcome =
  { readonly kind: 'ok' } | { readonly kind: 'rejected'; readonly reason: string; readonly message: string };

/** Where the answer came from, for messages. */
export interface ResponseContext {
  readonly stage: string;
  /** e.g. `POST https://user:***@host/hook` (credentials masked). */
  readonly target: string;
  /** 4xx statuses retried like 5xx. */
  readonly retryStatuses: readonly number[];
  readonly now: number;
}

/**
 * Maps a receiver's answer: 2xx ok; 4xx (except `retryStatuses`, by default 408 and 429) rejects the
 * request's events for good, quoting the status and a bounded excerpt of the body; everything else
 * (5xx, the retried 4xx, 1xx/3xx — redirects are not followed) throws a retryable SINK_UNAVAILABLE carrying
 * Retry-After, so core's retry, breaker and outbox keep the data.
 */
export function classifyResponse(response: PostResponse, ctx: ResponseContext): Outcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const excerpt = bodyExcerpt(response.body);
  const quoted = excerpt === '' ? '' : `: ${excerpt}`;
  if (status >= 400 && status < 500 && !ctx.retryStatuses.includes(status)) {
    return { kind: 'rejected', reason: `http_${status}`, message: `${ctx.target}: HTTP ${status}${quoted}` };
  }
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], ctx.now);
  const hint = status >= 300 && status < 400 ? ' (redirects are not followed: fix the URL)' : '';
  throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${ctx.target}: HTTP ${status}${hint}${quoted}`, {
    stage: ctx.stage,
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    data: { status, reason: 'http_status', ...(excerpt === '' ? {} : { body: excerpt }) },
  });
}

/** The body, whitespace collapsed, cut at {@link EXCERPT_CHARS} characters. */
export function bodyExcerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
