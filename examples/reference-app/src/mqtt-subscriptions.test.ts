import { MqttSubscriptionSchema } from '@ha-ingestor/source-mqtt';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { subscriptionFor } from './mqtt-subscriptions.js';

const mqttOf = (env: NodeJS.ProcessEnv) => resolveConfig({}, { MQTT_URL: 'mqtt://b:1883', ...env }).mqtt;

describe('subscriptionFor', () => {
  it('passes MQTT_STATESTREAM_TIMESTAMP_WAIT_MS to the statestream parser, with the base topic', () => {
    const sub = MqttSubscriptionSchema.parse(
      subscriptionFor('ha-states/#', mqttOf({ MQTT_STATESTREAM_TIMESTAMP_WAIT_MS: '250' })),
    );
    expect(sub.statestream).toMatchObject({ baseTopic: 'ha-states', timestampWaitMs: 250 });
    expect(sub.discovery.prefix).toBe('ha-states');
  });

  it('gives the json parser the base topic, mode and time property (DSMR: one object per topic)', () => {
    const mq = mqttOf({ MQTT_FORMAT: 'json', MQTT_JSON_MODE: 'property', MQTT_JSON_TIME_PROPERTY: 'timestamp' });
    expect(MqttSubscriptionSchema.parse(subscriptionFor('dsmr/#', mq)).json).toMatchObject({
      baseTopic: 'dsmr',
      mode: 'property',
      timeProperty: 'timestamp',
    });
    // An exact topic is one device under its parent topic.
    expect(MqttSubscriptionSchema.parse(subscriptionFor('dsmr/meter', mq)).json.baseTopic).toBe('dsmr');
  });

  it('keeps the parsers’ defaults where the topic names no base', () => {
    const sub = MqttSubscriptionSchema.parse(subscriptionFor('sensors/+/temp', mqttOf({})));
    expect(sub.statestream).toMatchObject({ baseTopic: 'homeassistant', timestampWaitMs: 2000 });
    expect(sub.json).toMatchObject({ baseTopic: 'zigbee2mqtt', mode: 'device' });
    expect(sub.json.timeProperty).toBeUndefined();
  });
});
