import type { ConfigIssue } from '@ha-ingestor/core';
import type { Origin } from './config-errors.js';
import { getPath, setPath } from './config-paths.js';

/**
 * Migration from the seed's v0.3.0 Python service (github.com/wtthornton/ha-ingestor, issue 13 item 3).
 * Its names either work here (aliases, rewritten to our keys before validation) or are refused with the
 * new key or the reason they have no meaning here: never silently dropped.
 *
 * Sources: v0.3.0's `README.md` (YAML shape and env names), `env.example` and `ha_ingestor/config.py`
 * (pydantic settings, read from env case-insensitively).
 */

/**
 * v0.3.0 env names (from its pydantic settings) → our env name. Read only when our name is unset, so
 * the new name wins. `WEBSOCKET_URL`/`WEBSOCKET_EVENTS`/`MQTT_BROKER`/`MQTT_PORT`, which its README
 * documents, are first-class names of ours (see ENV_MAP).
 */
export const LEGACY_ENV_ALIASES: ReadonlyArray<readonly [legacy: string, current: string]> = [
  ['HA_WS_URL', 'HA_URL'],
  ['HA_WS_TOKEN', 'HA_TOKEN'],
  ['WS_DEFAULT_EVENT_TYPES', 'HA_EVENTS'],
  ['WS_EVENT_TYPES', 'HA_EVENTS'],
  ['HA_MQTT_HOST', 'MQTT_BROKER'],
  ['HA_MQTT_PORT', 'MQTT_PORT'],
  ['HA_MQTT_USERNAME', 'MQTT_USERNAME'],
  ['HA_MQTT_PASSWORD', 'MQTT_PASSWORD'],
  ['HA_MQTT_CLIENT_ID', 'MQTT_CLIENT_ID'],
  ['INFLUXDB_BATCH_SIZE', 'BATCH_SIZE'],
  ['INFLUXDB_BATCH_TIMEOUT', 'BATCH_TIMEOUT'],
  ['INFLUXDB_MAX_RETRIES', 'MAX_RETRIES'],
  ['SERVICE_HOST', 'HTTP_HOST'],
  ['SERVICE_PORT', 'HTTP_PORT'],
];

/** Why each group of v0.3.0 settings has no meaning here (env names and YAML keys share the reasons). */
const REASON = {
  workers:
    'the service runs on one Node.js event loop with asynchronous I/O; there are no worker threads or processes to size',
  pool: 'each sink keeps its own keep-alive HTTP connection; there is no connection pool to size',
  metrics: 'metrics are always served at /metrics on the HTTP port (HTTP_PORT); there is nothing to switch on',
  healthInterval:
    'health is evaluated on each request to /health, /ready and /health/dependencies; there is no background check to schedule',
  reconnect:
    'reconnects use capped exponential backoff with jitter, built into each source; their timing is not configurable',
  keepalive: 'the MQTT keepalive is fixed by the source (30 s) and not configurable in the app',
  schema:
    'points follow a fixed schema (INFLUXDB_SCHEMA=ha|entity); there is no run-time schema optimisation or compression tuning',
  retention: 'the service does not delete data; set a retention policy on the InfluxDB bucket or database instead',
  alerting:
    'the service has no alerting; alert on the Prometheus metrics at /metrics (e.g. with Grafana or Alertmanager)',
  wsFilter:
    'event types are chosen with HA_EVENTS, events filtered with INCLUDE_*/EXCLUDE_* (domains, entities with globs, event types); there are no pattern, cache or statistics switches',
  mqttPatterns:
    'topics are chosen with MQTT_TOPICS (standard + and # wildcards); there are no regex patterns, aliases or dynamic subscriptions',
  qos: 'the MQTT source subscribes with QoS 1 and acknowledges after the write; it is not configurable in the app',
  logFile: 'logs go to stdout (LOG_FORMAT=json|pretty); redirect or collect them with your process manager',
  ports: 'one HTTP port (HTTP_PORT) serves /health, /ready and /metrics',
  timeouts: 'HTTP timeouts of the sinks are fixed; a slow write is retried (MAX_RETRIES) and then goes to the outbox',
  retryTiming:
    'write retries use capped exponential backoff with jitter; only their number (MAX_RETRIES) is configurable',
  monitoringInterval: 'metrics are computed when /metrics is requested; there is no collection interval',
  serviceName: 'the service name is fixed (ha-ingestor)',
} as const;

/** v0.3.0 env names with no meaning here → the reason (reported as warnings: the environment is shared). */
export const LEGACY_ENV_UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ...names(REASON.keepalive, 'HA_MQTT_KEEPALIVE'),
  ...names(REASON.reconnect, 'HA_WS_HEARTBEAT_INTERVAL', 'MQTT_MAX_RECONNECT_ATTEMPTS', 'MQTT_INITIAL_RECONNECT_DELAY'),
  ...names(REASON.reconnect, 'MQTT_MAX_RECONNECT_DELAY', 'MQTT_RECONNECT_BACKOFF_MULTIPLIER', 'MQTT_RECONNECT_JITTER'),
  ...names(REASON.wsFilter, 'WS_ENABLE_EVENT_FILTERING', 'WS_EVENT_FILTER_RULES', 'WS_ENABLE_EVENT_PATTERNS'),
  ...names(REASON.wsFilter, 'WS_EVENT_CACHE_SIZE', 'WS_ENABLE_EVENT_STATISTICS'),
  ...names(REASON.timeouts, 'INFLUXDB_WRITE_TIMEOUT', 'INFLUXDB_CONNECT_TIMEOUT'),
  ...names(REASON.retryTiming, 'INFLUXDB_RETRY_DELAY', 'INFLUXDB_RETRY_BACKOFF', 'INFLUXDB_RETRY_JITTER'),
  ...names(REASON.schema, 'INFLUXDB_COMPRESSION', 'INFLUXDB_COMPRESSION_LEVEL', 'INFLUXDB_OPTIMIZE_BATCHES'),
  ...names(REASON.schema, 'INFLUXDB_SCHEMA_OPTIMIZATION_ENABLED', 'INFLUXDB_MAX_TAG_CARDINALITY'),
  ...names(REASON.schema, 'INFLUXDB_TAG_COMPRESSION_THRESHOLD', 'INFLUXDB_FIELD_COMPRESSION_THRESHOLD'),
  ...names(REASON.schema, 'INFLUXDB_MEASUREMENT_CONSOLIDATION', 'INFLUXDB_AUTO_SCHEMA_EVOLUTION'),
  ...names(REASON.schema, 'INFLUXDB_SCHEMA_ANALYSIS_INTERVAL'),
  ...names(REASON.logFile, 'LOG_FILE', 'LOG_MAX_SIZE', 'LOG_BACKUP_COUNT'),
  ...names(REASON.serviceName, 'SERVICE_NAME'),
  ...names(REASON.metrics, 'MONITORING_ENABLED', 'ENABLE_SYSTEM_METRICS', 'ENABLE_PERFORMANCE_METRICS'),
  ...names(REASON.metrics, 'ENABLE_BUSINESS_METRICS', 'ENABLE_PROMETHEUS_INTEGRATION', 'METRICS_ENABLED'),
  ...names(REASON.monitoringInterval, 'MONITORING_INTERVAL', 'METRICS_SYNC_INTERVAL'),
  ...names(REASON.ports, 'METRICS_PORT', 'HEALTH_CHECK_PORT', 'HEALTH_CHECK_ENABLED'),
  ...names(REASON.alerting, 'ALERTING_ENABLED', 'ALERTING_CHECK_INTERVAL', 'ALERTING_HISTORY_RETENTION_DAYS'),
  ...names(REASON.alerting, 'ENABLE_EMAIL_ALERTS', 'ENABLE_WEBHOOK_ALERTS', 'ENABLE_SLACK_ALERTS'),
  ...names(REASON.alerting, 'ENABLE_DISCORD_ALERTS', 'ENABLE_PAGERDUTY_ALERTS', 'ALERT_COOLDOWN_MINUTES'),
  ...names(REASON.alerting, 'ALERT_AGGREGATION_WINDOW_MINUTES'),
  ...names(REASON.mqttPatterns, 'MQTT_ENABLE_PATTERN_MATCHING', 'MQTT_MAX_PATTERNS', 'MQTT_PATTERN_CACHE_SIZE'),
  ...names(REASON.mqttPatterns, 'MQTT_ENABLE_DYNAMIC_SUBSCRIPTIONS', 'MQTT_SUBSCRIPTION_TIMEOUT'),
  ...names(REASON.mqttPatterns, 'MQTT_ENABLE_TOPIC_OPTIMIZATION', 'MQTT_TOPIC_OPTIMIZATION_INTERVAL'),
  ...names(REASON.mqttPatterns, 'MQTT_ENABLE_ADVANCED_WILDCARDS', 'MQTT_ENABLE_REGEX_PATTERNS'),
  ...names(REASON.mqttPatterns, 'MQTT_ENABLE_TOPIC_ALIASES', 'MQTT_MAX_WILDCARD_DEPTH'),
  ...names(REASON.mqttPatterns, 'MQTT_ENABLE_PATTERN_VALIDATION', 'MQTT_PATTERN_PRIORITY_LEVELS'),
  ...names(REASON.qos, 'MQTT_QOS'),
  ...names(REASON.retention, 'RETENTION_ENABLED', 'RETENTION_CLEANUP_INTERVAL', 'RETENTION_MAX_CLEANUP_DURATION'),
  ...names(REASON.retention, 'RETENTION_MAX_CONCURRENT_JOBS', 'RETENTION_BATCH_SIZE', 'RETENTION_JOB_TIMEOUT'),
  ...names(REASON.retention, 'RETENTION_RETRY_DELAY', 'RETENTION_ENFORCE_IMMEDIATELY', 'RETENTION_DRY_RUN'),
]);

/** A v0.3.0 YAML key that works here: its dotted path → our dotted path. */
const YAML_ALIASES: ReadonlyMap<string, string> = new Map([
  ['websocket.url', 'homeAssistant.url'],
  ['websocket.token', 'homeAssistant.token'],
  ['websocket.events', 'homeAssistant.events'],
  ['mqtt.client_id', 'mqtt.clientId'],
  ['influxdb.url', 'influx.url'],
  ['influxdb.token', 'influx.token'],
  ['influxdb.org', 'influx.org'],
  ['influxdb.bucket', 'influx.bucket'],
  ['data_quality.deduplication_window', 'pipeline.dedupWindowS'],
  ['data_quality.max_retries', 'pipeline.maxRetries'],
  ['performance.batch_size', 'pipeline.batchSize'],
  ['performance.batch_timeout', 'pipeline.batchTimeoutS'],
]);

/**
 * v0.3.0 YAML keys whose value changes form on the way: `validation_strict: true` → `pipeline.validation:
 * strict`, `false` → `fast` (our default). A value the conversion does not know is passed on unchanged, so
 * the schema refuses it with the allowed values.
 */
const YAML_CONVERTED: ReadonlyMap<string, readonly [newPath: string, convert: (value: unknown) => unknown]> = new Map([
  [
    'data_quality.validation_strict',
    [
      'pipeline.validation',
      (v: unknown) => (v === true || v === 'true' ? 'strict' : v === false || v === 'false' ? 'fast' : v),
    ],
  ],
]);

/** v0.3.0 YAML keys with no meaning here → the reason. */
const YAML_UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ['performance.max_workers', REASON.workers],
  ['performance.connection_pool_size', REASON.pool],
  ['monitoring.metrics_enabled', REASON.metrics],
  ['monitoring.health_check_interval', REASON.healthInterval],
  ['monitoring.dependency_check_interval', REASON.healthInterval],
  ['mqtt.keepalive', REASON.keepalive],
  ['mqtt.reconnect_delay', REASON.reconnect],
]);

/** Top-level sections that exist only in v0.3.0: handled here key by key, never passed on. */
const LEGACY_SECTIONS = ['websocket', 'influxdb', 'data_quality', 'performance', 'monitoring'] as const;

/** Result of {@link migrateLegacyYaml}. */
export interface LegacyYamlResult {
  /** The file data in our shape (a copy; the input is not changed). */
  readonly data: Record<string, unknown>;
  /** Our dotted path → where its value came from (the v0.3.0 key), for error messages. */
  readonly origins: ReadonlyMap<string, Origin>;
  /** Refused v0.3.0 keys, each naming the new key or the reason. */
  readonly issues: readonly ConfigIssue[];
}

/**
 * Rewrites the v0.3.0 YAML shape (`websocket:`, `influxdb:`, `mqtt.broker/port`, `performance:` …) into
 * ours. A v0.3.0 key with a new name is moved (its origin remembered); one whose new key is also given is
 * refused as ambiguous; one with no meaning here is refused with the reason. Unknown keys inside a v0.3.0
 * section are refused with the section's known keys.
 */
export function migrateLegacyYaml(fileData: Readonly<Record<string, unknown>>, file: string): LegacyYamlResult {
  const data = structuredClone(fileData) as Record<string, unknown>;
  const origins = new Map<string, Origin>();
  const issues: ConfigIssue[] = [];
  const move = (legacyPath: string, newPath: string, value: unknown) => {
    if (getPath(data, newPath) !== undefined) {
      issues.push({
        path: legacyPath,
        message: `${file}: ${legacyPath}: v0.3.0 name of ${newPath}, which is also given; keep only ${newPath}`,
      });
      return;
    }
    setPath(data, newPath, value);
    origins.set(newPath, { kind: 'file', name: file, alias: legacyPath });
  };

  for (const section of LEGACY_SECTIONS) {
    if (!Object.hasOwn(data, section)) continue;
    const body = data[section];
    delete data[section];
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      issues.push({ path: section, message: `${file}: ${section}: v0.3.0 section; expected a mapping` });
      continue;
    }
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      legacyKey(`${section}.${key}`, value, move, issues, file);
    }
  }

  const mqtt = data['mqtt'];
  if (mqtt !== null && typeof mqtt === 'object' && !Array.isArray(mqtt)) migrateMqtt(mqtt, move, issues, file);
  return { data, origins, issues };
}

/** Warnings for v0.3.0 env names: an alias shadowed by our name, or a setting with no meaning here. */
export function legacyEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  for (const [legacy, current] of LEGACY_ENV_ALIASES) {
    if (env[legacy] !== undefined && env[current] !== undefined && env[legacy] !== env[current])
      warnings.push(`environment variable ${legacy} (ha-ingestor v0.3.0) is ignored: ${current} is also set and wins`);
  }
  for (const name of Object.keys(env)) {
    const reason = LEGACY_ENV_UNSUPPORTED.get(name);
    if (reason !== undefined)
      warnings.push(`environment variable ${name} (ha-ingestor v0.3.0) has no effect: ${reason}`);
  }
  return warnings;
}

// --- internal ---

type Move = (legacyPath: string, newPath: string, value: unknown) => void;

function legacyKey(path: string, value: unknown, move: Move, issues: ConfigIssue[], file: string): void {
  const alias = YAML_ALIASES.get(path);
  if (alias !== undefined) return move(path, alias, value);
  const converted = YAML_CONVERTED.get(path);
  if (converted !== undefined) return move(path, converted[0], converted[1](value));
  const reason = YAML_UNSUPPORTED.get(path);
  if (reason !== undefined) {
    issues.push({ path, message: `${file}: ${path}: v0.3.0 setting with no meaning here: ${reason}; remove it` });
    return;
  }
  const section = path.slice(0, path.indexOf('.'));
  const known = [...YAML_ALIASES.keys(), ...YAML_CONVERTED.keys(), ...YAML_UNSUPPORTED.keys()]
    .filter((p) => p.startsWith(`${section}.`))
    .map((p) => p.slice(section.length + 1));
  issues.push({ path, message: `${file}: ${path}: unknown key; v0.3.0 keys of ${section}: ${known.join(', ')}` });
}

/** `mqtt:` is a section in both versions: only its v0.3.0 keys are handled; ours pass through. */
function migrateMqtt(mqtt: object, move: Move, issues: ConfigIssue[], file: string): void {
  const body = mqtt as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    const path = `mqtt.${key}`;
    if (YAML_ALIASES.has(path) || YAML_UNSUPPORTED.has(path)) {
      const value = body[key];
      delete body[key];
      legacyKey(path, value, move, issues, file);
    }
  }
  const { broker, port } = body;
  if (broker === undefined && port === undefined) return;
  delete body['broker'];
  delete body['port'];
  if (typeof broker !== 'string' || broker.trim() === '') {
    issues.push({
      path: 'mqtt.broker',
      message: `${file}: mqtt.broker/port: v0.3.0 keys, now mqtt.url (e.g. mqtt://${typeof broker === 'string' && broker !== '' ? broker : 'localhost'}:1883); mqtt.broker must be a host name`,
    });
    return;
  }
  const portText = port === undefined ? '1883' : String(port);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
    issues.push({
      path: 'mqtt.port',
      message: `${file}: mqtt.port: expected a port from 0 to 65535 (now part of mqtt.url)`,
    });
    return;
  }
  move(port === undefined ? 'mqtt.broker' : 'mqtt.broker/port', 'mqtt.url', `mqtt://${broker.trim()}:${portText}`);
}

function names(reason: string, ...list: string[]): [string, string][] {
  return list.map((name) => [name, reason]);
}
