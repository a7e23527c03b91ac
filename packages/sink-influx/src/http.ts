import { Agent as HttpAgent } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { promisify } from 'node:util';
import { constants as zlibConstants, gzip as gzipCallback, gzipSync } from 'node:zlib';
import { ErrorCode, SdkError, maskUrl } from '@ha-ingestor/core';
import { httpExchange } from '@ha-ingestor/core/resilience';
import type { HttpExchangeResponse } from '@ha-ingestor/core/resilience';

const gzip = promisify(gzipCallback);

/**
 * Bodies below this size are gzipped synchronously: an asynchronous gzip creates a zlib stream and makes a
 * thread-pool round trip per request, which costs about as much as compressing a small body (issue 14: a
 * 40-line body of the bench corpus, 9.5 µs CPU per line asynchronously against 4.9 µs synchronously, both at
 * the default level 6; at 1,000 lines both cost ~3.2 µs). Larger bodies stay off the event loop (64 KiB is
 * well under a millisecond).
 */
const SYNC_GZIP_MAX_BYTES = 64 * 1024;

/**
 * Small bodies (the synchronous ones) are compressed at zlib level 1 (issue 14): on 40-line bodies of the
 * bench corpus (~15.6 kB) level 1 costs ~2.7 µs CPU per line against ~4.8 µs at the default level 6, for a
 * body 9 % larger (21.0 % of the plain size against 19.3 %). Large bodies keep the default level, off the
 * event loop.
 */
const SMALL_BODY_GZIP = { level: zlibConstants.Z_BEST_SPEED };

/** One HTTP response, body read completely (InfluxDB answers are small). */
export type HttpResponse = HttpExchangeResponse;

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query relative to the base URL, e.g. `/write?db=ha`. */
  readonly path: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string;
  /** Gzip the body when it reaches the client's threshold. */
  readonly gzip?: boolean;
  readonly signal?: AbortSignal;
}

/** A small keep-alive HTTP client for one server. */
export interface HttpClient {
  readonly request: (req: HttpRequest) => Promise<HttpResponse>;
  /** Closes idle keep-alive sockets. */
  readonly close: () => void;
  /** The keep-alive agent (shared with the official client's transport for v2). */
  readonly agent: HttpAgent;
}

export interface HttpClientOptions {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly gzipThresholdBytes: number;
  /** Label for error messages, e.g. `sink:influx`. */
  readonly stage: string;
  /**
   * Largest response body read; a longer one ends the request with a retryable SINK_UNAVAILABLE
   * (`response_too_large`). InfluxDB answers are small; a wrong URL could stream without end (issue 11).
   * @default 16 MiB (a `SHOW FIELD KEYS` of a big installation fits)
   */
  readonly maxResponseBytes?: number;
  /** Where an error of a socket callback goes once its request has already settled (normally never). */
  readonly report: (error: SdkError) => void;
}

/** Default of {@link HttpClientOptions.maxResponseBytes}. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Creates the client. Transport failures become SdkErrors without secrets: SINK_UNAVAILABLE (network,
 * timeout; retryable) or ABORTED. Any HTTP status resolves; mapping statuses is the caller's job.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl);
  const https = base.protocol === 'https:';
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: 8 })
    : new HttpAgent({ keepAlive: true, maxSockets: 8 });
  const prefix = base.pathname.replace(/\/+$/, '');
  const where = maskUrl(`${base.origin}${prefix}`);
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;

  const request = async (req: HttpRequest): Promise<HttpResponse> => {
    if (req.signal?.aborted) throw aborted(options.stage);
    let body: Buffer | undefined = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: OutgoingHttpHeaders = { ...req.headers };
    if (body !== undefined && req.gzip === true && body.length >= options.gzipThresholdBytes) {
      body = body.length < SYNC_GZIP_MAX_BYTES ? gzipSync(body, SMALL_BODY_GZIP) : await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    if (body !== undefined) headers['content-length'] = body.length;
    return httpExchange({
      url: new URL(`${base.origin}${prefix}${req.path}`),
      method: req.method,
      headers,
      body,
      agent,
      signal: req.signal,
      timeout: { ms: options.timeoutMs, kind: 'idle' },
      maxResponseBytes,
      overflow: 'fail',
      stage: options.stage,
      target: `${req.method} ${where}${req.path.split('?')[0] ?? ''}`,
      report: options.report,
    });
  };

  return { request, close: () => agent.destroy(), agent };
}

function aborted(stage: string): SdkError {
  return new SdkError(ErrorCode.ABORTED, 'write aborted', { stage, retryable: false });
}
