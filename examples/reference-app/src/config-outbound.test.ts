import { isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { maskedConfig, resolveConfig } from './config.js';
import { MqttSinkOptionsSchema } from '@ha-ingestor/sink-mqtt';
import { MqttTopicPrefixSchema, outboundSinks } from './config-outbound.js';

const SECRET = 'shared-webhook-secret-0123456789';

describe('outbound sinks config (issue 17)', () => {
  it('is off by default; the topic prefix defaults to ha-ingestor/events', async () => {
    const config = resolveConfig({}, {});
    expect(await outboundSinks(config)).toEqual([]);
    expect(config.mqttSink).toMatchObject({ topicPrefix: 'ha-ingestor/events', retain: false });
  });

  it('reads MQTT_SINK_* and WEBHOOK_* and builds one sink each, with its own outbox', async () => {
    const config = resolveConfig(
      { dataDir: '/d', webhook: { delivery: { batchSize: 7 } } },
      {
        MQTT_SINK_URL: 'mqtt://broker:1883',
        MQTT_SINK_TOPIC_PREFIX: 'home/events',
        MQTT_SINK_RETAIN: 'true',
        WEBHOOK_URL: 'https://example.com/hook',
        WEBHOOK_SECRET: SECRET,
      },
    );
    expect(config.mqttSink).toMatchObject({ url: 'mqtt://broker:1883', topicPrefix: 'home/events', retain: true });
    const sinks = await outboundSinks(config);
    expect(sinks.map((s) => [s.name, s.sink.name])).toEqual([
      ['mqtt', 'mqtt'],
      ['webhook', 'webhook'],
    ]);
    expect(sinks[0]?.delivery.outbox).toMatchObject({ dir: '/d/outbox/mqtt' });
    expect(sinks[1]?.delivery).toMatchObject({ batch: { maxSize: 7 }, outbox: { dir: '/d/outbox/webhook' } });
  });

  it('MQTT_SINK_TOPIC_PREFIX takes exactly what the sink takes (the app restates its rules), with the same default', () => {
    const sink = MqttSinkOptionsSchema.shape.topicPrefix;
    for (const value of [
      'ha/events',
      'a',
      'a b/c',
      '',
      'a/+/b',
      'a/#',
      'x\0y',
      '$SYS/x',
      '/a',
      'a/',
      'x'.repeat(1025),
      7,
    ]) {
      const app = MqttTopicPrefixSchema.safeParse(value);
      const expected = sink.safeParse(value);
      expect(app.success, JSON.stringify(value)).toBe(expected.success);
      if (!app.success && !expected.success)
        expect(app.error.issues[0]?.message).toBe(expected.error.issues[0]?.message);
    }
    expect(MqttTopicPrefixSchema.parse(undefined)).toBe(sink.parse(undefined));
  });

  it('masks WEBHOOK_SECRET and URL passwords in the served config', () => {
    const config = resolveConfig(
      {},
      { WEBHOOK_URL: 'https://u:hook-pass@example.com/h', WEBHOOK_SECRET: SECRET, MQTT_SINK_URL: 'mqtt://m:mq-pass@b' },
    );
    const shown = JSON.stringify(maskedConfig(config));
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('hook-pass');
    expect(shown).not.toContain('mq-pass');
  });

  it('names the variable of a bad value, and never shows a secret', () => {
    const bad = (env: Record<string, string>) => {
      try {
        resolveConfig({}, env);
      } catch (error) {
        expect(isSdkError(error)).toBe(true);
        return (error as Error).message;
      }
      return expect.fail('accepted');
    };
    expect(bad({ MQTT_SINK_TOPIC_PREFIX: 'a/#' })).toMatch(/MQTT_SINK_TOPIC_PREFIX.*wildcards/s);
    expect(bad({ MQTT_SINK_URL: 'http://broker' })).toMatch(/MQTT_SINK_URL/);
    expect(bad({ MQTT_SINK_RETAIN: 'maybe' })).toMatch(/MQTT_SINK_RETAIN/);
    const short = bad({ WEBHOOK_SECRET: 'short-secret' });
    expect(short).toMatch(/WEBHOOK_SECRET/);
    expect(short).not.toContain('short-secret');
  });
});
