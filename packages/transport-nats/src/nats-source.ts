import {
  createGuard,
  defineSource,
  ErrorCode,
  errorMessage,
  isSdkError,
  type HaEvent,
  type Source,
  type SourceContext,
  type SourceImpl,
} from '@ha-ingestor/core';
import { waitOrAbort } from '@ha-ingestor/core/resilience';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { decodeEventFrom } from './codec.js';
import { ensureStream, openLink, type NatsLink } from './connection.js';
import { ensureConsumer } from './consumer.js';
import { NatsSourceOptionsSchema, type NatsSourceOptions, type ResolvedNatsSourceOptions } from './options.js';
import type { NatsSourceStatus } from './status.js';

const SOURCE_NAME = 'nats';
/** How often the consumer's backlog (`num_pending`) is refreshed for {@link NatsSourceStatus.streamLag}. */
const LAG_REFRESH_MS = 5000;

/** A NATS source with its status. */
export type NatsSource = Source<HaEvent> & {
  /** Link state and consumer counters (see {@link NatsSourceStatus}). */
  readonly status: () => NatsSourceStatus;
};

/**
 * Consumes the stream through a durable pull consumer (`consumer`, shared by every writer with the same
 * name: each message goes to one of them) and emits the events in batches. Each message is acknowledged
 * only when the pipeline reports its batch handled (written or outboxed by every sink, or dropped on
 * purpose); a batch that could not be made durable is nak'ed with `nakDelayMs`, so JetStream redelivers it.
 * `max_ack_pending` bounds what all writers hold unacknowledged: that is the backpressure. A message that
 * cannot be decoded is dead-lettered and terminated (never redelivered). Events keep the edge's
 * `provenance.mode`, `receivedAt` and `home`; `provenance.source` is this source, `topic` the NATS subject.
 *
 * @example
 * pipeline(natsSource({ servers: 'nats://nats:4222', consumer: 'writer' })).to(influxSink(influx)).build();
 */
export const natsSource = Object.assign(
  (options: NatsSourceOptions): NatsSource => {
    let status: (() => NatsSourceStatus) | undefined;
    const source = defineSource({
      name: SOURCE_NAME,
      options: NatsSourceOptionsSchema,
      create: (resolved): SourceImpl<HaEvent> => {
        const made = createNatsSource(resolved);
        status = made.status;
        return made.impl;
      },
    })(options);
    const read = status;
    if (read === undefined) throw new Error('natsSource: create() did not run');
    return Object.assign(source, { status: read });
  },
  { componentName: SOURCE_NAME, optionsSchema: NatsSourceOptionsSchema },
);

function createNatsSource(options: ResolvedNatsSourceOptions): {
  impl: SourceImpl<HaEvent>;
  status: () => NatsSourceStatus;
} {
  const stage = `source:${options.name}`;
  const counts = { acked: 0, naked: 0, redelivered: 0, invalid: 0, bufferFull: 0 };
  let pendingAcks = 0;
  let streamLag: number | undefined;
  let current: NatsLink | undefined;
  // Messages received and not yet handed to the pipeline: buffer[head…]. Taking a batch moves `head` and clears
  // the taken slots (as source-ws's inbound buffer does, issue 14: a taken message kept in an old array is
  // promoted by every scavenge); the array is compacted once the taken part is at least half of it.
  let buffer: (JsMsg | undefined)[] = [];
  let head = 0;
  const buffered = () => buffer.length - head;
  // The bound: never below one batch, so a batch can always fill. Pulling resumes once a whole batch fits
  // again (no stop/start per message at the bound).
  const maxBuffered = Math.max(options.maxBuffered, options.batchSize);
  const resumeAt = maxBuffered - options.batchSize;

  const run = async (ctx: SourceContext<HaEvent>): Promise<void> => {
    const guard = createGuard(ctx, stage);
    const messagesTotal = ctx.metrics.counter<'source' | 'outcome'>(
      'nats_source_messages_total',
      'NATS source messages by outcome: acked, naked (redelivered later), invalid (dead-lettered), redelivered (received again)',
      ['source', 'outcome'],
    );
    const lagGauge = ctx.metrics.gauge<'source'>(
      'nats_source_stream_lag',
      'Messages of the stream the durable consumer has not delivered yet (all writers)',
      ['source'],
    );
    const bufferFullTotal = ctx.metrics.counter<'source'>(
      'nats_source_buffer_full_total',
      'Times the NATS source buffer reached maxBuffered and pulling stopped until the pipeline took some',
      ['source'],
    );
    const count = (outcome: string, n = 1) => messagesTotal.inc({ source: options.name, outcome }, n);
    const link = await connectWithRetry(options, stage, ctx);
    if (link === undefined) return; // aborted while connecting
    current = link;
    let messages: ConsumerMessages | undefined;
    let flushing: Promise<void> | undefined;
    let lagTimer: ReturnType<typeof setInterval> | undefined;
    let pump: Promise<void> | undefined;
    // Set while the pump waits for the buffer to drain (it pulls nothing meanwhile).
    let resume: (() => void) | undefined;
    // Set when run ends (abort or a setup error): the pump takes nothing more.
    let stopping = false;
    const wake = () => {
      const r = resume;
      resume = undefined;
      r?.();
    };

    /** Hands buffer[head, head + n) to the pipeline, decoded; acks or naks them when the pipeline settles. */
    const deliver = async (n: number): Promise<void> => {
      const events: HaEvent[] = [];
      const held: JsMsg[] = [];
      const end = head + n;
      for (let i = head; i < end; i++) {
        const m = buffer[i] as JsMsg;
        buffer[i] = undefined;
        if (m.redelivered) {
          counts.redelivered++;
          count('redelivered');
        }
        // Provenance is stamped on the freshly decoded event: no copy of it.
        const decoded = decodeEventFrom(m.data, options.name, m.subject);
        if (!decoded.ok) {
          counts.invalid++;
          count('invalid');
          ctx.deadLetter({
            stage,
            reason: decoded.error.reason,
            message: decoded.error.message,
            raw: Buffer.from(m.data).subarray(0, 4096).toString('base64'),
            data: { subject: m.subject, streamSequence: m.seq, encoding: 'base64 (first 4 KiB)' },
          });
          // No reason text: nats-server before 2.10.4 ignores a `+TERM <reason>` it cannot parse.
          m.term();
          continue;
        }
        events.push(decoded.event);
        held.push(m);
      }
      // Taken: the buffer no longer holds them (compacted once the taken part is half of it).
      head = end;
      if (head === buffer.length) {
        buffer = [];
        head = 0;
      } else if (head >= 1024 && head * 2 >= buffer.length) {
        buffer = buffer.slice(head);
        head = 0;
      }
      if (buffered() <= resumeAt) wake();
      if (events.length === 0) return;
      pendingAcks += held.length;
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        pendingAcks -= held.length;
        return true;
      };
      await ctx.emitBatch(events, {
        onHandled: () => {
          if (!settle()) return;
          for (const m of held) m.ack();
          counts.acked += held.length;
          count('acked', held.length);
        },
        onFailed: (error) => {
          if (!settle()) return;
          ctx.logger.warn(
            { stage, err: error.message, messages: held.length },
            'nats: batch not durable; nak for redelivery',
          );
          for (const m of held) m.nak(options.nakDelayMs);
          counts.naked += held.length;
          count('naked', held.length);
        },
      });
    };

    const flushLoop = async (): Promise<void> => {
      // One macrotask turn lets the rest of a pull's burst arrive, so batches fill up under load.
      await new Promise((resolve) => setImmediate(resolve)); // guard-exempt: resolves a promise, cannot throw
      while (buffered() > 0 && !ctx.signal.aborted) await deliver(Math.min(buffered(), options.batchSize));
    };
    const schedule = () => {
      flushing ??= flushLoop()
        .catch((error: unknown) => {
          // The pipeline refused the batch (stopping): its messages stay unacknowledged and come back.
          if (!isSdkError(error, ErrorCode.ABORTED)) guard.report(error);
        })
        .finally(() => {
          flushing = undefined;
          if (buffered() > 0 && !ctx.signal.aborted) schedule();
        });
    };

    /**
     * Takes the consumer's messages into the buffer. The client pulls the next batch only as this loop takes
     * messages (iterator mode), so waiting here while the buffer is full stops the pulls: at most one pull
     * (`batchSize`) more arrives, and stays in the client until the loop goes on. Nothing is dropped.
     */
    const pumpLoop = async (from: ConsumerMessages): Promise<void> => {
      for await (const m of from) {
        if (stopping || ctx.signal.aborted) return; // not acknowledged: redelivered to a running writer
        buffer.push(m);
        schedule();
        if (buffered() >= maxBuffered) {
          counts.bufferFull++;
          bufferFullTotal.inc({ source: options.name });
          await new Promise<void>((resolve) => (resume = resolve)); // guard-exempt: resolves a promise
          if (stopping || ctx.signal.aborted) return;
        }
      }
    };

    try {
      // The link is up, but JetStream may not be (a cluster electing a leader): retry until it answers.
      // A stream that can never work (CONFIG_INVALID) is fatal.
      const consumer = await retrySetup(ctx, options, stage, async () => {
        await ensureStream(link.jsm, options, ctx.logger);
        await ensureConsumer(link.jsm, options, ctx.logger);
        return jetstream(link.nc).consumers.get(options.stream, options.consumer);
      });
      if (consumer === undefined) return; // aborted
      const consumed = await consumer.consume({ max_messages: options.batchSize });
      messages = consumed;
      pump = pumpLoop(consumed).catch((error: unknown) => {
        // The consumer stopped for good (deleted, connection closed): report; the run ends on stop.
        if (!ctx.signal.aborted) {
          guard.report(error);
          ctx.setStatus({ connected: false, message: `consumer stopped: ${errorMessage(error)}` });
        }
      });
      const refreshLag = async () => {
        streamLag = (await consumer.info()).num_pending; // info(true) is the cached answer: the lag never moved
        lagGauge.set({ source: options.name }, streamLag);
      };
      lagTimer = setInterval(guard('nats consumer lag refresh', refreshLag), LAG_REFRESH_MS);
      await refreshLag().catch((error: unknown) =>
        ctx.logger.debug({ stage, err: errorMessage(error) }, 'lag refresh failed'),
      );
      ctx.setStatus({ connected: true, message: `consuming ${options.stream}/${options.consumer}` });
      await aborted(ctx.signal);
    } finally {
      clearInterval(lagTimer);
      stopping = true;
      wake(); // a pump waiting for room returns
      await messages?.close().catch(() => undefined);
      await pump;
      // Not handed to the pipeline: left unacknowledged, JetStream redelivers them after ack_wait.
      buffer = [];
      head = 0;
      await flushing;
      ctx.setStatus({ connected: false, message: 'stopped' });
      // Events already in the pipeline are still written during its stop; keep the link open a little so
      // their acks reach JetStream (else they are redelivered after ack_wait — harmless, just slower).
      void closeWhenSettled(link, () => pendingAcks, options.closeGraceMs).catch(guard.report);
    }
  };

  const status = (): NatsSourceStatus => ({
    connected: current?.connected() ?? false,
    server: current?.server() ?? null,
    pendingAcks,
    streamLag,
    buffered: buffered(),
    ...counts,
  });
  return { impl: { name: options.name, run }, status };
}

// --- internal ---

/** Resolves once `signal` aborts (a wait on a promise that never settles, cut by the signal). */
async function aborted(signal: AbortSignal): Promise<void> {
  await waitOrAbort(new Promise<never>(() => undefined), signal);
}

/** Connects, retrying a transient failure every `reconnectWaitMs` until the signal aborts; AUTH_FAILED rejects. */
async function connectWithRetry(
  options: ResolvedNatsSourceOptions,
  stage: string,
  ctx: SourceContext<HaEvent>,
): Promise<NatsLink | undefined> {
  for (;;) {
    if (ctx.signal.aborted) return undefined;
    try {
      return await openLink(options, `ha-ingestor ${stage}`, ctx.logger, (connected, message) =>
        ctx.setStatus({ connected, message }),
      );
    } catch (error) {
      if (isSdkError(error, ErrorCode.AUTH_FAILED)) {
        ctx.setStatus({ connected: false, message: error.message });
        throw error;
      }
      ctx.setStatus({ connected: false, message: `${errorMessage(error)}; retrying in ${options.reconnectWaitMs} ms` });
      await waitOrAbort(options.reconnectWaitMs, ctx.signal);
    }
  }
}

/** Runs `setup` until it succeeds, the signal aborts (undefined) or it fails with CONFIG_INVALID/AUTH_FAILED. */
async function retrySetup<T>(
  ctx: SourceContext<HaEvent>,
  options: ResolvedNatsSourceOptions,
  stage: string,
  setup: () => Promise<T>,
): Promise<T | undefined> {
  for (;;) {
    if (ctx.signal.aborted) return undefined;
    try {
      return await setup();
    } catch (error) {
      if (isSdkError(error, ErrorCode.CONFIG_INVALID) || isSdkError(error, ErrorCode.AUTH_FAILED)) throw error;
      const message = `JetStream setup failed: ${errorMessage(error)}; retrying in ${options.reconnectWaitMs} ms`;
      ctx.logger.warn({ stage, err: errorMessage(error) }, message);
      ctx.setStatus({ connected: false, message });
      await waitOrAbort(options.reconnectWaitMs, ctx.signal);
    }
  }
}

async function closeWhenSettled(link: NatsLink, pending: () => number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (pending() > 0 && Date.now() < deadline) await waitOrAbort(20);
  await link.close();
}
