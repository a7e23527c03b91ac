import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback, gzipSync } from 'node:zlib';
import { createGuard, ErrorCode, SdkError, maskUrl, toSdkError } from '@ha-ingestor/core';

const gzip = promisify(gzipCallback);

/**
 * Bodies below this size are gzipped synchronously: an asynchronous gzip creates a zlib stream and makes a
 * thread-pool round trip per request, which costs about as much as compressing a small body (issue 14: a
 * 40-line body of the bench corpus, 9.5 µs CPU per line asynchronously against 4.9 µs synchronously, both at
 * the default level 6; at 1,000 lines both cost ~3.2 µs). Larger bodies stay off the event loop (64 KiB is
 * well under a millisecond).
 */
const SYNC_GZIP_MAX_BYTES = 64 * 1024;

/** One HTTP response, body read completely (InfluxDB answers are small). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

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
  const send = https ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/+$/, '');
  const where = maskUrl(`${base.origin}${prefix}`);
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;

  const request = async (req: HttpRequest): Promise<HttpResponse> => {
    if (req.signal?.aborted) throw aborted(options.stage);
    let body: Buffer | undefined = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: OutgoingHttpHeaders = { ...req.headers };
    if (body !== undefined && req.gzip === true && body.length >= options.gzipThresholdBytes) {
      body = body.length < SYNC_GZIP_MAX_BYTES ? gzipSync(body) : await gzip(body);
      headers['content-encoding'] = 'gzip';
    }
    if (body !== undefined) headers['content-length'] = body.length;
    const target = `${req.method} ${where}${req.path.split('?')[0] ?? ''}`;

    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        req.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      // Every socket callback goes through the guard (issue 11): what one throws fails this request (the
      // caller's try sees it), or is reported if the request already settled.
      const guard = createGuard(
        {
          report: (error) => {
            if (settled) return options.report(toSdkError(error, ErrorCode.INTERNAL, options.stage));
            r.destroy();
            finish(() => reject(error));
          },
        },
        options.stage,
      );
      const r = send(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: `${prefix}${req.path}`,
          method: req.method,
          headers,
          agent,
          timeout: options.timeoutMs,
        },
        guard('response', (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on(
            'data',
            guard('response data', (chunk: Buffer) => {
              bytes += chunk.length;
              if (bytes <= maxResponseBytes) {
                chunks.push(chunk);
                return;
              }
              res.destroy();
              r.destroy();
              finish(() =>
                reject(
                  unavailable(`${target}: response larger than ${maxResponseBytes} bytes`, options.stage, undefined, {
                    reason: 'response_too_large',
                  }),
                ),
              );
            }),
          );
          res.once(
            'error',
            guard('response error', (error: Error) =>
              finish(() => reject(unavailable(`${target}: response failed: ${error.message}`, options.stage, error))),
            ),
          );
          res.once(
            'end',
            guard('response end', () =>
              finish(() =>
                resolve({
                  status: res.statusCode ?? 0,
                  headers: res.headers,
                  body: Buffer.concat(chunks).toString('utf8'),
                }),
              ),
            ),
          );
        }),
      );
      const onAbort = guard('abort', () => {
        r.destroy();
        finish(() => reject(aborted(options.stage)));
      });
      // guard-exempt: onAbort is made by guard('abort', …) above; kept in a variable to remove it again
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.once(
        'timeout',
        guard('timeout', () => {
          r.destroy();
          finish(() =>
            reject(
              unavailable(`${target}: no answer within ${options.timeoutMs} ms`, options.stage, undefined, {
                reason: 'timeout',
              }),
            ),
          );
        }),
      );
      r.once(
        'error',
        guard('request error', (error: NodeJS.ErrnoException) =>
          finish(() =>
            reject(
              unavailable(`${target} failed: ${error.code ?? error.message}`, options.stage, error, {
                reason: 'network',
                errno: error.code,
              }),
            ),
          ),
        ),
      );
      r.end(body);
    });
  };

  return { request, close: () => agent.destroy(), agent };
}

function unavailable(message: string, stage: string, cause?: unknown, data?: Record<string, unknown>): SdkError {
  return new SdkError(ErrorCode.SINK_UNAVAILABLE, message, {
    stage,
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
    ...(data === undefined ? {} : { data }),
  });
}

function aborted(stage: string): SdkError {
  return new SdkError(ErrorCode.ABORTED, 'write aborted', { stage, retryable: false });
}
