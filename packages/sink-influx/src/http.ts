import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ErrorCode, SdkError, maskUrl } from '@ha-ingestor/core';

const gzip = promisify(gzipCallback);

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
}

/**
 * Creates the client. Transport failures become SdkErrors without secrets: SINK_UNAVAILABLE (network,
 * timeout; retryable) or ABORTED. Any HTTP status resolves; mapping statuses is the caller's job.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl);
  const https = base.protocol === 'https:';
  const agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 8 }) : new HttpAgent({ keepAlive: true, maxSockets: 8 });
  const send = https ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/+$/, '');
  const where = maskUrl(`${base.origin}${prefix}`);

  const request = async (req: HttpRequest): Promise<HttpResponse> => {
    if (req.signal?.aborted) throw aborted(options.stage);
    let body: Buffer | undefined = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: OutgoingHttpHeaders = { ...req.headers };
    if (body !== undefined && req.gzip === true && body.length >= options.gzipThresholdBytes) {
      body = await gzip(body);
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
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('error', (error) => finish(() => reject(unavailable(`${target}: response failed: ${error.message}`, options.stage, error))));
          res.once('end', () =>
            finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })),
          );
        },
      );
      const onAbort = () => {
        r.destroy();
        finish(() => reject(aborted(options.stage)));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.once('timeout', () => {
        r.destroy();
        finish(() =>
          reject(unavailable(`${target}: no answer within ${options.timeoutMs} ms`, options.stage, undefined, { reason: 'timeout' })),
        );
      });
      r.once('error', (error: NodeJS.ErrnoException) =>
        finish(() =>
          reject(unavailable(`${target} failed: ${error.code ?? error.message}`, options.stage, error, { reason: 'network', errno: error.code })),
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
