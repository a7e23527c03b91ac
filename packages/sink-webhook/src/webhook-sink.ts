import type { OutgoingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import {
  defineSink,
  ErrorCode,
  maskUrl,
  redactSecrets,
  SdkError,
  type RejectedEvent,
  type Sink,
  type SinkImpl,
  type StageContext,
} from '@ha-ingestor/core';
import { chunkBatch } from './chunk.js';
import { WebhookSinkOptionsSchema, type ResolvedWebhookSinkOptions, type WebhookSinkOptions } from './options.js';
import { createPoster } from './post.js';
import { classifyResponse } from './response.js';
import { idempotencyKey, SIGNATURE_HEADER, signBody } from './signature.js';

const SINK_NAME = 'webhook';
/** defineSink's metadata, typed so that the declarations name the schema instead of spelling out its type. */
const METADATA: { readonly componentName: string; readonly optionsSchema: typeof WebhookSinkOptionsSchema } = {
  componentName: SINK_NAME,
  optionsSchema: WebhookSinkOptionsSchema,
};

/** What the webhook sink needs of an event: its identity key (`HaEvent.key`), for the Idempotency-Key. */
export interface WebhookEvent {
  /** The event's deterministic identity (HA series + timestamp), see core's `eventKey`. */
  readonly key: string;
}

/**
 * POSTs each batch as a JSON array to a receiver. With a `secret`, every request is signed
 * (`X-Ha-Ingestor-Signature: sha256=<hex HMAC-SHA256 of the raw body>`); every request carries an
 * `Idempotency-Key` derived from its events' identity keys, the same on every retry. `write` resolves once
 * the receiver answered 2xx for every request of the batch. 5xx, 408, 429 (`retryStatuses`) and network
 * errors and timeouts reject with a retryable SINK_UNAVAILABLE (Retry-After honoured), so core's retry,
 * breaker and outbox keep the data; other 4xx dead-letter the request's events with the status and an
 * excerpt of the answer. Generic over the event type, so enriched fields are sent as they are.
 *
 * @example
 * pipeline(source).to(webhookSink({ url: 'https://example.com/hooks/ha', secret: process.env.WEBHOOK_SECRET })).build();
 */
export const webhookSink = Object.assign(
  <E extends WebhookEvent = WebhookEvent>(options: WebhookSinkOptions): Sink<E> =>
    defineSink({
      name: SINK_NAME,
      options: WebhookSinkOptionsSchema,
      create: (resolved): SinkImpl<E> => createWebhookSink<E>(resolved),
    })(options),
  METADATA,
);

function createWebhookSink<E extends WebhookEvent>(options: ResolvedWebhookSinkOptions): SinkImpl<E> {
  const stage = `sink:${options.name}`;
  const url = new URL(options.url);
  const where = maskUrl(options.url);
  const secrets = [options.secret ?? '', decodeURIComponent(url.password)];
  const scrub = (text: string) => redactSecrets(text, secrets);
  let reportTo: StageContext | undefined;
  const poster = createPoster({
    url,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: options.maxResponseBytes,
    stage,
    where,
    report: (error) => reportTo?.logger.warn({ err: error.toJSON(), stage }, scrub(error.message)),
  });
  let closed = false;

  const sendChunk = async (body: Buffer, keys: readonly string[], ctx: StageContext) => {
    const headers: OutgoingHttpHeaders = {
      ...options.headers,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey(keys),
      'user-agent': 'ha-ingestor-webhook',
    };
    if (options.secret !== undefined) headers[SIGNATURE_HEADER.toLowerCase()] = signBody(body, options.secret);
    const response = await poster.post(body, headers, ctx.signal);
    return classifyResponse(
      { ...response, body: scrub(response.body) },
      { stage, target: `POST ${where}`, retryStatuses: options.retryStatuses, now: Date.now() },
    );
  };

  return {
    name: options.name,
    open: (ctx) => {
      reportTo = ctx;
      return Promise.resolve();
    },
    write: async (batch, ctx) => {
      reportTo ??= ctx;
      if (closed) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${stage}: closed`, { stage, retryable: false });
      if (batch.length === 0) return undefined;
      const { chunks, rejected } = chunkBatch(batch, options.maxBatchBytes);
      const refused: RejectedEvent[] = [...rejected];
      // One request after the other: a retry after a failure resends the earlier chunks with the same keys,
      // which a receiver that honours Idempotency-Key ignores.
      for (const chunk of chunks) {
        const keys = chunk.indices.map((i) => (batch[i] as E).key);
        const outcome = await sendChunk(chunk.body, keys, ctx);
        if (outcome.kind === 'rejected')
          for (const index of chunk.indices) refused.push({ index, reason: outcome.reason, message: outcome.message });
      }
      return refused.length === 0 ? undefined : { rejected: refused.sort((a, b) => a.index - b.index) };
    },
    // A TCP connect: receivers rarely answer anything but POST, so reachability is what can be checked.
    healthcheck: (signal) => tcpReachable(url, options.timeoutMs, signal, stage, where),
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      poster.close();
      return Promise.resolve();
    },
  };
}

// --- internal ---

function tcpReachable(url: URL, timeoutMs: number, signal: AbortSignal, stage: string, where: string): Promise<void> {
  const port = Number(url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise<void>((resolve, reject) => {
    const socket = new Socket();
    const done = (error?: SdkError) => {
      socket.destroy();
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => done(new SdkError(ErrorCode.ABORTED, `${stage}: healthcheck aborted`, { stage }));
    if (signal.aborted) return onAbort();
    // guard-exempt: onAbort only destroys a socket and settles this promise
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(timeoutMs);
    // guard-exempt: settles this promise only
    socket.once('connect', () => done());
    // guard-exempt: settles this promise only
    socket.once('timeout', () =>
      done(new SdkError(ErrorCode.SINK_UNAVAILABLE, `${where}: no TCP connection within ${timeoutMs} ms`, { stage })),
    );
    // guard-exempt: settles this promise only
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(
        new SdkError(ErrorCode.SINK_UNAVAILABLE, `${where}: unreachable (${error.code ?? error.message})`, {
          stage,
          cause: error,
        }),
      ),
    );
    socket.connect(port, host);
  });
}
