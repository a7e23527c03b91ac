import type { IPublishPacket, MqttClient } from 'mqtt';
import { connect as mqttConnect } from 'mqtt';
import type { Ack, SourceContext, SourceImpl, StateChangedEvent } from '@ha-ingestor/core';
import { ErrorCode, backoffDelay, defineSource, isSdkError, maskUrl, millisToMicros, sleep, toSdkError } from '@ha-ingestor/core';
import type { AckEntry, AckWindow } from './ack-window.js';
import { createAckWindow } from './ack-window.js';
import type { Connection, CreateMqttClient } from './connection.js';
import type { SubscribeFilter } from './connection.js';
import { clientOptions, connectOnce, defaultClientId, endClient, subscribeTopics, waitClosed } from './connection.js';
import type { ResolvedMqttSourceOptions } from './options.js';
import { MqttSourceOptionsSchema } from './options.js';
import type { MqttMessage, MqttParser, ParseResult, ParserContext, SettledResult } from './parser.js';
import { createSubscriptionParser } from './parsers/index.js';
import { checkSize, decodeUtf8, rawPayload } from './payload.js';
import { subscriptionFilter, topicMatches } from './topic.js';

const SOURCE_NAME = 'mqtt';
const STAGE = 'source:mqtt';

/** Hooks of {@link mqttSource} (code, not data: kept out of the options schema). */
export interface MqttSourceHooks {
  /** Builds the mqtt.js client (tests inject one). @default mqtt.connect */
  readonly createClient?: CreateMqttClient;
  /** Uniform [0, 1) for the reconnect jitter. @default Math.random */
  readonly random?: () => number;
  /** Extra parsers, referenced by name from a subscription's `parser`. */
  readonly parsers?: Readonly<Record<string, MqttParser>>;
}

/**
 * The MQTT source: HA mqtt_statestream, HA discovery, JSON devices (zigbee2mqtt) and plain topics, on a
 * persistent session. A QoS 1 message is acknowledged (PUBACK) only after the pipeline handled the
 * events made from it, so a crash loses nothing: the broker redelivers what was never acknowledged.
 *
 * @example
 * const source = mqttSource({
 *   url: 'mqtt://broker:1883',
 *   subscriptions: [{ topic: 'homeassistant/#', parser: 'auto' }],
 * });
 */
export const mqttSource = defineSource({
  name: SOURCE_NAME,
  options: MqttSourceOptionsSchema,
  create: (options: ResolvedMqttSourceOptions, hooks: MqttSourceHooks): SourceImpl<StateChangedEvent> => {
    // Parsers are built eagerly so that a bad parser name or pattern fails at definition time.
    const routes = options.subscriptions.map((subscription) => ({
      subscription,
      parser: createSubscriptionParser(subscription, hooks.parsers),
      filter: subscriptionFilter(subscription.topic),
    }));
    return { name: options.name, run: (ctx) => runMqttSource(options, hooks, routes, ctx) };
  },
});

// --- internal ---

interface Route {
  readonly subscription: ResolvedMqttSourceOptions['subscriptions'][number];
  readonly parser: MqttParser;
  /** The MQTT filter (named wildcards removed). */
  readonly filter: string;
}

async function runMqttSource(
  options: ResolvedMqttSourceOptions,
  hooks: MqttSourceHooks,
  routes: readonly Route[],
  ctx: SourceContext<StateChangedEvent>,
): Promise<void> {
  const urls = options.urls ?? (options.url === undefined ? [] : [options.url]);
  const clientId = options.clientId ?? defaultClientId(options);
  const create: CreateMqttClient = hooks.createClient ?? mqttConnect;
  const random = hooks.random ?? Math.random;
  const logger = ctx.logger.child({ source: options.name });
  const invalid = ctx.metrics.counter<'reason'>('mqtt_messages_invalid_total', 'MQTT messages dead-lettered, by reason', ['reason']);
  const received = ctx.metrics.counter<'source'>('mqtt_messages_received_total', 'MQTT messages received', ['source']);
  const ignored = ctx.metrics.counter<'reason'>('mqtt_messages_ignored_total', 'MQTT messages dropped on purpose, by reason', ['reason']);
  const inFlight = ctx.metrics.gauge<'source'>('mqtt_messages_in_flight', 'MQTT messages received and not yet acknowledged', ['source']);

  const dynamicTopics = new Map<string, 0 | 1>();
  const entries = new Map<number, AckEntry>();
  let held: MqttMessage[] = [];
  let settling = true;
  let sequence = 0;
  let lastReceivedAt = 0;
  let current: { connection: Connection | undefined; window: AckWindow; client: MqttClient | undefined } | undefined;

  const settle = (messages: readonly MqttMessage[], result: SettledResult): Promise<void> => {
    const acks = messages.map((m) => {
      const entry = entries.get(m.id);
      entries.delete(m.id);
      return entry;
    });
    const handled = () => {
      for (const a of acks) a?.handled();
    };
    const first = messages[0];
    if (result.kind === 'ignored') {
      ignored.inc({ reason: result.reason }, messages.length);
      handled();
      return Promise.resolve();
    }
    if (result.kind === 'invalid') {
      for (const m of messages) {
        invalid.inc({ reason: result.reason });
        ctx.deadLetter({ stage: STAGE, reason: result.reason, message: result.message, raw: rawPayload(m.payload), data: { topic: m.topic, qos: m.qos, retain: m.retain } });
      }
      logger.debug({ topic: first?.topic, reason: result.reason }, 'mqtt message dead-lettered');
      handled();
      return Promise.resolve();
    }
    const ack: Ack = {
      onHandled: () => {
        result.onHandled?.();
        handled();
      },
      onFailed: (error) => {
        for (const a of acks) a?.failed(error);
      },
    };
    return ctx.emitBatch(result.events, ack);
  };

  const parserContext: ParserContext = {
    source: options.name,
    now: ctx.now,
    logger,
    settle: (messages, result) => {
      settle(messages, result).catch((error: unknown) => ctx.report(error));
    },
    subscribe: (topic) => {
      if (dynamicTopics.has(topic)) return;
      const qos = 1;
      dynamicTopics.set(topic, qos);
      const client = current?.client;
      if (client?.connected) subscribeTopics(client, [{ topic, qos, replay: true }], options.protocolVersion).catch((e: unknown) => ctx.report(e));
    },
  };

  // A throwing (custom) parser must not leave its message unacknowledged: that would block the ordered
  // ack window and, at maxInFlight, stall the subscription.
  const parseSafely = (parser: MqttParser, message: MqttMessage): ParseResult => {
    try {
      return parser.parse(message, parserContext);
    } catch (error) {
      ctx.report(toSdkError(error, ErrorCode.INTERNAL, STAGE));
      return { kind: 'invalid', reason: 'parser_error', message: `parser ${parser.name} threw: ${error instanceof Error ? error.message : String(error)}` };
    }
  };

  const dispatch = (message: MqttMessage, final: boolean): Promise<void> => {
    for (const route of routes) {
      if (!topicMatches(route.filter, message.topic)) continue;
      const result = parseSafely(route.parser, message);
      if (result.kind === 'pending') return Promise.resolve();
      if (result.kind !== 'unmapped') return settle([message], result);
    }
    for (const route of routes) {
      if (route.parser.owns?.(message.topic) !== true) continue;
      const result = parseSafely(route.parser, message);
      if (result.kind === 'pending') return Promise.resolve();
      if (result.kind !== 'unmapped') return settle([message], result);
    }
    if (!final && settling) {
      // A device topic of the persistent session may arrive before the retained discovery configs.
      held.push(message);
      return Promise.resolve();
    }
    return settle([message], { kind: 'invalid', reason: 'unmapped_topic', message: 'no parser understands this topic' });
  };

  const onPublish = async (window: AckWindow, packet: IPublishPacket): Promise<void> => {
    await window.waitForRoom();
    const entry = window.add(packet.qos === 1 && packet.messageId !== undefined ? packet.messageId : undefined);
    received.inc({ source: options.name });
    inFlight.set({ source: options.name }, window.size());
    const id = sequence++;
    entries.set(id, entry);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    // Receipt times are strictly increasing µs: events keyed on them (no HA timestamp) must never share a
    // key, or dedupe and the database would merge two messages received in the same millisecond.
    lastReceivedAt = Math.max(millisToMicros(ctx.now()), lastReceivedAt + 1);
    const base = { id, topic: packet.topic, payload, qos: packet.qos, retain: packet.retain, receivedAt: lastReceivedAt, text: '' };
    const tooLarge = checkSize(payload, options.maxPayloadBytes);
    if (tooLarge !== undefined) return settle([base], { kind: 'invalid', ...tooLarge });
    const decoded = decodeUtf8(payload);
    if (!decoded.ok) return settle([base], { kind: 'invalid', ...decoded.error });
    return dispatch({ ...base, text: decoded.text }, false);
  };

  const releaseHeld = () => {
    settling = false;
    const pending = held;
    held = [];
    for (const m of pending) dispatch(m, true).catch((error: unknown) => ctx.report(error));
  };

  let attempt = 0;
  let urlIndex = 0;
  let firstConnect = true;
  try {
    while (!ctx.signal.aborted) {
      const url = urls[urlIndex % urls.length] ?? '';
      urlIndex++;
      const connectionRef: { value?: Connection } = {};
      const window: AckWindow = createAckWindow({
        max: options.maxInFlight,
        sendAck: (messageId) => {
          connectionRef.value?.sendAck(messageId);
          inFlight.set({ source: options.name }, window.size());
        },
        onFailure: (error) => {
          logger.warn({ err: error }, 'mqtt: pipeline could not store a message; reconnecting so the broker redelivers it');
          connectionRef.value?.client.end(true);
        },
      });
      try {
        const connection = await connectOnce(
          create,
          url,
          clientOptions(options, clientId),
          (packet) => onPublish(window, packet),
          ctx.signal,
          (error) => logger.warn({ err: { message: error.message } }, 'mqtt client error'),
        );
        connectionRef.value = connection;
        current = { connection, window, client: connection.client };
        attempt = 0;
        ctx.setStatus({ connected: true, message: `connected to ${maskUrl(url)} (session ${connection.sessionPresent ? 'resumed' : 'new'})` });
        logger.info({ url: maskUrl(url), clientId, sessionPresent: connection.sessionPresent }, 'mqtt connected');
        const closed = waitClosed(connection.client, ctx.signal);
        settling = true;
        // v5 Retain Handling 1 (retained messages only for a subscription that did not exist yet) keeps a
        // resumed session from replaying every retained message — except for discovery on the first
        // connect of this process, whose retained configs rebuild the entity map.
        const filters: SubscribeFilter[] = [
          ...routes.map((r): SubscribeFilter => ({ topic: r.filter, qos: r.subscription.qos, replay: firstConnect && hasDiscovery(r) })),
          ...[...dynamicTopics].map(([topic, qos]): SubscribeFilter => ({ topic, qos, replay: false })),
        ];
        firstConnect = false;
        await subscribeTopics(connection.client, filters, options.protocolVersion);
        logger.info({ topics: filters.map((f) => f.topic) }, 'mqtt subscribed');
        const settleMs = Math.max(0, ...routes.map((r) => (hasDiscovery(r) ? r.subscription.discovery.settleMs : 0)));
        const settleTimer = setTimeout(releaseHeld, settleMs);
        await closed;
        clearTimeout(settleTimer);
      } catch (error) {
        if (isSdkError(error, ErrorCode.AUTH_FAILED)) {
          ctx.setStatus({ connected: false, message: error.message });
          throw error;
        }
        if (!isSdkError(error, ErrorCode.ABORTED)) logger.warn({ err: { message: error instanceof Error ? error.message : String(error) } }, 'mqtt connection failed');
      } finally {
        window.abandon();
        inFlight.set({ source: options.name }, 0);
        entries.clear();
        // Held and unacknowledged: the broker redelivers them on the next connection.
        held = [];
        settling = true;
        const client = current?.client;
        current = undefined;
        if (client !== undefined && !client.disconnected) await endClient(client, ctx.signal.aborted);
      }
      if (ctx.signal.aborted) break;
      const delay = backoffDelay(attempt++, options.reconnect, random);
      ctx.setStatus({ connected: false, message: `reconnecting in ${(delay / 1000).toFixed(1)} s` });
      try {
        await sleep(delay, ctx.signal);
      } catch (error) {
        if (isSdkError(error, ErrorCode.ABORTED)) break;
        throw error;
      }
    }
  } finally {
    ctx.setStatus({ connected: false, message: 'stopped' });
    for (const route of routes) route.parser.close?.();
  }
}

function hasDiscovery(route: Route): boolean {
  return route.subscription.parser === 'discovery' || route.subscription.parser === 'auto';
}
