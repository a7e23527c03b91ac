import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createGuard, ErrorCode, SdkError, toSdkError } from '@ha-ingestor/core';

/** A receiver's answer; the body is cut at the client's `maxResponseBytes`. */
export interface PostResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Options of {@link createPoster}. */
export interface PosterOptions {
  readonly url: URL;
  /** Deadline of one request, from sending to the end of the response. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** `sink:<name>`, for messages. */
  readonly stage: string;
  /** The URL as errors may show it (credentials masked). */
  readonly where: string;
  /** Where a socket callback's error goes once its request has already settled. */
  readonly report: (error: SdkError) => void;
}

/** POSTs bodies to one receiver over a keep-alive agent. */
export interface Poster {
  /** Resolves with any HTTP status; rejects with SINK_UNAVAILABLE (network, timeout) or ABORTED. */
  readonly post: (body: Buffer, headers: OutgoingHttpHeaders, signal: AbortSignal) => Promise<PostResponse>;
  /** Destroys the agent's sockets. */
  readonly close: () => void;
}

/**
 * Creates the poster. The deadline covers the whole exchange (a receiver that trickles its answer times out
 * too); the response is read to its end but only `maxResponseBytes` are kept, so a chatty receiver costs
 * bounded memory and the keep-alive socket stays usable.
 */
export function createPoster(options: PosterOptions): Poster {
  const { url, stage, where } = options;
  const https = url.protocol === 'https:';
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: 4 })
    : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  const send = https ? httpsRequest : httpRequest;
  const auth =
    url.username === '' ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;

  const post = (body: Buffer, headers: OutgoingHttpHeaders, signal: AbortSignal): Promise<PostResponse> => {
    if (signal.aborted) return Promise.reject(aborted(stage, signal.reason));
    return new Promise<PostResponse>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const fail = (error: SdkError) => {
        r.destroy();
        finish(() => reject(error));
      };
      // Socket callbacks run outside the caller's try (issue 11): a throw fails this request, or is reported.
      const guard = createGuard(
        {
          report: (error) => {
            if (settled) return options.report(toSdkError(error, ErrorCode.INTERNAL, stage));
            fail(toSdkError(error, ErrorCode.INTERNAL, stage));
          },
        },
        stage,
      );
      const r = send(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { ...headers, 'content-length': body.length },
          agent,
          ...(auth === undefined ? {} : { auth }),
        },
        guard('response', (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          res.on(
            'data',
            guard('response data', (chunk: Buffer) => {
              if (kept >= options.maxResponseBytes) return;
              const part = chunk.subarray(0, options.maxResponseBytes - kept);
              chunks.push(part);
              kept += part.length;
            }),
          );
          res.once(
            'error',
            guard('response error', (error: Error) =>
              fail(unavailable(`POST ${where}: response failed: ${error.message}`, stage, 'network', error)),
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
      const deadline = setTimeout(
        guard('timeout', () =>
          fail(unavailable(`POST ${where}: no complete answer within ${options.timeoutMs} ms`, stage, 'timeout')),
        ),
        options.timeoutMs,
      );
      const onAbort = guard('abort', () => fail(aborted(stage, signal.reason)));
      // guard-exempt: onAbort is made by guard('abort', …) above; kept in a variable to remove it again
      signal.addEventListener('abort', onAbort, { once: true });
      r.once(
        'error',
        guard('request error', (error: NodeJS.ErrnoException) =>
          fail(unavailable(`POST ${where} failed: ${error.code ?? error.message}`, stage, 'network', error)),
        ),
      );
      r.end(body);
    });
  };

  return { post, close: () => agent.destroy() };
}

// --- internal ---

function unavailable(message: string, stage: string, reason: string, cause?: unknown): SdkError {
  return new SdkError(ErrorCode.SINK_UNAVAILABLE, message, {
    stage,
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
    data: { reason },
  });
}

function aborted(stage: string, reason: unknown): SdkError {
  return new SdkError(ErrorCode.ABORTED, `${stage}: write aborted`, { stage, retryable: false, cause: reason });
}
