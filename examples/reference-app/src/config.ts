import { readFile } from 'node:fs/promises';
import { ConfigError, maskSecrets, redactSecrets, errorMessage } from '@ha-ingestor/core';
import { jsonDepthBeyond, MAX_JSON_DEPTH, valueDepth } from '@ha-ingestor/core/json';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { describeIssues, type Origin } from './config-errors.js';
import { AppConfigSchema, type AppConfig } from './config-schema.js';
import { LEGACY_ENV_ALIASES, LEGACY_ENV_UNSUPPORTED, legacyEnvWarnings, migrateLegacyYaml } from './legacy-config.js';
import { closestName } from './suggest.js';
import { ENRICHER_ENV } from './enrichers-schema.js';
import { OUTBOUND_ENV } from './config-outbound.js';
import { PARQUET_ENV } from './config-parquet.js';
import { STATISTICS_ENV } from './statistics-config.js';
import { setPath } from './config-paths.js';
import { maskNatsUrls, SCALE_OUT_ENV } from './config-scale-out.js';

export { AppConfigSchema } from './config-schema.js';
export type { AppConfig, AppConfigInput } from './config-schema.js';

/** Environment variable → config path. Env wins over the YAML file. */
export const ENV_MAP: ReadonlyArray<readonly [env: string, path: string]> = [
  ['HA_URL', 'homeAssistant.url'],
  ['WEBSOCKET_URL', 'homeAssistant.url'],
  ['HA_TOKEN', 'homeAssistant.token'],
  ['HA_EVENTS', 'homeAssistant.events'],
  ['WEBSOCKET_EVENTS', 'homeAssistant.events'],
  ['MQTT_URL', 'mqtt.url'],
  ['MQTT_USERNAME', 'mqtt.username'],
  ['MQTT_PASSWORD', 'mqtt.password'],
  ['MQTT_TOPICS', 'mqtt.topics'],
  ['MQTT_FORMAT', 'mqtt.format'],
  ['MQTT_CLIENT_ID', 'mqtt.clientId'],
  ['MQTT_PROTOCOL_VERSION', 'mqtt.protocolVersion'],
  ['MQTT_STATESTREAM_TIMESTAMP_WAIT_MS', 'mqtt.statestreamTimestampWaitMs'],
  ['MQTT_JSON_MODE', 'mqtt.json.mode'],
  ['MQTT_JSON_TIME_PROPERTY', 'mqtt.json.timeProperty'],
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
  ['INFLUXDB_CONTEXT_FIELDS', 'influx.contextFields'],
  ['FILE_SINK', 'fileSink.enabled'],
  ['FILE_SINK_FORMAT', 'fileSink.format'],
  ...OUTBOUND_ENV,
  ...PARQUET_ENV,
  ['BATCH_SIZE', 'pipeline.batchSize'],
  ['BATCH_TIMEOUT', 'pipeline.batchTimeoutS'],
  ['BATCH_LINGER_MS', 'pipeline.batchLingerMs'],
  ['MAX_RETRIES', 'pipeline.maxRetries'],
  ['CIRCUIT_BREAKER_THRESHOLD', 'pipeline.circuitBreakerThreshold'],
  ['DEDUP_WINDOW', 'pipeline.dedupWindowS'],
  ['OUTBOX_MAX_BYTES', 'pipeline.outboxMaxBytes'],
  ['OUTBOX_WHEN_FULL', 'pipeline.outboxWhenFull'],
  ['VALIDATION', 'pipeline.validation'],
  ['INCLUDE_DOMAINS', 'filters.include.domains'],
  ['INCLUDE_ENTITIES', 'filters.include.entities'],
  ['INCLUDE_EVENT_TYPES', 'filters.include.eventTypes'],
  ['EXCLUDE_DOMAINS', 'filters.exclude.domains'],
  ['EXCLUDE_ENTITIES', 'filters.exclude.entities'],
  ['EXCLUDE_EVENT_TYPES', 'filters.exclude.eventTypes'],
  ['DATA_DIR', 'dataDir'],
  ['HTTP_HOST', 'http.host'],
  ['HTTP_PORT', 'http.port'],
  ['API_TOKEN', 'http.apiToken'],
  ['HTTP_ALLOW_UNAUTHENTICATED', 'http.allowUnauthenticated'],
  ['HTTP_ALLOWED_HOSTS', 'http.allowedHosts'],
  ['HTTP_INGRESS_PROXY', 'http.ingressProxy'],
  ['HTTP_MAX_CONNECTIONS', 'http.maxConnections'],
  ['HTTP_RECENT_EVENTS', 'http.recentEvents'],
  ['SSE_MAX_CLIENTS', 'http.sseMaxClients'],
  ['SSE_MAX_BUFFERED_BYTES', 'http.sseMaxBufferedBytes'],
  ['SSE_HEARTBEAT', 'http.sseHeartbeatS'],
  ['LOG_LEVEL', 'log.level'],
  ['LOG_FORMAT', 'log.format'],
  ...ENRICHER_ENV,
  ...STATISTICS_ENV,
  ...SCALE_OUT_ENV,
];

/** Env names read outside ENV_MAP (combined into mqtt.url). */
const EXTRA_ENV = ['MQTT_BROKER', 'MQTT_PORT'];

/**
 * Loads the config: YAML file (optional) plus environment variables (env wins), validated with zod. An
 * error names the key (and the env variable or file key it came from), the bad value — masked when it
 * is a secret — and what is expected.
 */
export async function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<AppConfig> {
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new ConfigError(`config file ${options.file}: cannot read: ${errorMessage(error)}`, [], { cause: error });
    }
    return configFromYaml(text, options.env ?? process.env, options.file);
  }
  return resolveConfig({}, options.env ?? process.env);
}

/**
 * Parses YAML config text and resolves it with `env` (see {@link resolveConfig}). Throws only
 * {@link ConfigError}: hostile text (absurd nesting, syntax errors, a non-mapping) included.
 */
export function configFromYaml(text: string, env: NodeJS.ProcessEnv, fileName = 'config'): AppConfig {
  const parsed = parseConfigText(text, fileName);
  if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    throw new ConfigError(`config file ${fileName}: expected a YAML mapping at the top level`, [
      { path: '(top level)', message: 'expected a mapping' },
    ]);
  }
  return resolveConfig((parsed ?? {}) as Record<string, unknown>, env, fileName);
}

/**
 * Merges file data and env (env wins), validates, and returns the effective config. Throws only
 * {@link ConfigError} (CONFIG_INVALID), whose issues each name a key path.
 */
export function resolveConfig(
  fileData: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  fileName = 'config',
): AppConfig {
  // Depth first: everything below (clone, origins, messages) walks the data (issue 11: bounded before recursion).
  if (valueDepth(fileData, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new ConfigError(`${fileName}: nests deeper than ${MAX_JSON_DEPTH} levels`, [
      { path: '(top level)', message: 'too deep' },
    ]);
  }
  // v0.3.0 keys (issue 13): moved to ours, or refused with the new key or the reason; never dropped.
  const legacy = migrateLegacyYaml(fileData, fileName);
  const merged = legacy.data;
  const origins = new Map<string, Origin>();
  collectFileOrigins(merged, '', origins, fileName);
  for (const [path, origin] of legacy.origins) origins.set(path, origin);
  const broker = pickEnv(env, ['MQTT_BROKER', ...legacyNamesOf('MQTT_BROKER')]);
  if (broker !== undefined && env['MQTT_URL'] === undefined) {
    const port = pickEnv(env, ['MQTT_PORT', ...legacyNamesOf('MQTT_PORT')]);
    setPath(merged, 'mqtt.url', `mqtt://${broker.value}:${port?.value ?? '1883'}`);
    origins.set('mqtt.url', { kind: 'env', name: port === undefined ? broker.name : `${broker.name}/${port.name}` });
  }
  for (const [path, names] of ENV_BY_PATH) {
    const found = pickEnv(env, names);
    if (found === undefined) continue;
    setPath(merged, path, found.value);
    origins.set(path, { kind: 'env', name: found.name });
  }
  const result = AppConfigSchema.safeParse(merged);
  if (result.success && legacy.issues.length === 0) return result.data;
  const issues = [
    ...legacy.issues,
    ...(result.success ? [] : describeIssues(result.error.issues, { input: merged, origins })),
  ];
  throw new ConfigError(`invalid configuration: ${issues.map((i) => i.message).join('; ')}`, issues);
}

/**
 * Warnings for environment variables that look like a misspelt name of ours (`INFLUXDB_BUKET`). Unknown
 * env names are never an error: the environment is shared (the InfluxDB image reads `INFLUXDB_DB`, HA
 * tools read `HA_*`), unlike a YAML key, which is ours alone (issue 11).
 */
export function envWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = new Set([
    ...ENV_MAP.map(([name]) => name),
    ...EXTRA_ENV,
    ...LEGACY_ENV_ALIASES.map(([name]) => name),
    ...LEGACY_ENV_UNSUPPORTED.keys(),
  ]);
  const warnings = legacyEnvWarnings(env);
  for (const name of Object.keys(env)) {
    if (known.has(name) || !/^[A-Z][A-Z0-9_]*$/.test(name)) continue;
    const closest = closestName(name, known, 2);
    if (closest !== undefined) warnings.push(`environment variable ${name} is not read; did you mean ${closest}?`);
  }
  return warnings;
}

/** The effective config with every secret masked (check-config, /api/v1/config). */
export function maskedConfig(config: AppConfig): AppConfig {
  const masked = maskSecrets(config);
  const urls = config.nats.url;
  // NATS tokens sit where a user name would (`nats://token@host`): maskSecrets masks only passwords.
  return urls === undefined ? masked : { ...masked, nats: { ...masked.nats, url: maskNatsUrls(urls) } };
}

// --- internal ---

/**
 * Env names per config path, in precedence order: ours (ENV_MAP order, so HA_URL before its alias
 * WEBSOCKET_URL), then the v0.3.0 names (`HA_WS_URL`). The first one set wins; errors name it.
 */
const ENV_BY_PATH: ReadonlyMap<string, readonly string[]> = (() => {
  const byPath = new Map<string, string[]>();
  for (const [name, path] of ENV_MAP) byPath.set(path, [...(byPath.get(path) ?? []), name]);
  for (const [path, names] of byPath) byPath.set(path, [...names, ...names.flatMap(legacyNamesOf)]);
  return byPath;
})();

function legacyNamesOf(name: string): string[] {
  return LEGACY_ENV_ALIASES.filter(([, current]) => current === name).map(([legacy]) => legacy);
}

/** The first of `names` set to a non-empty value, with its name. */
function pickEnv(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/**
 * Parses YAML without echoing source lines: the `yaml` package's pretty errors quote the offending line,
 * which may hold a password (issue 11); only the position is kept. Anything the parser throws (a stack
 * overflow on absurd nesting included) becomes a ConfigError.
 */
function parseConfigText(text: string, file: string): unknown {
  const refused = refuseHostileYaml(text);
  if (refused !== undefined)
    throw new ConfigError(`config file ${file}: ${refused}`, [{ path: '(top level)', message: refused }]);
  try {
    return parseYaml(text, { prettyErrors: false });
  } catch (error) {
    const at =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    const what =
      error instanceof YAMLParseError ? error.message : error instanceof RangeError ? 'nests too deep' : 'cannot parse';
    throw new ConfigError(`config file ${file}: invalid YAML${at}: ${redactSecrets(what)}`, [
      { path: '(top level)', message: 'invalid YAML' },
    ]);
  }
}

/**
 * Bounds checked on the text before the `yaml` parser sees it: its recursion and a regex it builds per
 * indentation level do not survive absurd nesting (`'- '.repeat(5000)` ran the process out of memory,
 * uncatchably), so size, indentation and flow nesting are limited first (issue 11).
 */
function refuseHostileYaml(text: string): string | undefined {
  if (text.length > MAX_CONFIG_CHARS) return `is larger than ${MAX_CONFIG_CHARS} characters`;
  let line = 0;
  for (const match of text.matchAll(/^[ \t]*(?:[-?:][ \t]+)*/gm)) {
    line++;
    if (match[0].length > MAX_INDENT) return `line ${line} is indented or nested deeper than ${MAX_INDENT} columns`;
  }
  const deep = jsonDepthBeyond(text, MAX_JSON_DEPTH);
  return deep === undefined ? undefined : `brackets nest deeper than ${MAX_JSON_DEPTH} levels`;
}

const MAX_CONFIG_CHARS = 1024 * 1024;
const MAX_INDENT = 200;

function collectFileOrigins(
  data: Record<string, unknown>,
  prefix: string,
  origins: Map<string, Origin>,
  file: string,
): void {
  for (const [key, value] of Object.entries(data)) {
    const path = prefix ? `${prefix}.${key}` : key;
    origins.set(path, { kind: 'file', name: file });
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      collectFileOrigins(value as Record<string, unknown>, path, origins, file);
    }
  }
}
