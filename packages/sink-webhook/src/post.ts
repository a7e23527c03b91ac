import { Agent as HttpAgent } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { SdkError } from '@ha-ingestor/core';
import { httpExchange } from '@ha-ingestor/core/resilience';
import type { HttpExchangeResponse } from '@ha-ingestor/core/resilience';

/** A receiver's answer; the body is cut at the client's `maxResponseBytes`. */
export type PostResponse = HttpExchangeResponse;

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
  const auth =
    url.username === '' ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;

  const post = (body: Buffer, headers: OutgoingHttpHeaders, signal: AbortSignal): Promise<PostResponse> =>
    httpExchange({
      url,
      method: 'POST',
      headers,
      body,
      agent,
      ...(auth === undefined ? {} : { auth }),
      signal,
      timeout: { ms: options.timeoutMs, kind: 'total' },
      maxResponseBytes: options.maxResponseBytes,
      overflow: 'truncate',
      stage,
      target: `POST ${where}`,
      report: options.report,
    });

  return { post, close: () => agent.destroy() };
}
