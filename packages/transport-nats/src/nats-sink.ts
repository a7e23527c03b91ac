import {
  defineSink,
  ErrorCode,
  errorMessage,
  noopLogger,
  SdkError,
  type HaEvent,
  type Logger,
  type RejectedEvent,
  type Sink,
  type SinkImpl,
  type StageContext,
} from '@ha-ingestor/core';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { encodeEvent } from './codec.js';
import { ensureStream, openLink, type NatsLink } from './connection.js';
import { NatsSinkOptionsSchema, type NatsSinkOptions, type ResolvedNatsSinkOptions } from './options.js';
import type { NatsSinkStatus } from './status.js';
import { sanitiseToken, subjectOf } from './subject.js';
import { createInFlightWindow } from '@ha-ingestor/core/resilience';

const SINK_NAME = 'nats';
/** Protocol overhead allowed for next to the payload (subject, headers) when checking max_payload. */
const HEADER_ALLOWANCE = 512;

/** A NATS sink with its status. */
export type NatsSink = Sink<HaEvent> & {
  /** Link state and publish counters (see {@link NatsSinkStatus}). */
  readonly status: () => NatsSinkStatus;
};

/**
 * Publishes every event to JetStream on `<subjectPrefix>.<home>.<domain>` (tokens sanitised, see the README),
 * encoded as a version byte + JSON with `provenance.home` set, with header `Nats-Msg-Id: <home>:<key>` so the
 * stream's duplicate window drops replays. `write` resolves once JetStream acknowledged (PubAck) every message
 * of the batch — a duplicate PubAck counts as success — so sources learn an event is handled only when the
 * stream has it. A lost connection or a missing PubAck rejects with a retryable SINK_UNAVAILABLE: core's retry,
 * breaker and outbox are the one retry layer. An event larger than the server's max_payload is `rejected`.
 * The stream is created on first use when missing (see {@link NatsSinkOptions}).
 *
 * @example
 * pipeline(haWebSocketSource({ url, token })).to(natsSink({ servers: 'nats://nats:4222', home: 'home-17' })).build();
 */
export const natsSink = Object.assign(
  (options: NatsSinkOptions): NatsSink => {
    let status: (() => NatsSinkStatus) | undefined;
    const sink = defineSink({
      name: SINK_NAME,
      options: NatsSinkOptionsSchema,
      create: (resolved): SinkImpl<HaEvent> => {
        const made = createNatsSink(resolved);
        status = made.status;
        return made.impl;
      },
    })(options);
    const read = status;
    if (read === undefined) throw new Error('natsSink: create() did not run');
    return Object.assign(sink, { status: read });
  },
  { componentName: SINK_NAME, optionsSchema: NatsSinkOptionsSchema },
);

function createNatsSink(options: ResolvedNatsSinkOptions): {
  impl: SinkImpl<HaEvent>;
  status: () => NatsSinkStatus;
} {
  const stage = `sink:${options.name}`;
  const homeToken = sanitiseToken(options.home);
  const window = createInFlightWindow(options.maxInFlight);
  let logger: Logger = noopLogger;
  let link: Promise<{ link: NatsLink; js: JetStreamClient }> | undefined;
  let current: NatsLink | undefined;
  let closed = false;
  const counts = { published: 0, duplicates: 0, failed: 0 };
  let publishes: ReturnType<StageContext['metrics']['counter']> | undefined;
  const attach = (ctx: StageContext) => {
    publishes ??= ctx.metrics.counter<'sink' | 'result'>(
      'nats_sink_publishes_total',
      'NATS sink publishes by result: stored, duplicate (dropped by the Msg-Id window) or failed',
      ['sink', 'result'],
    );
  };

  const connectOnce = async () => {
    const l = await openLink(options, `ha-ingestor ${stage}`, logger);
    try {
      await ensureStream(l.jsm, options, logger);
    } catch (error) {
      await l.close();
      throw error;
    }
    current = l;
    return { link: l, js: jetstream(l.nc, { timeout: options.publishTimeoutMs }) };
  };
  const ready = (): Promise<{ link: NatsLink; js: JetStreamClient }> => {
    link ??= connectOnce().catch((error: unknown) => {
      link = undefined; // the next write tries again
      throw unavailable(error, stage);
    });
    return link;
  };

  const impl: SinkImpl<HaEvent> = {
    name: options.name,
    open: (ctx) => {
      logger = ctx.logger;
      attach(ctx);
      return Promise.resolve();
    },
    write: async (batch, ctx) => {
      if (closed) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${stage}: closed`, { stage, retryable: false });
      if (ctx.signal.aborted)
        throw new SdkError(ErrorCode.ABORTED, `${stage}: write aborted`, { stage, cause: ctx.signal.reason });
      attach(ctx);
      if (batch.length === 0) return undefined;
      const { link: l, js } = await ready();
      const maxPayload = (l.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ALLOWANCE;
      const rejected: RejectedEvent[] = [];
      const acks: Promise<void>[] = [];
      let failure: SdkError | undefined;
      for (let i = 0; i < batch.length && failure === undefined; i++) {
        const event = batch[i] as HaEvent;
        let payload: Uint8Array;
        try {
          payload = encodeEvent({ ...event, provenance: { ...event.provenance, home: options.home } });
        } catch (error) {
          rejected.push({
            index: i,
            reason: 'not_serialisable',
            message: `event is not JSON-serialisable: ${errorMessage(error)}`,
          });
          continue;
        }
        if (payload.length > maxPayload) {
          rejected.push({
            index: i,
            reason: 'payload_too_large',
            message: `event is ${payload.length} bytes encoded; the NATS server accepts ${maxPayload} (max_payload less headers)`,
          });
          continue;
        }
        await window.acquire();
        const h = headers();
        h.set('Nats-Msg-Id', `${options.home}:${event.key}`);
        const ack = js
          .publish(
            subjectOf(options.subjectPrefix, homeToken, event as { event_type: string; domain?: string }),
            payload,
            {
              headers: h,
              timeout: options.publishTimeoutMs,
            },
          )
          .then(
            (pubAck) => {
              if (pubAck.duplicate) counts.duplicates++;
              else counts.published++;
              publishes?.inc({ sink: options.name, result: pubAck.duplicate ? 'duplicate' : 'stored' });
            },
            (error: unknown) => {
              counts.failed++;
              publishes?.inc({ sink: options.name, result: 'failed' });
              failure ??= unavailable(error, stage);
            },
          );
        acks.push(ack.finally(window.release));
      }
      await Promise.all(acks);
      if (failure !== undefined) throw failure;
      return rejected.length === 0 ? undefined : { rejected };
    },
    healthcheck: async () => {
      const { link: l } = await ready();
      if (!l.connected())
        throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${stage}: not connected to NATS`, { stage, retryable: true });
      try {
        await l.jsm.streams.info(options.stream);
      } catch (error) {
        throw unavailable(error, stage);
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      const pending = link;
      link = undefined;
      if (pending === undefined) return;
      const opened = await pending.catch(() => undefined);
      await opened?.link.close();
    },
  };

  const status = (): NatsSinkStatus => ({
    connected: current?.connected() ?? false,
    server: current?.server() ?? null,
    pendingAcks: window.inFlight(),
    ...counts,
  });
  return { impl, status };
}

// --- internal ---

function unavailable(error: unknown, stage: string): SdkError {
  if (error instanceof SdkError) return error;
  return new SdkError(ErrorCode.SINK_UNAVAILABLE, `${stage}: NATS publish failed: ${errorMessage(error)}`, {
    stage,
    retryable: true,
    cause: error,
  });
}
