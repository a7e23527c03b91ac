import { z } from 'zod';

/** Every named response schema; /api/v1/openapi.json lists them under components.schemas. */
export const apiSchemas = z.registry<{ id: string; description?: string }>();

// Response bodies of the HTTP API. Tests parse every answer with these, and /api/v1/openapi.json is
// generated from them, so the documented contract is the tested one.

const HealthState = z.enum(['ok', 'degraded', 'down']);
const ComponentKind = z.enum(['source', 'sink', 'enricher', 'pipeline']);
const IsoTime = z.iso.datetime();

/** Every 4xx/5xx JSON answer. */
export const ErrorBody = z
  .strictObject({
    error: z.string().describe('What went wrong and, where possible, what to do'),
    endpoints: z.array(z.string()).optional().describe('The routes, on 404'),
  })
  .register(apiSchemas, { id: 'Error' });

export const IndexBody = z
  .strictObject({
    service: z.literal('ha-ingestor'),
    version: z.string(),
    endpoints: z.array(z.string()),
    openapi: z.literal('/api/v1/openapi.json'),
  })
  .register(apiSchemas, { id: 'Index' });

/** INGESTOR_ROLE=edge/writer (issue 16): the NATS link (see roles.ts). */
const NatsLink = z
  .strictObject({
    role: z.enum(['edge', 'writer']),
    connected: z.boolean(),
    server: z.string().nullable().describe('`host:port` of the server in use; never credentials'),
    pendingAcks: z
      .int()
      .nonnegative()
      .describe('Edge: publishes awaiting PubAck; writer: messages not acknowledged yet'),
    streamLag: z
      .int()
      .nonnegative()
      .nullable()
      .describe('Writer: stream messages not delivered yet (the pool backlog)'),
    counters: z.record(z.string(), z.number()),
  })
  .register(apiSchemas, { id: 'NatsLink' });

export const HealthBody = z
  .strictObject({
    status: HealthState.describe('The worst of the checks; `down` answers 503'),
    version: z.string(),
    uptime_seconds: z.number().nonnegative(),
    service: z.literal('ha-ingestor'),
    checks: z.array(
      z.strictObject({ name: z.string(), kind: ComponentKind, status: HealthState, message: z.string().nullable() }),
    ),
    nats: NatsLink.optional(),
  })
  .register(apiSchemas, { id: 'Health' });

const Component = z.strictObject({
  name: z.string(),
  kind: ComponentKind,
  status: HealthState,
  message: z.string().optional(),
  acceptingWrites: z
    .boolean()
    .optional()
    .describe('Sinks: false while the last healthcheck failed or the circuit breaker is open (makes /ready 503)'),
  checkedAt: z.number().optional().describe('Epoch ms of the last sink healthcheck'),
  responseTimeMs: z.number().optional(),
});

export const ReadyBody = z
  .strictObject({
    ready: z
      .boolean()
      .describe(
        'Every source connected, no sink down (failed healthcheck or open breaker), the NATS link up (edge/writer)',
      ),
    components: z.array(Component),
    nats: NatsLink.optional(),
  })
  .register(apiSchemas, { id: 'Ready' });

export const DependenciesBody = z
  .strictObject({
    status: HealthState,
    dependencies: z.array(
      z.strictObject({
        name: z.string(),
        kind: ComponentKind,
        status: HealthState,
        message: z.string().nullable(),
        response_time_ms: z.number().nullable(),
      }),
    ),
  })
  .register(apiSchemas, { id: 'Dependencies' });

export const RecentBody = z
  .strictObject({
    count: z.int().nonnegative(),
    events: z.array(z.record(z.string(), z.unknown())).describe('Newest first, as processed'),
  })
  .register(apiSchemas, { id: 'RecentEvents' });

const Counts = z.record(z.string(), z.number());

export const SourceStatsBody = z
  .strictObject({
    connected: z.boolean(),
    reconnects: z.int().nonnegative(),
    disconnects: z.int().nonnegative(),
    last_reconnect_at: IsoTime.nullable(),
    last_status_at: IsoTime,
    message: z.string().nullable(),
  })
  .register(apiSchemas, { id: 'SourceStats' });

export const StatsBody = z
  .looseObject({
    events_total: z.int().nonnegative(),
    events_last_hour: z.int().nonnegative(),
    events_today: z.int().nonnegative(),
    last_event_at: IsoTime.nullable(),
    error_rate: z.number().min(0),
    pipeline: z.looseObject({
      received: z.number(),
      processed: z.number(),
      written: Counts,
      outboxed: Counts,
      dropped: Counts,
      failed: z.number(),
      deadLettered: z.number(),
      inFlight: z.number(),
    }),
    sse: z.strictObject({
      clients: z.int(),
      bufferedBytes: z.int(),
      peakClientBufferedBytes: z.int(),
      refused: z.int(),
      dropped: z.int(),
      eventsDropped: z.int(),
    }),
    sources: z.record(z.string(), SourceStatsBody).describe('Per source, from its status reports'),
    nats: NatsLink.optional(),
  })
  .register(apiSchemas, { id: 'Stats' });

export const ConfigBody = z
  .record(z.string(), z.unknown())
  .describe('The effective configuration with every secret replaced by "***"')
  .register(apiSchemas, { id: 'Config' });

/** OpenAPI 3.1 is JSON Schema 2020-12 plus a few fixed fields; checked loosely, it is our own output. */
export const OpenApiBody = z
  .looseObject({
    openapi: z.literal('3.1.0'),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z.looseObject({ schemas: z.record(z.string(), z.unknown()) }),
  })
  .register(apiSchemas, { id: 'OpenApiDocument' });
