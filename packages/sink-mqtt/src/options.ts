import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

// A prefix is one or more topic levels: no wildcards, no NUL, not a `$SYS`-style system topic, no empty
// first or last level (MQTT 3.1.1 §4.7: `+`/`#` are filter-only; `$` topics are the broker's).
const topicPrefix = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !/[+#\0]/.test(p), 'may not contain `+`, `#` or NUL (wildcards are for subscriptions)')
  .refine((p) => !p.startsWith('$'), 'may not start with `$` (reserved for broker topics such as $SYS)')
  .refine((p) => !p.startsWith('/') && !p.endsWith('/'), 'may not start or end with `/`');

/** Options of {@link mqttSink}. */
export const MqttSinkOptionsSchema = z.object({
  name: z.string().min(1).default('mqtt').describe('Sink name (metric label, dead-letter stage `sink:<name>`)'),
  url: z
    .string()
    .regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL')
    .describe('Broker URL, e.g. `mqtt://localhost:1883`; credentials in it are masked in errors'),
  username: z.string().optional().describe('Broker user'),
  password: z.string().optional().describe('Broker password; never logged'),
  clientId: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe(
      'Client id (clean session); default `ha-ingestor-sink-<random>`, so it never takes over a source’s session',
    ),
  protocolVersion: z
    .union([z.literal(4), z.literal(5)])
    .default(5)
    .describe('4 = MQTT 3.1.1, 5 = MQTT 5 (then messages carry content type `application/json`)'),
  topicPrefix: topicPrefix
    .default('ha-ingestor/events')
    .describe(
      'First topic levels: state changes go to `<prefix>/<domain>/<object_id>`, other events to `<prefix>/_events/<event_type>`',
    ),
  qos: z
    .union([z.literal(1), z.literal(2)])
    .default(1)
    .describe('Publish QoS; a batch is written once every message is acknowledged (PUBACK, or PUBCOMP for 2)'),
  retainLastState: z
    .boolean()
    .default(false)
    .describe(
      'Publish state changes retained, so a new subscriber gets each entity’s last state at once; an older change arriving late (an outbox drain) is published without retain so it never replaces a newer one',
    ),
  maxInFlight: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .default(100)
    .describe('Publishes awaiting their acknowledgement at most (the window; more wait for a free slot)'),
  maxTopicLevelBytes: z
    .number()
    .int()
    .min(16)
    .max(4096)
    .default(128)
    .describe(
      'Longest `<domain>`, `<object_id>` or `<event_type>` level (UTF-8 bytes); longer ones are cut and end in `~<hash>`',
    ),
  maxPayloadBytes: z
    .number()
    .int()
    .min(KiB)
    .max(256 * MiB)
    .default(256 * KiB)
    .describe('Largest message; a bigger event is dead-lettered (`payload_too_large`)'),
  retainMemory: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe(
      'With retainLastState: topics whose newest retained time is remembered; the least recently used is forgotten (counted in `ha_ingestor_mqtt_sink_evictions_total`)',
    ),
  connectTimeoutMs: z.number().int().positive().default(10_000).describe('Deadline of a (re)connect (ms)'),
  ackTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe('Deadline of one acknowledgement (ms); a missing one fails the write (retried) and reconnects'),
  tls: z
    .object({
      ca: z.string().optional().describe('CA certificate (PEM) for mqtts:// / wss://'),
      rejectUnauthorized: z.boolean().default(true).describe('Verify the broker certificate'),
    })
    .prefault({})
    .describe('TLS settings for mqtts:// and wss://'),
});

/** What users pass to {@link mqttSink}. */
export type MqttSinkOptions = z.input<typeof MqttSinkOptionsSchema>;
/** The options after defaults, as `create` sees them. */
export type ResolvedMqttSinkOptions = z.output<typeof MqttSinkOptionsSchema>;
