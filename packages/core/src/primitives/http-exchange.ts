import { request as httpRequest } from 'node:http';
import type { Agent, IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ErrorCode, SdkError, toSdkError } from '../model/errors.js';
import { createGuard } from '../observability/guard.js';

/** One HTTP answer; the body as text, at most `maxResponseBytes` of it. */
export interface HttpExchangeResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request of {@link httpExchange}. */
export interface HttpExchangeOptions {
  /** Where to send it: protocol, host, port, path and query (credentials in it are ignored: use `auth`). */
  readonly url: URL;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly headers?: OutgoingHttpHeaders | undefined;
  /** Sent with its `content-length`. */
  readonly body?: Buffer | undefined;
  /** A keep-alive agent of the URL's protocol (node:http or node:https). */
  readonly agent: Agent;
  /** `user:password` for basic authentication, already decoded. */
  readonly auth?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * `total`: the whole exchange, from sending to the end of the answer, must fit (a receiver that trickles
   * its answer times out too). `idle`: the socket may be silent at most this long.
   */
  readonly timeout: { readonly ms: number; readonly kind: 'total' | 'idle' };
  /** Largest answer body kept. */
  readonly maxResponseBytes: number;
  /**
   * `truncate`: read the answer to its end but keep only `maxResponseBytes` (the keep-alive socket stays
   * usable); `fail`: a longer answer ends the request with SINK_UNAVAILABLE (`response_too_large`).
   */
  readonly overflow: 'truncate' | 'fail';
  /** Component label of errors, e.g. `sink:influx`. */
  readonly stage: string;
  /** The request as messages may show it, secrets masked, e.g. `POST http://host:8086/write`. */
  readonly target: string;
  /** Where an error of a socket callback goes once its request has already settled (normally never). */
  readonly report: (error: SdkError) => void;
}

/**
 * Sends one HTTP request with every socket callback behind core's guard (issue 11: they run outside the
 * caller's try). Resolves with any status (mapping statuses is the caller's job); rejects with SdkErrors that
 * name `target` and never the credentials: SINK_UNAVAILABLE (`data.reason` network, timeout or
 * response_too_large; retryable) or ABORTED. A callback that throws fails its request, or is reported if the
 * request had already settled.
 *
 * @example
 * const res = await httpExchange({ url, method: 'POST', body, agent, timeout: { ms: 10_000, kind: 'total' },
 *   maxResponseBytes: 4096, overflow: 'truncate', stage: 'sink:webhook', target: 'POST https://hooks.example/x',
 *   report: ctx.report });
 */
export function httpExchange(options: HttpExchangeOptions): Promise<HttpExchangeResponse> {
  const { url, stage, target, signal } = options;
  if (signal?.aborted) return Promise.reject(aborted(stage, signal.reason));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: OutgoingHttpHeaders = { ...options.headers };
  if (options.body !== undefined) headers['content-length'] = options.body.length;

  return new Promise<HttpExchangeResponse>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (deadline !== undefined) clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (error: SdkError) => {
      r.destroy();
      finish(() => reject(error));
    };
    const guard = createGuard(
      {
        report: (error) => {
          if (settled) return options.report(toSdkError(error, ErrorCode.INTERNAL, stage));
          fail(toSdkError(error, ErrorCode.INTERNAL, stage));
        },
      },
      stage,
    );
    const timeoutMessage = `${target}: no ${options.timeout.kind === 'total' ? 'complete answer' : 'answer'} within ${options.timeout.ms} ms`;
    const r = send(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method,
        headers,
        agent: options.agent,
        ...(options.auth === undefined ? {} : { auth: options.auth }),
        ...(options.timeout.kind === 'idle' ? { timeout: options.timeout.ms } : {}),
      },
      guard('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on(
          'data',
          guard('response data', (chunk: Buffer) => {
            if (kept + chunk.length <= options.maxResponseBytes) {
              chunks.push(chunk);
              kept += chunk.length;
              return;
            }
            if (options.overflow === 'fail') {
              res.destroy();
              fail(
                unavailable(
                  `${target}: response larger than ${options.maxResponseBytes} bytes`,
                  stage,
                  'response_too_large',
                ),
              );
              return;
            }
            const part = chunk.subarray(0, options.maxResponseBytes - kept);
            if (part.length > 0) chunks.push(part);
            kept += part.length;
          }),
        );
        res.once(
          'error',
          guard('response error', (error: Error) =>
            fail(unavailable(`${target}: response failed: ${error.message}`, stage, 'network', error)),
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
    const onTimeout = guard('timeout', () => fail(unavailable(timeoutMessage, stage, 'timeout')));
    const deadline = options.timeout.kind === 'total' ? setTimeout(onTimeout, options.timeout.ms) : undefined;
    if (options.timeout.kind === 'idle') r.once('timeout', onTimeout);
    const onAbort = guard('abort', () => fail(aborted(stage, signal?.reason)));
    // guard-exempt: onAbort is made by guard('abort', …) above; kept in a variable to remove it again
    signal?.addEventListener('abort', onAbort, { once: true });
    r.once(
      'error',
      guard('request error', (error: NodeJS.ErrnoException) =>
        fail(unavailable(`${target} failed: ${error.code ?? error.message}`, stage, 'network', error, error.code)),
      ),
    );
    r.end(options.body);
  });
}

function unavailable(message: string, stage: string, reason: string, cause?: unknown, errno?: string): SdkError {
  return new SdkError(ErrorCode.SINK_UNAVAILABLE, message, {
    stage,
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
    data: errno === undefined ? { reason } : { reason, errno },
  });
}

function aborted(stage: string, reason: unknown): SdkError {
  return new SdkError(ErrorCode.ABORTED, `${stage}: request aborted`, {
    stage,
    retryable: false,
    ...(reason === undefined ? {} : { cause: reason }),
  });
}
