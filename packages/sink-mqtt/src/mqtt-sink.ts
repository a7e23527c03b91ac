import {
  defineSink,
  ErrorCode,
  noopLogger,
  SdkError,
  type Logger,
  type Metrics,
  type RejectedEvent,
  type Sink,
  type SinkImpl,
  type StageContext,
} from '@ha-ingestor/core';
import { createBoundedMap, createInFlightWindow } from '@ha-ingestor/core/resilience';
import { createConnection } from './connection.js';
import { MqttSinkOptionsSchema, type MqttSinkOptions, type ResolvedMqttSinkOptions } from './options.js';
import { topicOf, type TopicEvent } from './topic.js';

const SINK_NAME = 'mqtt';
/** defineSink's metadata, typed so that the declarations name the schema instead of spelling out its type. */
const METADATA: { readonly componentName: string; readonly optionsSchema: typeof MqttSinkOptionsSchema } = {
  componentName: SINK_NAME,
  optionsSchema: MqttSinkOptionsSchema,
};

/** What the MQTT sink needs of an event: its type, the entity of a state change, and its time (epoch µs). */
export interface MqttSinkEvent extends TopicEvent {
  /** Event time (epoch µs); orders retained messages of events other than state changes. */
  readonly time_fired: number;
  /** State time (epoch µs) of a state change; orders its retained messages. */
  readonly last_updated?: number;
}

/**
 * Republishes every event as JSON on MQTT: a state change on `<topicPrefix>/<domain>/<object_id>`, any other
 * event on `<topicPrefix>/_events/<event_type>` (levels sanitised, see the README), QoS 1 by default. `write`
 * resolves once the broker acknowledged every message of the batch (PUBACK), so acknowledgements flow back to
 * the sources only for what the broker has. A lost connection or a missing PUBACK rejects the write with a
 * retryable SINK_UNAVAILABLE: core retries it, opens the breaker, outboxes it. At least once: a retried batch
 * publishes again the messages that were acknowledged before the failure (subscribers dedupe on `key`).
 * With `retainLastState`, state changes are retained. Generic over the event type: enriched fields are sent.
 *
 * @example
 * pipeline(source).to(mqttSink({ url: 'mqtt://broker:1883', topicPrefix: 'ha-ingestor/events', retainLastState: true })).build();
 */
export const mqttSink = Object.assign(
  <E extends MqttSinkEvent = MqttSinkEvent>(options: MqttSinkOptions): Sink<E> =>
    defineSink({
      name: SINK_NAME,
      options: MqttSinkOptionsSchema,
      create: (resolved): SinkImpl<E> => createMqttSink<E>(resolved),
    })(options),
  METADATA,
);

function createMqttSink<E extends MqttSinkEvent>(options: ResolvedMqttSinkOptions): SinkImpl<E> {
  const stage = `sink:${options.name}`;
  let logger: Logger = noopLogger;
  let evictions: ReturnType<Metrics['counter']> | undefined;
  let closed = false;
  const connection = createConnection(options, {
    stage,
    logger: () => logger,
    report: (error) => logger.warn({ err: error.toJSON(), stage }, error.message),
  });
  const window = createInFlightWindow(options.maxInFlight);
  // topic → newest event time published retained: a late, older change must not replace a newer retained one.
  const retained = createBoundedMap<string, number>({ max: options.retainMemory, eviction: 'lru' });

  const attach = (ctx: StageContext) => {
    logger = ctx.logger;
    evictions ??= ctx.metrics.counter<'sink'>(
      'mqtt_sink_evictions_total',
      'Topics the MQTT sink forgot the newest retained time of (retainMemory is full)',
      ['sink'],
    );
  };

  const retainFor = (event: E, topic: string): boolean => {
    if (!options.retainLastState || event.event_type !== 'state_changed') return false;
    const time = event.last_updated ?? event.time_fired;
    const newest = retained.get(topic);
    if (newest !== undefined && newest > time) return false;
    const evicted = retained.set(topic, time).length;
    if (evicted > 0) evictions?.inc({ sink: options.name }, evicted);
    return true;
  };

  return {
    name: options.name,
    open: (ctx) => {
      attach(ctx);
      return Promise.resolve();
    },
    write: async (batch, ctx) => {
      if (closed) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${stage}: closed`, { stage, retryable: false });
      if (ctx.signal.aborted)
        throw new SdkError(ErrorCode.ABORTED, `${stage}: write aborted`, { stage, cause: ctx.signal.reason });
      if (evictions === undefined) attach(ctx);
      if (batch.length === 0) return undefined;
      await connection.ready(ctx.signal);
      const rejected: RejectedEvent[] = [];
      const acks: Promise<SdkError | undefined>[] = [];
      let failure: SdkError | undefined;
      for (let i = 0; i < batch.length && failure === undefined; i++) {
        const event = batch[i] as E;
        const payload = encode(event, options.maxPayloadBytes);
        if (!Buffer.isBuffer(payload)) {
          rejected.push({ index: i, ...payload });
          continue;
        }
        await window.acquire();
        const topic = topicOf(event, options.topicPrefix, options.maxTopicLevelBytes);
        // Messages of one connection are delivered in publish order (MQTT 3.1.1 §4.6), so the window keeps
        // a topic's changes in order while many are in flight.
        const ack = connection.publish(topic, payload, retainFor(event, topic), ctx.signal).then(
          () => undefined,
          (error: SdkError) => (failure ??= error),
        );
        acks.push(ack.finally(window.release));
      }
      await Promise.all(acks);
      if (failure !== undefined) throw failure;
      return rejected.length === 0 ? undefined : { rejected };
    },
    healthcheck: (signal) => connection.ready(signal),
    close: async () => {
      if (closed) return;
      closed = true;
      await connection.close();
    },
  };
}

// --- internal ---

/** The JSON message of an event, or why it cannot be sent. */
function encode(event: unknown, maxBytes: number): Buffer | { reason: string; message: string } {
  let json: string | undefined;
  try {
    json = JSON.stringify(event);
  } catch (error) {
    return {
      reason: 'not_serialisable',
      message: `event is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (json === undefined) return { reason: 'not_serialisable', message: 'event is not a JSON value' };
  const payload = Buffer.from(json, 'utf8');
  if (payload.length > maxBytes)
    return {
      reason: 'payload_too_large',
      message: `event is ${payload.length} bytes as JSON; maxPayloadBytes is ${maxBytes}`,
    };
  return payload;
}
