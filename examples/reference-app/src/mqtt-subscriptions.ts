import type { MqttSubscription } from '@ha-ingestor/source-mqtt';
import type { AppConfig } from './config-schema.js';

/**
 * One MQTT subscription: a filter like `<base>/#` also names the statestream base topic, the discovery
 * prefix and the JSON devices' base topic (HA's `base_topic` / `discovery_prefix`), so
 * `MQTT_TOPICS=ha-states/#` just works. An exact topic (`dsmr/meter`) is, for the `json` format, one
 * device under its parent topic.
 */
export function subscriptionFor(topic: string, mq: AppConfig['mqtt']): MqttSubscription {
  const base = /^([^+#]+)\/#$/.exec(topic)?.[1];
  const parent = /^([^+#]+)\/[^/+#]+$/.exec(topic)?.[1];
  const jsonBase = base ?? (mq.format === 'json' ? parent : undefined);
  return {
    topic,
    qos: 1 as const,
    parser: mq.format,
    statestream: {
      ...(base === undefined ? {} : { baseTopic: base }),
      timestampWaitMs: mq.statestreamTimestampWaitMs,
    },
    ...(base === undefined ? {} : { discovery: { prefix: base } }),
    json: {
      ...(jsonBase === undefined ? {} : { baseTopic: jsonBase }),
      mode: mq.json.mode,
      ...(mq.json.timeProperty === undefined ? {} : { timeProperty: mq.json.timeProperty }),
    },
  };
}
