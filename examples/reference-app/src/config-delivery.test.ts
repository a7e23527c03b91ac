import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromYaml, resolveConfig } from './config.js';
import { deliveryFor } from './config-delivery.js';

describe('per-sink delivery settings', () => {
  it('fall back to the pipeline-wide values (and their env variables) key by key', () => {
    const config = configFromYaml(
      [
        'dataDir: /var/lib/ha',
        'influx:',
        '  url: http://influx:8086',
        '  delivery:',
        '    batchSize: 5000',
        '    outboxWhenFull: drop_oldest',
        'fileSink:',
        '  delivery:',
        '    batchTimeoutS: 0.5',
        '    batchLingerMs: 0',
        '    maxRetries: 0',
        '    circuitBreakerThreshold: 2',
        '    outboxMaxBytes: 10485760',
      ].join('\n'),
      {
        BATCH_SIZE: '200',
        BATCH_TIMEOUT: '3',
        BATCH_LINGER_MS: '50',
        OUTBOX_WHEN_FULL: 'drop_newest',
        MAX_RETRIES: '7',
      },
    );
    expect(deliveryFor(config, 'influx', config.influx.delivery)).toEqual({
      batch: { maxSize: 5000, maxWaitMs: 3000, lingerMs: 50 },
      retry: { retries: 7 },
      breaker: { threshold: 5 },
      outbox: { dir: join('/var/lib/ha', 'outbox', 'influx'), maxBytes: 1024 ** 3, whenFull: 'drop-oldest' },
    });
    expect(deliveryFor(config, 'file', config.fileSink.delivery)).toEqual({
      batch: { maxSize: 200, maxWaitMs: 500, lingerMs: 0 },
      retry: { retries: 0 },
      breaker: { threshold: 2 },
      outbox: { dir: join('/var/lib/ha', 'outbox', 'file'), maxBytes: 10 * 1024 ** 2, whenFull: 'drop-newest' },
    });
  });

  it('are all pipeline-wide when no sink overrides anything', () => {
    const config = resolveConfig({}, {});
    expect(config.influx.delivery).toEqual({});
    expect(deliveryFor(config, 'influx', config.influx.delivery)).toEqual(
      deliveryFor(config, 'influx', { batchSize: 1000, batchTimeoutS: 5, batchLingerMs: 20, maxRetries: 5 }),
    );
  });

  it('refuses out-of-range, mistyped and unknown keys by their full path', () => {
    expect(() => resolveConfig({ influx: { delivery: { batchSize: 0 } } }, {})).toThrow(
      /config: influx\.delivery\.batchSize = 0: expected an integer from 1 to 100000/,
    );
    expect(() => resolveConfig({ fileSink: { delivery: { outboxWhenFull: 'panic' } } }, {})).toThrow(
      /fileSink\.delivery\.outboxWhenFull = "panic"/,
    );
    expect(() => resolveConfig({ influx: { delivery: { batchSize: '5' } } }, {})).not.toThrow();
    expect(() => resolveConfig({ influx: { delivery: { batchSize: [5] } } }, {})).toThrow(
      /influx\.delivery\.batchSize = \[5\]/,
    );
    expect(() => resolveConfig({ influx: { delivery: { batchsize: 5 } } }, {})).toThrow(
      /influx\.delivery\.batchsize: unknown key; did you mean "batchSize"\?/,
    );
  });
});

describe('MQTT statestream timing', () => {
  it('reads MQTT_STATESTREAM_TIMESTAMP_WAIT_MS with its range', () => {
    expect(resolveConfig({}, {}).mqtt.statestreamTimestampWaitMs).toBe(2000);
    expect(resolveConfig({}, { MQTT_STATESTREAM_TIMESTAMP_WAIT_MS: '0' }).mqtt.statestreamTimestampWaitMs).toBe(0);
    expect(() => resolveConfig({}, { MQTT_STATESTREAM_TIMESTAMP_WAIT_MS: '-1' })).toThrow(
      /MQTT_STATESTREAM_TIMESTAMP_WAIT_MS \(mqtt\.statestreamTimestampWaitMs\) = "-1": expected an integer from 0 to 60000/,
    );
  });
});
