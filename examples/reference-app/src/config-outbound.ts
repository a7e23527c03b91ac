import type { DeliveryOptions, HaEvent, Sink } from '@ha-ingestor/core';
import { z } from 'zod';
import { deliveryFor, DeliveryOverridesSchema } from './config-delivery.js';
import type { AppConfig } from './config-schema.js';
import { flag } from './config-values.js';

// Issue 17: the outbound sinks (MQTT republish, signed webhooks). Each is off until its URL is set, and has
// its own batcher, retry, breaker and outbox (`delivery:`), like the InfluxDB and file sinks.

const mqttUrl = z.string().regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL');
const httpUrl = z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL');

/**
 * sink-mqtt's `topicPrefix` rules (its MqttSinkOptionsSchema), restated here: importing anything of
 * `@ha-ingestor/sink-mqtt` statically would put the whole package and `mqtt` into the start-up bundle (a
 * statically imported package entry keeps every module it re-exports there), and the sink is loaded only
 * when MQTT_SINK_URL is set (issue 14, memory). config-outbound.test.ts checks that both schemas agree.
 */
export const MqttTopicPrefixSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !/[+#\0]/.test(p), 'may not contain `+`, `#` or NUL (wildcards are for subscriptions)')
  .refine((p) => !p.startsWith('$'), 'may not start with `$` (reserved for broker topics such as $SYS)')
  .refine((p) => !p.startsWith('/') && !p.endsWith('/'), 'may not start or end with `/`')
  .default('ha-ingestor/events');

/** `mqttSink:` — republish every event as JSON on MQTT. */
export const MqttSinkConfigSchema = z
  .strictObject({
    url: mqttUrl
      .optional()
      .describe(
        'Broker the events are republished to (MQTT_SINK_URL; `mqtt://user:pass@host:1883` for credentials); enables the MQTT sink',
      ),
    topicPrefix: MqttTopicPrefixSchema.describe(
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

/**
 * The outbound sinks the config enables (none unless MQTT_SINK_URL / WEBHOOK_URL is set). Each sink's package
 * is loaded only when it is configured: without MQTT_SINK_URL the app never loads `mqtt` for it.
 */
export async function outboundSinks(config: AppConfig): Promise<OutboundSink[]> {
  const out: OutboundSink[] = [];
  const m = config.mqttSink;
  if (m.url !== undefined) {
    const { mqttSink } = await import('@ha-ingestor/sink-mqtt');
    out.push({
      name: 'mqtt',
      sink: mqttSink({ url: m.url, topicPrefix: m.topicPrefix, retainLastState: m.retain }),
      delivery: deliveryFor(config, 'mqtt', m.delivery),
    });
  }
  const w = config.webhook;
  if (w.url !== undefined) {
    const { webhookSink } = await import('@ha-ingestor/sink-webhook');
    out.push({
      name: 'webhook',
      sink: webhookSink({ url: w.url, ...(w.secret === undefined ? {} : { secret: w.secret }) }),
      delivery: deliveryFor(config, 'webhook', w.delivery),
    });
  }
  return out;
}
