import { z } from 'zod';

/** Options of the `statestream` parser (also taken by createStatestreamParser). */
export const StatestreamOptionsSchema = z
  .object({
    baseTopic: z
      .string()
      .min(1)
      .default('homeassistant')
      .describe(
        "mqtt_statestream `base_topic` (without the trailing '/'); topics are `<base>/<domain>/<object_id>/<leaf>`",
      ),
    assemblyWindowMs: z
      .number()
      .int()
      .nonnegative()
      .default(100)
      .describe(
        "Quiet period that closes an entity's change: HA publishes state, timestamps and attributes back to back (capped at 4× after the first message)",
      ),
    timestampWaitMs: z
      .number()
      .int()
      .nonnegative()
      .default(2000)
      .describe(
        'How long a change waits for its `last_updated` before falling back to the receipt time, while timestamps are published or not yet known (the first change without one that times out concludes HA publishes none); 0 = never wait',
      ),
    dropRetainedReplay: z
      .boolean()
      .default(true)
      .describe(
        'Drop (and ack) an assembled change identical to the last one handled for the entity (state, attributes, last_updated): the retained replay on every (re)subscribe',
      ),
    maxEntities: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        'Most entities whose last handled state is remembered (replay detection, `old_state`); the least recently used is forgotten (counted in `ha_ingestor_mqtt_evictions_total{bound="statestream_memory"}`)',
      ),
    maxOpenAssemblies: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        'Most changes being assembled at once; past it the least recently touched one is closed early with what it has (`bound="statestream_open"`)',
      ),
    maxTimestampWaits: z
      .number()
      .int()
      .nonnegative()
      .default(100)
      .describe(
        'Most changes parked waiting for their `last_updated` (each holds unacknowledged messages at the head of the ack window); past it the oldest wait is cut and closes with the receipt time (`bound="statestream_wait_limit"`); 0 = never wait',
      ),
  })
  .prefault({});

/** Options of the `discovery` parser. */
export const DiscoveryOptionsSchema = z
  .object({
    prefix: z.string().min(1).default('homeassistant').describe('HA MQTT discovery prefix (`discovery_prefix`)'),
    settleMs: z
      .number()
      .int()
      .nonnegative()
      .default(500)
      .describe(
        'After (re)subscribing, how long unmapped device messages wait for the retained discovery configs before being dead-lettered',
      ),
    maxEntities: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        'Most discovery configs kept; past it the least recently updated one is forgotten and its topics unsubscribed (`ha_ingestor_mqtt_evictions_total{bound="discovery_entities"}`)',
      ),
  })
  .prefault({});

/** Options of the `json` parser. */
export const JsonDeviceOptionsSchema = z
  .object({
    baseTopic: z
      .string()
      .min(1)
      .default('zigbee2mqtt')
      .describe('Base topic of the JSON devices; `<base>/<friendly_name>` carries one JSON object'),
    mode: z
      .enum(['device', 'property'])
      .default('device')
      .describe(
        '`device`: one event per message, properties as attributes; `property`: one event per property (`sensor.<device>_<property>`)',
      ),
    domain: z.string().min(1).default('sensor').describe('Entity domain of the produced events'),
    stateProperty: z
      .string()
      .min(1)
      .default('state')
      .describe('In `device` mode, the property used as the state (missing → the state is `unknown`)'),
    timeProperty: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Property holding the reading time (ISO 8601 text with an offset, or epoch seconds), e.g. `timestamp` for dsmr-reader: used as the event time and not emitted itself; absent or unreadable → the receipt time',
      ),
    ignoreTopics: z
      .array(z.string())
      .default(['zigbee2mqtt/bridge/#'])
      .describe('Topic filters (MQTT wildcards) whose messages are acknowledged and ignored'),
    maxDevices: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        'Most device topics whose last retained payload is remembered for replay detection; least recently used forgotten (`bound="json_replay"`)',
      ),
  })
  .prefault({});

const PlainOptionsSchema = z
  .object({
    pattern: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Topic pattern with named wildcards, e.g. `sensors/+room/+metric` or `home/#rest` (default: the subscription topic)',
      ),
    entityId: z
      .string()
      .min(1)
      .default('sensor.{topic}')
      .describe(
        'Entity id template: `{name}` inserts a named wildcard, `{topic}` the whole topic; values are slugified',
      ),
    numeric: z
      .enum(['auto', 'always', 'never'])
      .default('auto')
      .describe(
        '`auto` keeps the payload text as the state; `always` dead-letters non-numeric payloads; `never` accepts any text',
      ),
  })
  .prefault({});

/** Names of the built-in parsers. */
export const BUILTIN_PARSERS = ['statestream', 'discovery', 'json', 'plain', 'auto'] as const;
/** A built-in parser's name. */
export type BuiltinParserName = (typeof BUILTIN_PARSERS)[number];
/**
 * A subscription's `parser`: a built-in name (offered by editors) or the name of a parser passed in
 * `hooks.parsers`. The set is open, so `string & {}` keeps the literals from collapsing into `string`;
 * a name that is neither is refused with CONFIG_INVALID when the source is created.
 */
export type MqttParserName = BuiltinParserName | (string & {});

// zod's string output is assignable to MqttParserName (`string & {}` accepts every string); the
// annotation only narrows what users see.
const ParserNameSchema: z.ZodType<MqttParserName, MqttParserName> = z.string().min(1);

/** One subscription and the parser that turns its messages into events. */
export const MqttSubscriptionSchema = z.object({
  topic: z
    .string()
    .min(1)
    .describe('MQTT topic filter (`+` and `#` wildcards; named wildcards are allowed for `plain`)'),
  qos: z
    .union([z.literal(0), z.literal(1)])
    .default(1)
    .describe('Requested QoS; only QoS 1 is acknowledged after the write and redelivered'),
  parser: ParserNameSchema.default('auto').describe(
    '`statestream`, `discovery`, `json`, `plain`, `auto` (statestream and discovery by shape) or the name of a parser passed in `hooks.parsers`',
  ),
  statestream: StatestreamOptionsSchema.describe('Options of the `statestream` parser'),
  discovery: DiscoveryOptionsSchema.describe('Options of the `discovery` parser'),
  json: JsonDeviceOptionsSchema.describe('Options of the `json` parser'),
  plain: PlainOptionsSchema.describe('Options of the `plain` parser'),
});

/** Options of the MQTT source. */
export const MqttSourceOptionsSchema = z
  .object({
    url: z
      .string()
      .regex(/^(mqtts?|wss?):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://')
      .optional()
      .describe('Broker URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`)'),
    urls: z
      .array(z.string().regex(/^(mqtts?|wss?):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://'))
      .min(1)
      .optional()
      .describe('Several broker URLs, tried in turn on reconnect (instead of `url`)'),
    username: z.string().optional().describe('User name'),
    password: z.string().optional().describe('Password (secret: never logged)'),
    tls: z
      .object({
        ca: z.string().optional().describe('CA certificate (PEM)'),
        cert: z.string().optional().describe('Client certificate (PEM)'),
        key: z.string().optional().describe('Client key (PEM)'),
        rejectUnauthorized: z.boolean().default(true).describe('Verify the broker certificate'),
      })
      .prefault({})
      .describe('TLS settings for mqtts:// and wss://'),
    clientId: z
      .string()
      .min(1)
      .optional()
      .describe('Stable client id of the persistent session (default: `ha-ingestor-<hash of urls and subscriptions>`)'),
    protocolVersion: z
      .union([z.literal(4), z.literal(5)])
      .default(5)
      .describe('MQTT 3.1.1 (4) or 5'),
    keepaliveSec: z.number().int().positive().default(30).describe('Keepalive interval in seconds'),
    clean: z
      .boolean()
      .default(false)
      .describe('Clean session; `false` keeps a persistent session so QoS 1 messages survive a restart'),
    sessionExpirySec: z
      .number()
      .int()
      .nonnegative()
      .default(7 * 24 * 3600)
      .describe('MQTT 5 session expiry; 0 makes the broker forget the session at disconnect'),
    connectTimeoutMs: z.number().int().positive().default(10_000).describe('Deadline for CONNACK'),
    reconnect: z
      .object({
        minDelayMs: z.number().int().positive().default(500).describe('First reconnect delay cap (full jitter)'),
        maxDelayMs: z.number().int().positive().default(30_000).describe('Upper bound of the reconnect delay'),
      })
      .prefault({})
      .describe('Reconnect backoff: delay = random × min(max, min × 2^attempt)'),
    subscriptions: z.array(MqttSubscriptionSchema).min(1).describe('Topic filters to subscribe and their parsers'),
    maxInFlight: z
      .number()
      .int()
      .positive()
      .max(65_535)
      .default(1000)
      .describe(
        'Most received messages not yet handled by the pipeline; at the bound the source stops reading (v5: also Receive Maximum)',
      ),
    maxDynamicSubscriptions: z
      .number()
      .int()
      .nonnegative()
      .default(10_000)
      .describe(
        'Most topics subscribed on behalf of discovery configs (`state_topic`, `json_attributes_topic`); a config past it is dead-lettered (`discovery_subscription_limit`), counted in `ha_ingestor_mqtt_dynamic_subscriptions_refused_total` and logged once',
      ),
    maxPayloadBytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024)
      .describe('Larger payloads are dead-lettered (`payload_too_large`)'),
    name: z.string().min(1).default('mqtt').describe('Source name used in provenance, metrics and logs'),
  })
  .refine((o) => o.url !== undefined || o.urls !== undefined, {
    message: 'either url or urls is required',
    path: ['url'],
  });

/** What users write. */
export type MqttSourceOptions = z.input<typeof MqttSourceOptionsSchema>;
/** What the source gets after parsing (defaults applied). */
export type ResolvedMqttSourceOptions = z.output<typeof MqttSourceOptionsSchema>;
/** One subscription as users write it. */
export type MqttSubscription = z.input<typeof MqttSubscriptionSchema>;
/** One subscription after parsing. */
export type ResolvedMqttSubscription = z.output<typeof MqttSubscriptionSchema>;
