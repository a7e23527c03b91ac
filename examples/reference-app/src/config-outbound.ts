import type { DeliveryOptions, HaEvent, Sink } from '@ha-ingestor/core';
import { MqttSinkOptionsSchema, mqttSink } from '@ha-ingestor/sink-mqtt';
import { webhookSink } from '@ha-ingestor/sink-webhook';
import { z } from 'zod';
import { deliveryFor, DeliveryOverridesSchema } from './config-delivery.js';
import type { AppConfig } from './config-schema.js';
import { flag } from './config-values.js';

// Issue 17: the outbound sinks (MQTT republish, signed webhooks). Each is off until its URL is set, and has
// its own batcher, retry, breaker and outbox (`delivery:`), like the InfluxDB and file sinks.

const mqttUrl = z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL');
const httpUrl = z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL');

/** `mqttSink:` — republish every event as JSON on MQTT. */
export const MqttSinkConfigSchema = z
  .strictObject({
    url: mqttUrl
      .optional()
      .describe(
        'Broker the events are republished to (MQTT_SINK_URL; `mqtt://user:pass@host:1883` for credentials); enables the MQTT sink',
      ),
    topicPrefix: MqttSinkOptionsSchema.shape.topicPrefix.describe(
      'Topic prefix (MQTT_SINK_TOPIC_PREFIX): state changes on `<prefix>/<domain>/<object_id>`, other events on `<prefix>/_events/<event_type>`',
    ),
    retain: flag(
      'Publish state changes retained, so a new subscriber gets every entity’s last state at once (MQTT_SINK_RETAIN)',
    ),
    delivery: DeliveryOverridesSchema,
  })
  .prefault({})
  .describe('MQTT republish sink (see README, "Outbound: MQTT and webhooks")');

/** `webhook:` — POST signed JSON-array batches to an HTTP receiver. */
export const WebhookConfigSchema = z
  .strictObject({
    url: httpUrl.optional().describe('Receiver the batches are POSTed to (WEBHOOK_URL); enables the webhook sink'),
    secret: z
      .string()
      .min(16, 'expected at least 16 characters')
      .optional()
      .describe('HMAC-SHA256 key of the `X-Ha-Ingestor-Signature` header (WEBHOOK_SECRET); never logged or served'),
    delivery: DeliveryOverridesSchema,
  })
  .prefault({})
  .describe('Webhook sink (see README, "Outbound: MQTT and webhooks")');

/** Environment variable → config path of the outbound sinks (spread into ENV_MAP). */
export const OUTBOUND_ENV: ReadonlyArray<readonly [env: string, path: string]> = [
  ['MQTT_SINK_URL', 'mqttSink.url'],
  ['MQTT_SINK_TOPIC_PREFIX', 'mqttSink.topicPrefix'],
  ['MQTT_SINK_RETAIN', 'mqttSink.retain'],
  ['WEBHOOK_URL', 'webhook.url'],
  ['WEBHOOK_SECRET', 'webhook.secret'],
];

/** One configured outbound sink with its delivery options. */
export interface OutboundSink {
  readonly name: string;
  readonly sink: Sink<HaEvent>;
  readonly delivery: DeliveryOptions;
}

/** The outbound sinks the config enables (none unless MQTT_SINK_URL / WEBHOOK_URL is set). */
export function outboundSinks(config: AppConfig): OutboundSink[] {
  const out: OutboundSink[] = [];
  const m = config.mqttSink;
  if (m.url !== undefined) {
    out.push({
      name: 'mqtt',
      sink: mqttSink({ url: m.url, topicPrefix: m.topicPrefix, retainLastState: m.retain }),
      delivery: deliveryFor(config, 'mqtt', m.delivery),
    });
  }
  const w = config.webhook;
  if (w.url !== undefined) {
    out.push({
      name: 'webhook',
      sink: webhookSink({ url: w.url, ...(w.secret === undefined ? {} : { secret: w.secret }) }),
      delivery: deliveryFor(config, 'webhook', w.delivery),
    });
  }
  return out;
}
