import { readFile } from 'node:fs/promises';
import { ConfigError, isSecretKey, MASK, maskSecrets, type ConfigIssue } from '@ha-ingestor/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const positiveNumber = z.coerce.number().positive();
const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
  z.array(z.string().min(1)),
);
const wsUrl = z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL (e.g. ws://homeassistant.local:8123/api/websocket)');
const mqttUrl = z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL');
const httpUrl = z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL');

/** The reference app's configuration: YAML file keys, overridden by environment variables. */
export const AppConfigSchema = z.object({
  homeAssistant: z
    .object({
      url: wsUrl.optional().describe('HA WebSocket URL (HA_URL, alias WEBSOCKET_URL); enables the WebSocket source'),
      token: z.string().min(1).optional().describe('HA long-lived access token (HA_TOKEN)'),
      events: list.optional().describe('Event types to subscribe to (HA_EVENTS, comma-separated); default: the source default'),
    })
    .prefault({}),
  mqtt: z
    .object({
      url: mqttUrl.optional().describe('Broker URL (MQTT_URL, or MQTT_BROKER + MQTT_PORT); enables the MQTT source'),
      username: z.string().optional().describe('MQTT_USERNAME'),
      password: z.string().optional().describe('MQTT_PASSWORD'),
      topics: list.default(['homeassistant/#']).describe('Topic filters (MQTT_TOPICS, comma-separated)'),
      format: z
        .enum(['auto', 'statestream', 'discovery', 'json', 'plain'])
        .default('auto')
        .describe('Payload format (MQTT_FORMAT); auto recognises statestream and discovery topics by shape'),
      clientId: z.string().min(1).optional().describe('Stable client id for the persistent session (MQTT_CLIENT_ID)'),
      protocolVersion: z.coerce
        .number()
        .pipe(z.union([z.literal(4), z.literal(5)]))
        .default(5)
        .describe('MQTT protocol: 4 = 3.1.1, 5 = MQTT 5 (MQTT_PROTOCOL_VERSION)'),
    })
    .prefault({}),
  influx: z
    .object({
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
    })
    .prefault({}),
  fileSink: z
    .object({
      enabled: z
        .enum(['auto', 'true', 'false'])
        .default('auto')
        .describe('File sink (FILE_SINK): auto = on when no InfluxDB is configured'),
      format: z.enum(['ndjson', 'lp']).default('ndjson').describe('File format (FILE_SINK_FORMAT)'),
    })
    .prefault({}),
  pipeline: z
    .object({
      batchSize: positiveInt.default(1000).describe('Events per sink write (BATCH_SIZE)'),
      batchTimeoutS: positiveNumber.default(5).describe('Max seconds an event waits in a batch (BATCH_TIMEOUT)'),
      maxRetries: z.coerce.number().int().min(0).default(5).describe('Write retries before the outbox (MAX_RETRIES)'),
      circuitBreakerThreshold: positiveInt.default(5).describe('Failed writes that open the breaker (CIRCUIT_BREAKER_THRESHOLD)'),
      dedupWindowS: positiveNumber.default(300).describe('Dedupe window in seconds (DEDUP_WINDOW)'),
      outboxMaxBytes: positiveInt.default(1024 ** 3).describe('Outbox bound per sink in bytes (OUTBOX_MAX_BYTES)'),
    })
    .prefault({}),
  dataDir: z.string().min(1).default('./data').describe('Checkpoint, outbox, dead-letter and file sink directory (DATA_DIR)'),
  http: z
    .object({
      host: z.string().min(1).default('127.0.0.1').describe('HTTP bind address (HTTP_HOST)'),
      port: z.coerce.number().int().min(0).max(65535).default(8000).describe('HTTP port (HTTP_PORT)'),
      apiToken: z.string().min(1).optional().describe('Bearer token required by the data API (API_TOKEN)'),
      recentEvents: positiveInt.default(1000).describe('Events kept in the recent ring for the data API'),
    })
    .prefault({}),
  log: z
    .object({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info').describe('LOG_LEVEL'),
      format: z.enum(['json', 'pretty']).default('json').describe('LOG_FORMAT'),
    })
    .prefault({}),
});

export type AppConfigInput = z.input<typeof AppConfigSchema>;
export type AppConfig = z.output<typeof AppConfigSchema>;

/** Environment variable → config path. Env wins over the YAML file. */
export const ENV_MAP: ReadonlyArray<readonly [env: string, path: string]> = [
  ['HA_URL', 'homeAssistant.url'],
  ['WEBSOCKET_URL', 'homeAssistant.url'],
  ['HA_TOKEN', 'homeAssistant.token'],
  ['HA_EVENTS', 'homeAssistant.events'],
  ['MQTT_URL', 'mqtt.url'],
  ['MQTT_USERNAME', 'mqtt.username'],
  ['MQTT_PASSWORD', 'mqtt.password'],
  ['MQTT_TOPICS', 'mqtt.topics'],
  ['MQTT_FORMAT', 'mqtt.format'],
  ['MQTT_CLIENT_ID', 'mqtt.clientId'],
  ['MQTT_PROTOCOL_VERSION', 'mqtt.protocolVersion'],
  ['INFLUXDB_URL', 'influx.url'],
  ['INFLUXDB_API_VERSION', 'influx.apiVersion'],
  ['INFLUXDB_TOKEN', 'influx.token'],
  ['INFLUXDB_ORG', 'influx.org'],
  ['INFLUXDB_BUCKET', 'influx.bucket'],
  ['INFLUXDB_DATABASE', 'influx.database'],
  ['INFLUXDB_USERNAME', 'influx.username'],
  ['INFLUXDB_PASSWORD', 'influx.password'],
  ['INFLUXDB_PRECISION', 'influx.precision'],
  ['INFLUXDB_SCHEMA', 'influx.schema'],
  ['FILE_SINK', 'fileSink.enabled'],
  ['FILE_SINK_FORMAT', 'fileSink.format'],
  ['BATCH_SIZE', 'pipeline.batchSize'],
  ['BATCH_TIMEOUT', 'pipeline.batchTimeoutS'],
  ['MAX_RETRIES', 'pipeline.maxRetries'],
  ['CIRCUIT_BREAKER_THRESHOLD', 'pipeline.circuitBreakerThreshold'],
  ['DEDUP_WINDOW', 'pipeline.dedupWindowS'],
  ['OUTBOX_MAX_BYTES', 'pipeline.outboxMaxBytes'],
  ['DATA_DIR', 'dataDir'],
  ['HTTP_HOST', 'http.host'],
  ['HTTP_PORT', 'http.port'],
  ['API_TOKEN', 'http.apiToken'],
  ['LOG_LEVEL', 'log.level'],
  ['LOG_FORMAT', 'log.format'],
];

/** Where the config came from, for error messages. */
interface Origin {
  readonly kind: 'env' | 'file';
  readonly name: string;
}

/**
 * Loads the config: YAML file (optional) plus environment variables (env wins), validated with zod. An
 * error names the key (and the env variable or file key it came from), the bad value — masked when it
 * is a secret — and what is expected.
 */
export async function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<AppConfig> {
  let fileData: Record<string, unknown> = {};
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`config file ${options.file}: cannot read: ${(error as Error).message}`, [], { cause: error });
    }
    const parsed: unknown = parseYaml(text);
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(`config file ${options.file}: expected a YAML mapping at the top level`, []);
    }
    fileData = (parsed ?? {}) as Record<string, unknown>;
  }
  return resolveConfig(fileData, options.env ?? process.env, options.file);
}

/** Merges file data and env (env wins), validates, and returns the effective config. */
export function resolveConfig(fileData: Record<string, unknown>, env: NodeJS.ProcessEnv, fileName = 'config'): AppConfig {
  const merged = structuredClone(fileData);
  const origins = new Map<string, Origin>();
  collectFileOrigins(fileData, '', origins, fileName);
  if (env['MQTT_BROKER'] !== undefined && env['MQTT_URL'] === undefined) {
    const port = env['MQTT_PORT'] ?? '1883';
    setPath(merged, 'mqtt.url', `mqtt://${env['MQTT_BROKER']}:${port}`);
    origins.set('mqtt.url', { kind: 'env', name: 'MQTT_BROKER/MQTT_PORT' });
  }
  for (const [name, path] of ENV_MAP) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (name === 'WEBSOCKET_URL' && env['HA_URL']) continue;
    setPath(merged, path, value);
    origins.set(path, { kind: 'env', name });
  }
  const result = AppConfigSchema.safeParse(merged);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const origin = origins.get(path);
    const raw = getPath(merged, path);
    const shown = isSecretKey(path) ? MASK : JSON.stringify(raw);
    const from = origin === undefined ? path : origin.kind === 'env' ? `${origin.name} (${path})` : `${origin.name}: ${path}`;
    return { path, message: `${from} = ${shown}: ${issue.message}` };
  });
  throw new ConfigError(`invalid configuration: ${issues.map((i) => i.message).join('; ')}`, issues);
}

/** The effective config with every secret masked (check-config, /api/v1/config). */
export function maskedConfig(config: AppConfig): AppConfig {
  return maskSecrets(config);
}

// --- internal ---

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function getPath(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function collectFileOrigins(data: Record<string, unknown>, prefix: string, origins: Map<string, Origin>, file: string): void {
  for (const [key, value] of Object.entries(data)) {
    const path = prefix ? `${prefix}.${key}` : key;
    origins.set(path, { kind: 'file', name: file });
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      collectFileOrigins(value as Record<string, unknown>, path, origins, file);
    }
  }
}
