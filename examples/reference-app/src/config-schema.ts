import { isIP } from 'node:net';
import { z } from 'zod';
import { DeliveryOverridesSchema } from './config-delivery.js';
import { FiltersSchema } from './config-filters.js';
import { flag, fromText, ranged, splitList, whenFull } from './config-values.js';
import { VALIDATION_LEVELS } from './validation.js';
import { EnrichersConfigSchema, enricherConfigIssues } from './enrichers-schema.js';
import { ContextFieldsSchema } from './influx-context.js';
import { MqttSinkConfigSchema, WebhookConfigSchema } from './config-outbound.js';
import { ParquetConfigSchema } from './config-parquet.js';
import { StatisticsConfigSchema } from './statistics-config.js';
import { HOME_ID_RE, INGESTOR_ROLES, NatsConfigSchema, roleConfigIssues } from './config-scale-out.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** v0.3.0 (Python logging) level and format names → ours, case-insensitively (issue 13). */
const LEGACY_LOG_NAMES: Readonly<Record<string, string>> = { warning: 'warn', critical: 'error', console: 'pretty' };
const logName = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const lower = v.trim().toLowerCase();
  return LEGACY_LOG_NAMES[lower] ?? lower;
};
const strings = z.array(z.string().min(1)).max(1000);
const optionalList = () => z.preprocess(splitList, strings.optional());
const list = (fallback: string[]) => z.preprocess(splitList, strings.default(fallback));

const wsUrl = z
  .string()
  .regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL (e.g. ws://homeassistant.local:8123/api/websocket)');
const mqttUrl = z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL');
const httpUrl = z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL');

/** `mqtt.json`: how the `json` format turns a JSON object payload into events (e.g. DSMR readings). */
const MqttJsonSchema = z
  .strictObject({
    mode: z
      .enum(['device', 'property'])
      .default('device')
      .describe(
        'json format: `device` = one entity per topic, the object as attributes; `property` = one entity per field, `sensor.<topic name>_<field>` (MQTT_JSON_MODE)',
      ),
    timeProperty: z
      .string()
      .min(1)
      .optional()
      .describe(
        'json format: the field holding the reading time (ISO 8601 with offset, or epoch seconds), used as the event time instead of the receipt time (MQTT_JSON_TIME_PROPERTY)',
      ),
  })
  .prefault({})
  .describe('How MQTT_FORMAT=json turns a JSON object into events (see README, "Recipe: DSMR / P1 smart meter")');

/**
 * The reference app's configuration: YAML file keys, overridden by environment variables. Every object is
 * strict (issue 11: `http: { hots: 0.0.0.0 }` was silently ignored): an unknown key is an error naming it.
 */
const AppConfigObject = z.strictObject({
  role: z
    .preprocess(
      (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
      z.enum(INGESTOR_ROLES, { error: `expected one of ${INGESTOR_ROLES.join(', ')}` }).default('all'),
    )
    .describe(
      'What this process does (INGESTOR_ROLE): `all` = sources → sinks in one process; `edge` = sources → NATS JetStream (no database); `writer` = NATS → the sinks (see README, "Scaling out")',
    ),
  homeId: z
    .string()
    .regex(HOME_ID_RE, 'expected 1–64 letters, digits, _ or -')
    .optional()
    .describe(
      "The home's id (HOME_ID): every event gets `provenance.home` and every InfluxDB point the tag `home=<id>`; required for INGESTOR_ROLE=edge",
    ),
  nats: NatsConfigSchema,
  homeAssistant: z
    .strictObject({
      url: wsUrl.optional().describe('HA WebSocket URL (HA_URL, alias WEBSOCKET_URL); enables the WebSocket source'),
      token: z.string().min(1).optional().describe('HA long-lived access token (HA_TOKEN)'),
      events: optionalList().describe(
        'Event types to subscribe to (HA_EVENTS, alias WEBSOCKET_EVENTS; comma-separated); default: the source default',
      ),
    })
    .prefault({}),
  mqtt: z
    .strictObject({
      url: mqttUrl.optional().describe('Broker URL (MQTT_URL, or MQTT_BROKER + MQTT_PORT); enables the MQTT source'),
      username: z.string().optional().describe('MQTT_USERNAME'),
      password: z.string().optional().describe('MQTT_PASSWORD'),
      topics: list(['homeassistant/#']).describe('Topic filters (MQTT_TOPICS, comma-separated)'),
      format: z
        .enum(['auto', 'statestream', 'discovery', 'json', 'plain'])
        .default('auto')
        .describe('Payload format (MQTT_FORMAT); auto recognises statestream and discovery topics by shape'),
      clientId: z.string().min(1).optional().describe('Stable client id for the persistent session (MQTT_CLIENT_ID)'),
      protocolVersion: z
        .preprocess(
          fromText,
          z.union([z.literal(4), z.literal(5)], { error: 'expected 4 (MQTT 3.1.1) or 5 (MQTT 5)' }).default(5),
        )
        .describe('MQTT protocol: 4 = 3.1.1, 5 = MQTT 5 (MQTT_PROTOCOL_VERSION)'),
      statestreamTimestampWaitMs: ranged(
        'integer',
        0,
        60_000,
        2000,
        'Statestream: ms a change waits for its `last_updated` topic before taking the receipt time; 0 = never wait (MQTT_STATESTREAM_TIMESTAMP_WAIT_MS)',
      ),
      json: MqttJsonSchema,
    })
    .prefault({}),
  influx: z
    .strictObject({
      url: httpUrl.optional().describe('InfluxDB URL (INFLUXDB_URL); enables the InfluxDB sink'),
      apiVersion: z.enum(['1', '2']).default('2').describe('Write API (INFLUXDB_API_VERSION)'),
      token: z.string().optional().describe('v2 token (INFLUXDB_TOKEN)'),
      org: z.string().optional().describe('v2 organisation (INFLUXDB_ORG)'),
      bucket: z.string().optional().describe('v2 bucket (INFLUXDB_BUCKET)'),
      database: z.string().optional().describe('v1 database (INFLUXDB_DATABASE)'),
      username: z.string().optional().describe('v1 user (INFLUXDB_USERNAME)'),
      password: z.string().optional().describe('v1 password (INFLUXDB_PASSWORD)'),
      precision: z.enum(['ns', 'us', 'ms', 's']).default('us').describe('Timestamp precision (INFLUXDB_PRECISION)'),
      schema: z.enum(['ha', 'entity']).default('ha').describe('Point schema (INFLUXDB_SCHEMA)'),
      contextFields: ContextFieldsSchema,
      delivery: DeliveryOverridesSchema,
    })
    .prefault({}),
  fileSink: z
    .strictObject({
      enabled: z
        .preprocess((v) => (typeof v === 'boolean' ? String(v) : v), z.enum(['auto', 'true', 'false']).default('auto'))
        .describe('File sink (FILE_SINK): auto = on when no InfluxDB is configured'),
      format: z.enum(['ndjson', 'lp']).default('ndjson').describe('File format (FILE_SINK_FORMAT)'),
      delivery: DeliveryOverridesSchema,
    })
    .prefault({}),
  mqttSink: MqttSinkConfigSchema,
  webhook: WebhookConfigSchema,
  parquet: ParquetConfigSchema,
  pipeline: z
    .strictObject({
      batchSize: ranged('integer', 1, 100_000, 1000, 'Events per sink write (BATCH_SIZE)'),
      batchTimeoutS: ranged(
        'number',
        0.01,
        3600,
        5,
        'Max seconds an event waits in a batch, even while a write is in flight (BATCH_TIMEOUT)',
      ),
      batchLingerMs: ranged(
        'integer',
        0,
        3_600_000,
        20,
        'Ms a batch lingers for more events before it is written, once the sink is free (BATCH_LINGER_MS): low latency at home rates, batches that grow with the write time under load; ≥ BATCH_TIMEOUT = the timeout alone',
      ),
      maxRetries: ranged('integer', 0, 100, 5, 'Write retries before the outbox (MAX_RETRIES)'),
      circuitBreakerThreshold: ranged(
        'integer',
        1,
        1000,
        5,
        'Failed writes that open the breaker (CIRCUIT_BREAKER_THRESHOLD)',
      ),
      dedupWindowS: ranged('number', 1, 86_400, 300, 'Dedupe window in seconds (DEDUP_WINDOW)'),
      outboxMaxBytes: ranged('integer', MiB, 1024 * GiB, GiB, 'Outbox bound per sink in bytes (OUTBOX_MAX_BYTES)'),
      outboxWhenFull: whenFull().describe(
        'When a sink outbox is full (OUTBOX_WHEN_FULL): `block` waits for space (backpressure up to the sources, nothing lost); ' +
          '`drop_oldest` discards the oldest entries (lost, counted as dropped `outbox_full`); `drop_newest` refuses the new batch (its events fail and are counted)',
      ),
      validation: z
        .preprocess(
          (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
          z.enum(VALIDATION_LEVELS, { error: `expected one of ${VALIDATION_LEVELS.join(', ')}` }).default('fast'),
        )
        .describe(
          'Event validation (VALIDATION): `off` = the sources\' parsing only; `fast` = structural check; `strict` = full schema (see README, "Validation")',
        ),
    })
    .prefault({}),
  filters: FiltersSchema,
  dataDir: z
    .string()
    .min(1)
    .default('./data')
    .describe('Checkpoint, outbox, dead-letter and file sink directory (DATA_DIR)'),
  http: z
    .strictObject({
      host: z
        .string()
        .min(1)
        .default('127.0.0.1')
        .describe('HTTP bind address (HTTP_HOST); a non-loopback address needs API_TOKEN'),
      port: ranged('integer', 0, 65_535, 8000, 'HTTP port (HTTP_PORT), 0 = any free port'),
      apiToken: z
        .string()
        .min(16, 'expected at least 16 characters')
        .optional()
        .describe('Bearer token required by the API (API_TOKEN)'),
      allowUnauthenticated: flag(
        'Serve the API without a token on a non-loopback HTTP_HOST (HTTP_ALLOW_UNAUTHENTICATED); anyone who can reach the port reads your data',
      ),
      allowedHosts: list([]).describe(
        'Host header names accepted when no API_TOKEN is set, besides loopback names (HTTP_ALLOWED_HOSTS, comma-separated; `*` = any); DNS-rebinding defence',
      ),
      ingressProxy: z
        .string()
        .refine((v) => isIP(v) !== 0, 'expected an IP address (e.g. 172.30.32.2)')
        .optional()
        .describe(
          'Address of a trusted authenticating proxy, e.g. HA Supervisor ingress 172.30.32.2 (HTTP_INGRESS_PROXY): its requests need no token',
        ),
      maxConnections: ranged('integer', 8, 65_535, 256, 'Open HTTP connections at most (HTTP_MAX_CONNECTIONS)'),
      recentEvents: ranged(
        'integer',
        1,
        100_000,
        1000,
        'Events kept in the recent ring for the data API (HTTP_RECENT_EVENTS)',
      ),
      sseMaxClients: ranged(
        'integer',
        1,
        10_000,
        32,
        'Server-Sent Events clients at most; more get 503 (SSE_MAX_CLIENTS)',
      ),
      sseMaxBufferedBytes: ranged(
        'integer',
        4 * KiB,
        64 * MiB,
        MiB,
        'Bytes buffered for one SSE client that does not read before it is dropped (SSE_MAX_BUFFERED_BYTES)',
      ),
      sseHeartbeatS: ranged('number', 1, 3600, 15, 'Seconds between SSE heartbeat comments (SSE_HEARTBEAT)'),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z
        .preprocess(logName, z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'))
        .describe('LOG_LEVEL (any case; v0.3.0 `WARNING`/`CRITICAL` read as warn/error)'),
      format: z
        .preprocess(logName, z.enum(['json', 'pretty']).default('json'))
        .describe('LOG_FORMAT (v0.3.0 `console` read as pretty)'),
    })
    .prefault({}),
  enrichers: EnrichersConfigSchema.describe('Enrichment: which enrichers run and their providers (see Enrichment)'),
  statistics: StatisticsConfigSchema.describe("HA's long-term statistics (see Long-term statistics)"),
});

/**
 * The reference app's configuration (see AppConfigObject). Settings a selected enricher needs are checked
 * with the whole config (issue 13): the API key, and a location when HA's is unknown (MQTT only).
 */
export const AppConfigSchema = AppConfigObject.superRefine((config, ctx) => {
  for (const issue of enricherConfigIssues(config.enrichers, config.homeAssistant.url))
    ctx.addIssue({ code: 'custom', ...issue });
  for (const issue of roleConfigIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
});

export type AppConfigInput = z.input<typeof AppConfigSchema>;
export type AppConfig = z.output<typeof AppConfigSchema>;
