import { z } from 'zod';

/** Event types subscribed by default (one `subscribe_events` each). */
export const DEFAULT_EVENT_TYPES = ['state_changed', 'call_service', 'automation_triggered', 'script_started'] as const;

/** Registry events added to the subscriptions when registry sync is on (a RegistryStore hook is given). */
export const REGISTRY_EVENT_TYPES = [
  'area_registry_updated',
  'floor_registry_updated',
  'device_registry_updated',
  'entity_registry_updated',
  'label_registry_updated',
] as const;

const DAY_MS = 86_400_000;

/** A WebSocket URL; http(s):// gets an explanation instead of a generic "invalid url". */
export const HaWebSocketUrlSchema = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const problem = describeUrlProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('HA WebSocket URL, e.g. ws://homeassistant.local:8123/api/websocket (wss:// behind TLS)');

/** Options of {@link haWebSocketSource}. */
export const HaWebSocketOptionsSchema = z.object({
  url: HaWebSocketUrlSchema,
  token: z.string().min(1).describe('Long-lived access token (HA profile → Security). Secret: never logged'),
  eventTypes: z
    .array(z.string().min(1))
    .min(1)
    .default([...DEFAULT_EVENT_TYPES])
    .describe(
      'Event types to subscribe to (one subscribe_events each); the *_registry_updated events are added when registry sync is on',
    ),
  heartbeatIntervalMs: z
    .number()
    .int()
    .positive()
    .default(20_000)
    .describe('Application-level ping every this many ms'),
  heartbeatTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('A pong later than this declares the link dead: the socket is terminated and the source reconnects'),
  connectTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(15_000)
    .describe('Time allowed for TCP/TLS connect, upgrade and auth'),
  reconnect: z
    .object({
      minDelayMs: z
        .number()
        .int()
        .nonnegative()
        .default(500)
        .describe('Backoff ceiling after the first failure (full jitter below it)'),
      maxDelayMs: z.number().int().positive().default(30_000).describe('Cap of the exponential backoff'),
      stableAfterMs: z
        .number()
        .int()
        .nonnegative()
        .default(60_000)
        .describe('Connected this long → the backoff resets'),
    })
    .prefault({})
    .describe('Reconnect forever with capped exponential backoff and full jitter'),
  compression: z
    .boolean()
    .default(false)
    .describe(
      'Offer permessage-deflate. Off: ~10× less CPU per message on a LAN. Turn on for WAN links with metered bandwidth',
    ),
  backfill: z
    .object({
      enabled: z
        .boolean()
        .default(true)
        .describe("After a reconnect or a restart with a checkpoint, fetch the gap from HA's recorder"),
      maxGapMs: z
        .number()
        .int()
        .positive()
        .default(10 * DAY_MS)
        .describe(
          'Longest gap fetched (HA recorder keeps 10 days by default); longer gaps are truncated with a warning and a metric',
        ),
      entityIds: z
        .array(z.string().min(1))
        .optional()
        .describe('Entities to backfill; omitted → every entity from get_states'),
      chunkMs: z
        .number()
        .int()
        .positive()
        .default(3_600_000)
        .describe('Length of one history/history_during_period request'),
    })
    .prefault({})
    .describe('Checkpointed backfill from the recorder (state changes only)'),
  checkpointKey: z.string().min(1).optional().describe('Checkpoint store key; omitted → ha-websocket:<url host>'),
  checkpointIntervalMs: z
    .number()
    .int()
    .nonnegative()
    .default(1_000)
    .describe('At most one checkpoint write per this many ms'),
  inboundBuffer: z
    .object({
      maxEvents: z
        .number()
        .int()
        .positive()
        .default(50_000)
        .describe('Parsed events held in memory between the socket and the pipeline'),
      spillDir: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Spill to NDJSON files here when memory is full; omitted → overflow drops events and marks a gap for backfill',
        ),
      maxSpillEvents: z
        .number()
        .int()
        .positive()
        .default(1_000_000)
        .describe('Events held on disk at most; beyond, overflow marks a gap'),
    })
    .prefault({})
    .describe('Bounded buffer that lets the socket be read continuously (HA drops clients with >4096 queued messages)'),
  emitBatchSize: z.number().int().positive().default(500).describe('Events handed to the pipeline per emitBatch'),
  registry: z
    .object({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          'Sync HA registries into the RegistryStore hook, or into the store the source provides when an enricher consumes it',
        ),
      debounceMs: z
        .number()
        .int()
        .nonnegative()
        .default(500)
        .describe('Re-fetch a registry this long after its last *_registry_updated event'),
      maxWaitMs: z
        .number()
        .int()
        .positive()
        .default(5000)
        .describe(
          'Re-fetch a registry at most this long after the first *_registry_updated event of a burst, even while updates keep coming (at least debounceMs)',
        ),
    })
    .prefault({})
    .describe('Area/floor/device/entity/label registry sync'),
  tls: z
    .object({
      ca: z.string().optional().describe('PEM CA certificate(s) to trust for wss:// (self-signed HA)'),
      rejectUnauthorized: z.boolean().default(true).describe('Verify the server certificate; false only for testing'),
    })
    .prefault({})
    .describe('TLS options for wss://'),
});

/** Options of {@link haWebSocketSource} as a user writes them. */
export type HaWebSocketOptions = z.input<typeof HaWebSocketOptionsSchema>;
/** Options of {@link haWebSocketSource} with every default applied. */
export type ResolvedHaWebSocketOptions = z.output<typeof HaWebSocketOptionsSchema>;

/** Explains what is wrong with an HA WebSocket URL, or `undefined` when it is fine. */
export function describeUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL: expected ws://<host>:8123/api/websocket';
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const ws = url.protocol === 'http:' ? 'ws:' : 'wss:';
    const path = url.pathname === '/' || url.pathname === '' ? '/api/websocket' : url.pathname;
    return `HA's WebSocket API needs a ${ws}// URL, not ${url.protocol}//: use ${ws}//${url.host}${path}`;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    return `unsupported scheme ${url.protocol}//: use ws:// or wss://`;
  return undefined;
}

/** The default checkpoint key: `ha-websocket:<host[:port]>`. */
export function defaultCheckpointKey(url: string): string {
  return `ha-websocket:${new URL(url).host}`;
}
