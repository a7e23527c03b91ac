import { describe, expect, it } from 'vitest';
import { configFromYaml, envWarnings, resolveConfig } from './config.js';
import { LEGACY_ENV_ALIASES, LEGACY_ENV_UNSUPPORTED } from './legacy-config.js';
import { configError } from '../test/config-error.js';

const get = (source: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], source);

// Issue 13 item 3: the v0.3.0 Python service's configuration works here, or is refused with the new key
// or the reason; never silently dropped.
describe('v0.3.0 environment names', () => {
  it.each([
    [
      'WEBSOCKET_EVENTS',
      'state_changed,automation_triggered',
      'homeAssistant.events',
      ['state_changed', 'automation_triggered'],
    ],
    [
      'WS_DEFAULT_EVENT_TYPES',
      '["state_changed","call_service"]',
      'homeAssistant.events',
      ['state_changed', 'call_service'],
    ],
    ['WS_EVENT_TYPES', '["state_changed"]', 'homeAssistant.events', ['state_changed']],
    ['HA_WS_URL', 'ws://ha:8123/api/websocket', 'homeAssistant.url', 'ws://ha:8123/api/websocket'],
    ['HA_WS_TOKEN', 'legacy-token', 'homeAssistant.token', 'legacy-token'],
    ['HA_MQTT_HOST', 'broker', 'mqtt.url', 'mqtt://broker:1883'],
    ['HA_MQTT_USERNAME', 'mq', 'mqtt.username', 'mq'],
    ['HA_MQTT_PASSWORD', 'pw', 'mqtt.password', 'pw'],
    ['HA_MQTT_CLIENT_ID', 'ha-ingestor-dev', 'mqtt.clientId', 'ha-ingestor-dev'],
    ['INFLUXDB_BATCH_SIZE', '250', 'pipeline.batchSize', 250],
    ['INFLUXDB_BATCH_TIMEOUT', '2.5', 'pipeline.batchTimeoutS', 2.5],
    ['INFLUXDB_MAX_RETRIES', '3', 'pipeline.maxRetries', 3],
    ['SERVICE_HOST', '::1', 'http.host', '::1'],
    ['SERVICE_PORT', '8100', 'http.port', 8100],
    [
      'MQTT_TOPICS',
      '["homeassistant/+/+/+","homeassistant/+/+/+/+"]',
      'mqtt.topics',
      ['homeassistant/+/+/+', 'homeassistant/+/+/+/+'],
    ],
    ['LOG_LEVEL', 'INFO', 'log.level', 'info'],
    ['LOG_LEVEL', 'WARNING', 'log.level', 'warn'],
    ['LOG_LEVEL', 'CRITICAL', 'log.level', 'error'],
    ['LOG_FORMAT', 'console', 'log.format', 'pretty'],
  ])('%s=%s sets %s', (name, value, path, expected) => {
    expect(get(resolveConfig({}, { [name]: value }), path)).toEqual(expected);
  });

  it('HA_MQTT_HOST + HA_MQTT_PORT make the broker URL', () => {
    expect(resolveConfig({}, { HA_MQTT_HOST: 'b', HA_MQTT_PORT: '1884' }).mqtt.url).toBe('mqtt://b:1884');
  });

  it('our name wins over the v0.3.0 one, and check-config warns', () => {
    const env = { HA_URL: 'ws://new:8123/api/websocket', HA_WS_URL: 'ws://old:8123/api/websocket' };
    expect(resolveConfig({}, env).homeAssistant.url).toBe('ws://new:8123/api/websocket');
    expect(envWarnings(env)).toEqual([
      'environment variable HA_WS_URL (ha-ingestor v0.3.0) is ignored: HA_URL is also set and wins',
    ]);
  });

  it('an error names the v0.3.0 variable and masks its secret', () => {
    const error = configError(() => resolveConfig({}, { HA_WS_URL: 'http://ha:8123', HA_WS_TOKEN: '' }));
    expect(error.message).toContain('HA_WS_URL (homeAssistant.url) = "http://ha:8123/": expected a ws:// or wss://');
    const secret = configError(() => resolveConfig({}, { HA_WS_URL: 'http://user:s3cret@ha:8123' }));
    expect(secret.message).not.toContain('s3cret');
  });

  it('every v0.3.0 name without a counterpart is a warning with its reason, never an error', () => {
    const env = Object.fromEntries([...LEGACY_ENV_UNSUPPORTED.keys()].map((name) => [name, '1']));
    expect(() => resolveConfig({}, env)).not.toThrow();
    const warnings = envWarnings(env);
    for (const [name, reason] of LEGACY_ENV_UNSUPPORTED) {
      expect(warnings).toContain(`environment variable ${name} (ha-ingestor v0.3.0) has no effect: ${reason}`);
    }
    expect(envWarnings({ MAX_WORKERS: '4' })).toEqual([]);
  });

  it('no alias shadows one of our names and none is listed as unsupported', () => {
    for (const [legacy] of LEGACY_ENV_ALIASES) expect(LEGACY_ENV_UNSUPPORTED.has(legacy)).toBe(false);
  });
});

describe('v0.3.0 YAML shape', () => {
  it.each([
    ['websocket:\n  url: ws://ha:8123/api/websocket', 'homeAssistant.url', 'ws://ha:8123/api/websocket'],
    ['websocket:\n  token: tok', 'homeAssistant.token', 'tok'],
    ['websocket:\n  events: [state_changed]', 'homeAssistant.events', ['state_changed']],
    ['mqtt:\n  broker: b\n  port: 1884', 'mqtt.url', 'mqtt://b:1884'],
    ['mqtt:\n  broker: b', 'mqtt.url', 'mqtt://b:1883'],
    ['mqtt:\n  client_id: c1', 'mqtt.clientId', 'c1'],
    ['influxdb:\n  url: http://influx:8086', 'influx.url', 'http://influx:8086'],
    ['influxdb:\n  token: t', 'influx.token', 't'],
    ['influxdb:\n  org: o', 'influx.org', 'o'],
    ['influxdb:\n  bucket: b', 'influx.bucket', 'b'],
    ['data_quality:\n  deduplication_window: 60', 'pipeline.dedupWindowS', 60],
    ['data_quality:\n  max_retries: 2', 'pipeline.maxRetries', 2],
    ['performance:\n  batch_size: 500', 'pipeline.batchSize', 500],
    ['performance:\n  batch_timeout: 2.5', 'pipeline.batchTimeoutS', 2.5],
    ['data_quality:\n  validation_strict: true', 'pipeline.validation', 'strict'],
    ['data_quality:\n  validation_strict: false', 'pipeline.validation', 'fast'],
  ])('%j is read as %s', (yaml, path, expected) => {
    expect(get(configFromYaml(yaml, {}), path)).toEqual(expected);
  });

  it.each([
    ['performance:\n  max_workers: 4', 'performance.max_workers', 'no worker threads or processes to size'],
    ['performance:\n  connection_pool_size: 10', 'performance.connection_pool_size', 'no connection pool to size'],
    ['monitoring:\n  metrics_enabled: true', 'monitoring.metrics_enabled', 'always served at /metrics'],
    ['monitoring:\n  health_check_interval: 30', 'monitoring.health_check_interval', 'evaluated on each request'],
    ['monitoring:\n  dependency_check_interval: 60', 'monitoring.dependency_check_interval', 'on each request'],
    ['mqtt:\n  keepalive: 60', 'mqtt.keepalive', 'keepalive is fixed'],
    ['mqtt:\n  reconnect_delay: 5', 'mqtt.reconnect_delay', 'capped exponential backoff'],
  ])('refuses %j with the reason', (yaml, path, reason) => {
    const error = configError(() => configFromYaml(yaml, {}, 'config.yaml'));
    expect(error.issues).toEqual([
      {
        path,
        message: expect.stringMatching(
          new RegExp(`^config\\.yaml: ${path}: v0\\.3\\.0 setting with no meaning here: .*${reason}`),
        ),
      },
    ]);
  });

  it('refuses a v0.3.0 key given with its new key, naming the new key', () => {
    const yaml = 'websocket:\n  url: ws://a:8123/api/websocket\nhomeAssistant:\n  url: ws://b:8123/api/websocket';
    expect(configError(() => configFromYaml(yaml, {}, 'c.yaml')).message).toContain(
      'c.yaml: websocket.url: v0.3.0 name of homeAssistant.url, which is also given; keep only homeAssistant.url',
    );
    const mqtt = configError(() => configFromYaml('mqtt:\n  url: mqtt://a:1\n  broker: b', {}, 'c.yaml'));
    expect(mqtt.message).toContain('keep only mqtt.url');
  });

  it('refuses unknown keys of a v0.3.0 section with its keys, and a bad broker or port with the new key', () => {
    expect(configError(() => configFromYaml('performance:\n  threads: 4', {})).message).toContain(
      'performance.threads: unknown key; v0.3.0 keys of performance: batch_size, batch_timeout, max_workers, connection_pool_size',
    );
    expect(configError(() => configFromYaml('mqtt:\n  port: 1883', {})).message).toContain('now mqtt.url');
    expect(configError(() => configFromYaml('mqtt:\n  broker: b\n  port: 99999', {})).message).toContain('mqtt.url');
    expect(configError(() => configFromYaml('websocket: yes', {})).message).toContain('websocket: v0.3.0 section');
  });

  it('a bad aliased value names the v0.3.0 key and the new one, with secrets masked', () => {
    const error = configError(() =>
      configFromYaml(
        'websocket:\n  url: http://ha:8123\ninfluxdb:\n  url: http://user:hunter2@x:8086\n  token: ""',
        {},
        'c.yaml',
      ),
    );
    expect(error.message).toContain('c.yaml: websocket.url (now homeAssistant.url) = "http://ha:8123/"');
    expect(error.message).not.toContain('hunter2');
    const secret = configError(() => configFromYaml('websocket:\n  token: 42', {}, 'c.yaml'));
    expect(secret.message).toContain('c.yaml: websocket.token (now homeAssistant.token) = ***:');
  });

  it('reports every refusal and every invalid value at once', () => {
    const error = configError(() =>
      configFromYaml('performance:\n  max_workers: 4\n  batch_size: 0\nmonitoring:\n  metrics_enabled: true', {}),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      'performance.max_workers',
      'monitoring.metrics_enabled',
      'pipeline.batchSize',
    ]);
  });
});

describe('a complete v0.3.0 configuration', () => {
  // As v0.3.0's README documents it ("Configuration" and "Environment Variables"), minus the settings
  // that are refused (performance.max_workers/connection_pool_size, monitoring.*: tested above).
  const yaml = `
mqtt:
  broker: "localhost"
  port: 1883
  topics: ["homeassistant/+/+/state"]

websocket:
  url: "ws://localhost:8123/api/websocket"
  events: ["state_changed", "automation_triggered"]

influxdb:
  url: "http://localhost:8086"
  token: "your-token"
  org: "your-org"
  bucket: "home_assistant"

data_quality:
  deduplication_window: 300
  max_retries: 3

performance:
  batch_size: 1000
  batch_timeout: 5.0
`;
  const env = {
    MQTT_BROKER: 'localhost',
    MQTT_PORT: '1883',
    MQTT_USERNAME: 'your_username',
    MQTT_PASSWORD: 'your_password',
    WEBSOCKET_URL: 'ws://localhost:8123/api/websocket',
    WEBSOCKET_EVENTS: 'state_changed,automation_triggered',
    INFLUXDB_URL: 'http://localhost:8086',
    INFLUXDB_TOKEN: 'your_token',
    INFLUXDB_ORG: 'your_org',
    INFLUXDB_BUCKET: 'home_assistant',
    BATCH_SIZE: '1000',
    BATCH_TIMEOUT: '5.0',
    MAX_RETRIES: '3',
    CIRCUIT_BREAKER_THRESHOLD: '5',
  };
  const expected = {
    homeAssistant: { url: 'ws://localhost:8123/api/websocket', events: ['state_changed', 'automation_triggered'] },
    mqtt: { url: 'mqtt://localhost:1883' },
    influx: { url: 'http://localhost:8086', org: 'your_org', bucket: 'home_assistant' },
    pipeline: { batchSize: 1000, batchTimeoutS: 5, maxRetries: 3, circuitBreakerThreshold: 5, dedupWindowS: 300 },
  };

  it('the YAML alone gives the equivalent config in our shape', () => {
    const fromFile = configFromYaml(yaml, {});
    const ours = configFromYaml(
      `
homeAssistant: { url: "ws://localhost:8123/api/websocket", events: [state_changed, automation_triggered] }
mqtt: { url: "mqtt://localhost:1883", topics: ["homeassistant/+/+/state"] }
influx: { url: "http://localhost:8086", token: your-token, org: your-org, bucket: home_assistant }
pipeline: { dedupWindowS: 300, maxRetries: 3, batchSize: 1000, batchTimeoutS: 5 }
`,
      {},
    );
    expect(fromFile).toEqual(ours);
  });

  it('the env alone, and the env over the YAML, give the equivalent config', () => {
    expect(resolveConfig({}, env)).toMatchObject({
      ...expected,
      mqtt: { ...expected.mqtt, username: 'your_username', password: 'your_password' },
      influx: { ...expected.influx, token: 'your_token' },
    });
    const both = configFromYaml(yaml, env);
    expect(both).toMatchObject(expected);
    expect(both.mqtt.topics).toEqual(['homeassistant/+/+/state']);
    expect(envWarnings(env)).toEqual([]);
  });

  it("v0.3.0's env.example (pydantic names) loads, and each unused setting is a warning", () => {
    const example = {
      HA_MQTT_HOST: '192.168.1.86',
      HA_MQTT_PORT: '1883',
      HA_MQTT_USERNAME: 'your_mqtt_username',
      HA_MQTT_PASSWORD: 'your_mqtt_password',
      HA_MQTT_CLIENT_ID: 'ha-ingestor-dev',
      HA_WS_URL: 'ws://192.168.1.86:8123/api/websocket',
      HA_WS_TOKEN: 'long-lived-token',
      INFLUXDB_URL: 'http://localhost:8086',
      INFLUXDB_TOKEN: 'your_influxdb_token',
      INFLUXDB_ORG: 'your_org',
      INFLUXDB_BUCKET: 'home_assistant_events',
      RETENTION_ENABLED: 'true',
      LOG_LEVEL: 'INFO',
      LOG_FORMAT: 'json',
      METRICS_PORT: '8000',
      MQTT_TOPICS: '["homeassistant/+/+/+","homeassistant/+/+/+/+","homeassistant/+/+/+/+/+"]',
      MQTT_QOS: '1',
      WS_EVENT_TYPES: '["state_changed","event"]',
    };
    const config = resolveConfig({}, example);
    expect(config).toMatchObject({
      homeAssistant: {
        url: 'ws://192.168.1.86:8123/api/websocket',
        token: 'long-lived-token',
        events: ['state_changed', 'event'],
      },
      mqtt: { url: 'mqtt://192.168.1.86:1883', username: 'your_mqtt_username', clientId: 'ha-ingestor-dev' },
      influx: { bucket: 'home_assistant_events' },
      log: { level: 'info', format: 'json' },
    });
    expect(config.mqtt.topics).toHaveLength(3);
    expect(envWarnings(example).map((w) => w.split(' ')[2])).toEqual(['RETENTION_ENABLED', 'METRICS_PORT', 'MQTT_QOS']);
  });
});
