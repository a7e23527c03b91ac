import { errorMessage } from '@ha-ingestor/core';
import { z } from 'zod';
import { parseServers } from './servers.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// A subject prefix is one or more NATS tokens: no wildcards, no whitespace, no empty token.
const subjectPrefix = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
    'expected dot-separated tokens of letters, digits, `_` and `-` (no wildcards, no spaces)',
  );

/** TLS to the NATS servers: files are read at connect, their contents never logged. */
export const NatsTlsOptionsSchema = z
  .object({
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file of the CA(s) that signed the servers’ certificates (default: the system CAs)'),
    certFile: z.string().min(1).optional().describe('PEM client certificate, for servers that verify clients (mTLS)'),
    keyFile: z.string().min(1).optional().describe('PEM private key of `certFile`; never logged'),
  })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    message: 'certFile and keyFile go together (a client certificate needs its key)',
  });

const servers = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .superRefine((value, ctx) => {
    // URLs with different credentials: refused when the options are parsed, not at the first connect.
    try {
      parseServers(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: errorMessage(error) });
    }
  })
  .describe(
    'NATS server URL(s): `nats://host:4222`, a comma-separated list or an array (the client fails over). Credentials in a URL (`nats://user:password@host:4222`, `nats://token@host:4222`, percent-encoded) are taken out of it and used unless `user`/`pass`/`token` are set; never logged',
  );

/** Connection and stream settings shared by `natsSink` and `natsSource`. */
export const NatsConnectionOptionsSchema = z.object({
  servers,
  user: z.string().optional().describe('User for user/password authentication (wins over credentials in the URLs)'),
  pass: z.string().optional().describe('Password; never logged'),
  token: z.string().optional().describe('Token authentication (wins over credentials in the URLs); never logged'),
  tls: NatsTlsOptionsSchema.optional().describe(
    'TLS to the servers (`{}`: the system CAs); without it the client still upgrades when a server requires TLS',
  ),
  stream: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1–64 letters, digits, `_` or `-`')
    .default('HA_EVENTS')
    .describe('JetStream stream name'),
  subjectPrefix: subjectPrefix
    .default('ha.events')
    .describe('Subjects are `<subjectPrefix>.<home>.<domain>`; the stream captures `<subjectPrefix>.>`'),
  createStream: z
    .boolean()
    .default(true)
    .describe('Create the stream when it is missing (an existing stream is never changed, see README)'),
  replicas: z
    .number()
    .int()
    .min(1)
    .max(5)
    .default(1)
    .describe('Stream replicas when creating it (3 in a cluster: survives the loss of one node)'),
  maxAgeMs: z
    .number()
    .int()
    .min(0)
    .default(7 * DAY_MS)
    .describe(
      'Stream retention: messages older than this are discarded (0 = unlimited); the longest writer outage it absorbs',
    ),
  maxBytes: z
    .number()
    .int()
    .min(-1)
    .default(-1)
    .describe(
      'Stream size cap in bytes (-1 = unlimited, bounded by maxAgeMs and the disk); oldest are discarded first',
    ),
  duplicateWindowMs: z
    .number()
    .int()
    .min(1000)
    .default(2 * 60 * 60 * 1000)
    .describe(
      'JetStream duplicate window: a Msg-Id seen within it is dropped; ≥ the longest edge outage whose replays must dedupe',
    ),
  connectTimeoutMs: z.number().int().positive().default(5000).describe('Timeout of one connection attempt'),
  reconnectWaitMs: z
    .number()
    .int()
    .positive()
    .default(1000)
    .describe('Wait between reconnect attempts (client jittered)'),
});

/** Options of `natsSink`. */
export const NatsSinkOptionsSchema = NatsConnectionOptionsSchema.extend({
  name: z.string().min(1).default('nats').describe('Sink name (metric label, dead-letter stage `sink:<name>`)'),
  home: z
    .string()
    .min(1)
    .max(128)
    .refine(
      (h) => ![...h].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
      'may not contain control characters',
    )
    .describe('Home (installation) id: subject token (sanitised), Msg-Id prefix and `provenance.home` of every event'),
  maxInFlight: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(256)
    .describe('Publishes awaiting their PubAck at most (the window; more wait for a free slot)'),
  publishTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(5000)
    .describe('A publish without PubAck after this long fails the batch (retryable SINK_UNAVAILABLE)'),
});

/** Options of `natsSource`. */
export const NatsSourceOptionsSchema = NatsConnectionOptionsSchema.extend({
  name: z.string().min(1).default('nats').describe('Source name (provenance.source, metric label)'),
  consumer: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1–64 letters, digits, `_` or `-`')
    .default('writer')
    .describe('Durable pull consumer; every writer with the same name shares the work (each message to one)'),
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe('Messages pulled per request and emitted to the pipeline together at most'),
  maxBuffered: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1000)
    .describe(
      'Messages received and not yet handed to the pipeline at most (the in-process buffer; at least `batchSize` is used); when reached, the source stops pulling until a batch fits again. Nothing is dropped: what is not pulled stays in the stream',
    ),
  maxAckPending: z
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe('Consumer max_ack_pending (on creation): unacknowledged messages across all writers — the backpressure'),
  ackWaitMs: z
    .number()
    .int()
    .min(1000)
    .default(60_000)
    .describe(
      'Consumer ack_wait (on creation): an unacknowledged message is redelivered after it; must exceed the longest pipeline hold',
    ),
  nakDelayMs: z
    .number()
    .int()
    .min(0)
    .default(5000)
    .describe('Redelivery delay of a batch the pipeline could not make durable (nak with delay)'),
  closeGraceMs: z
    .number()
    .int()
    .min(0)
    .default(5000)
    .describe('After stop, how long the connection stays open for acks of events still in the pipeline'),
});

/** Connection and stream options as users write them. */
export type NatsConnectionOptions = z.input<typeof NatsConnectionOptionsSchema>;
/** TLS settings of a NATS connection (file paths). */
export type NatsTlsOptions = z.output<typeof NatsTlsOptionsSchema>;
/** Connection and stream options with defaults applied. */
export type ResolvedNatsConnectionOptions = z.output<typeof NatsConnectionOptionsSchema>;
/** Options of `natsSink` as users write them. */
export type NatsSinkOptions = z.input<typeof NatsSinkOptionsSchema>;
/** Options of `natsSink` with defaults applied. */
export type ResolvedNatsSinkOptions = z.output<typeof NatsSinkOptionsSchema>;
/** Options of `natsSource` as users write them. */
export type NatsSourceOptions = z.input<typeof NatsSourceOptionsSchema>;
/** Options of `natsSource` with defaults applied. */
export type ResolvedNatsSourceOptions = z.output<typeof NatsSourceOptionsSchema>;
