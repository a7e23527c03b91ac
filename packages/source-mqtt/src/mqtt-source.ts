import type { IPublishPacket, MqttClient } from 'mqtt';
import { connect as mqttConnect } from 'mqtt';
import type { SourceContext, SourceImpl, StateChangedEvent } from '@ha-ingestor/core';
import {
  ErrorCode,
  createGuard,
  defineSource,
  isSdkError,
  maskUrl,
  millisToMicros,
  toSdkError,
  errorMessage,
} from '@ha-ingestor/core';
import { backoffDelay, sleep } from '@ha-ingestor/core/resilience';
import type { AckEntry, AckWindow } from './ack-window.js';
import { createAckWindow } from './ack-window.js';
import type { Connection, CreateMqttClient, SubscribeFilter } from './connection.js';
import { clientOptions, connectOnce, defaultClientId, endClient, subscribeTopics, waitClosed } from './connection.js';
import { createDynamicSubscriptions } from './dynamic-subscriptions.js';
import type { ResolvedMqttSourceOptions } from './options.js';
import { MqttSourceOptionsSchema } from './options.js';
import type { MqttMessage, MqttParser, ParseResult, ParserContext } from './parser.js';
import { createSubscriptionParser } from './parsers/index.js';
import { checkSize, decodeUtf8 } from './payload.js';
import { createSettle } from './settle.js';
import { createSourceMetrics } from './source-metrics.js';
import { subscriptionFilter, topicMatches } from './topic.js';

const SOURCE_NAME = 'mqtt';
const STAGE = 'source:mqtt';

/** Hooks of {@link mqttSource} (code, not data: kept out of the options schema). */
export interface MqttSourceHooks {
  /** Builds the mqtt.js client (tests inject one). @default mqtt.connect */
  readonly createClient?: CreateMqttClient | undefined;
  /** Uniform [0, 1) for the reconnect jitter. @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Extra parsers, referenced by name from a subscription's `parser`. */
  readonly parsers?: Readonly<Record<string, MqttParser>> | undefined;
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
  const metrics = createSourceMetrics(ctx.metrics, logger);
  // Issue 11: every callback outside a caller's try goes through a guard. Source-level ones (client
  // listeners, the discovery settle timer) are reported and dead-lettered by it; parser timers use a
  // guard that only reports, because their recover settles the held messages as `callback_failed`, which
  // dead-letters each message with its topic and payload (one record per message, not two) and acks it.
  const guard = createGuard(ctx, STAGE);
  const parserGuard = createGuard({ report: ctx.report }, STAGE);
  const entries = new Map<number, AckEntry>();
  const settle = createSettle({ ctx, logger, metrics, entries, stage: STAGE });
  const dynamic = createDynamicSubscriptions({
    max: options.maxDynamicSubscriptions,
    protocolVersion: options.protocolVersion,
    staticFilters: routes.map((r) => r.filter),
    metrics,
    logger,
    report: ctx.report,
  });
  // The window is crowded when messages held back by parsers (not yet handed to the pipeline: `entries`)
  // fill half of maxInFlight: parsers then stop holding messages only to improve them (statestream
  // timestamp waits), so the other half always carries other data (issue 11: 1,000 parked messages
  // starved every other entity). Messages waiting for the *sink* never count: cutting timestamp waits
  // because the database is slow would only trade HA's timestamps for receipt times (duplicate points
  // beside the WebSocket copies) without making anything faster.
  const crowdedAt = Math.max(1, Math.floor(options.maxInFlight / 2));
  let held: MqttMessage[] = [];
  let settling = true;
  let sequence = 0;
  let lastReceivedAt = 0;
  let current: { window: AckWindow; client: MqttClient | undefined } | undefined;

  // At stop the pipeline refuses emits still waiting (ABORTED): those messages stay un-PUBACKed and the
  // broker redelivers them; that is the design, not an error worth a report per message.
  const reportSettleFailure = (error: unknown): void => {
    if (ctx.signal.aborted && isSdkError(error, ErrorCode.ABORTED))
      logger.debug({ err: error }, 'message left for redelivery at stop');
    else ctx.report(error);
  };

  const failed = (messages: readonly MqttMessage[], thrown: unknown): Promise<void> => {
    const error = toSdkError(thrown, ErrorCode.INTERNAL, STAGE);
    ctx.report(error);
    return settle(messages, { kind: 'invalid', reason: 'callback_failed', message: error.message });
  };

  const parserContext: ParserContext = {
    source: options.name,
    now: ctx.now,
    logger,
    settle: (messages, result) => {
      settle(messages, result).catch(reportSettleFailure);
    },
    subscribe: (topic) => dynamic.add(topic),
    unsubscribe: (topic) => dynamic.remove(topic),
    guard: parserGuard,
    evicted: metrics.evicted,
    crowded: () => entries.size >= crowdedAt,
    backlogged: () => {
      const window = current?.window;
      if (window === undefined || window.size() < options.maxInFlight) return false;
      const head = window.head();
      return head === undefined || !entries.has(head);
    },
  };

  // A throwing (custom) parser must not leave its message unacknowledged: that would block the ordered
  // ack window and, at maxInFlight, stall the subscription.
  const parseSafely = (parser: MqttParser, message: MqttMessage): ParseResult => {
    try {
      return parser.parse(message, parserContext);
    } catch (error) {
      ctx.report(toSdkError(error, ErrorCode.INTERNAL, STAGE));
      return {
        kind: 'invalid',
        reason: 'parser_error',
        message: `parser ${parser.name} threw: ${errorMessage(error)}`,
      };
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
    return settle([message], {
      kind: 'invalid',
      reason: 'unmapped_topic',
      message: 'no parser understands this topic',
    });
  };

  const dispatchSafely = (message: MqttMessage, final: boolean): Promise<void> => {
    try {
      return dispatch(message, final);
    } catch (thrown) {
      return failed([message], thrown);
    }
  };

  // Runs inside mqtt.js' packet handling (handleMessage), outside any try of ours: once the message holds
  // a window slot, nothing may leave it unsettled.
  const onPublish = async (window: AckWindow, packet: IPublishPacket): Promise<void> => {
    // Relieve when parsers hold half the window, or when the window is full and its head is held by a
    // parser: then the parser's wait itself keeps every PUBACK (and with them the reading) back.
    const head = window.head();
    const headHeld = window.size() >= options.maxInFlight && head !== undefined && entries.has(head);
    if (entries.size >= crowdedAt || headHeld) for (const route of routes) route.parser.relieve?.(parserContext);
    await window.waitForRoom();
    const id = sequence++;
    const entry = window.add(packet.qos === 1 && packet.messageId !== undefined ? packet.messageId : undefined, id);
    entries.set(id, entry);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    // Receipt times are strictly increasing µs: events keyed on them (no HA timestamp) must never share a
    // key, or dedupe and the database would merge two messages received in the same millisecond.
    lastReceivedAt = Math.max(millisToMicros(ctx.now()), lastReceivedAt + 1);
    const base = {
      id,
      topic: packet.topic,
      payload,
      qos: packet.qos,
      retain: packet.retain,
      receivedAt: lastReceivedAt,
      text: '',
    };
    // The synchronous part may throw (a metric, a parser's helper): settle the message as failed then. A
    // rejection of the returned promise is the pipeline refusing the events (stopping): left unacked.
    try {
      metrics.received.inc({ source: options.name });
      metrics.inFlight.set({ source: options.name }, window.size());
      const tooLarge = checkSize(payload, options.maxPayloadBytes);
      if (tooLarge !== undefined) return settle([base], { kind: 'invalid', ...tooLarge });
      const decoded = decodeUtf8(payload);
      if (!decoded.ok) return settle([base], { kind: 'invalid', ...decoded.error });
      return dispatch({ ...base, text: decoded.text }, false);
    } catch (thrown) {
      return failed([base], thrown);
    }
  };

  const releaseHeld = () => {
    settling = false;
    const pending = held;
    held = [];
    for (const m of pending) dispatchSafely(m, true).catch(reportSettleFailure);
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
          metrics.inFlight.set({ source: options.name }, window.size());
        },
        onFailure: (error) => {
          logger.warn(
            { err: error },
            'mqtt: pipeline could not store a message; reconnecting so the broker redelivers it',
          );
          connectionRef.value?.client.end(true);
        },
      });
      current = { window, client: undefined };
      try {
        const connection = await connectOnce({
          create,
          url,
          options: clientOptions(options, clientId),
          onPublish: (packet) => onPublish(window, packet),
          signal: ctx.signal,
          onLateError: (error) => logger.warn({ err: { message: error.message } }, 'mqtt client error'),
          guard,
        });
        connectionRef.value = connection;
        current = { window, client: connection.client };
        attempt = 0;
        ctx.setStatus({
          connected: true,
          message: `connected to ${maskUrl(url)} (session ${connection.sessionPresent ? 'resumed' : 'new'})`,
        });
        logger.info({ url: maskUrl(url), clientId, sessionPresent: connection.sessionPresent }, 'mqtt connected');
        const closed = waitClosed(connection.client, ctx.signal);
        settling = true;
        // v5 Retain Handling 1 (retained messages only for a subscription that did not exist yet) keeps a
        // resumed session from replaying every retained message — except for discovery on the first
        // connect of this process, whose retained configs rebuild the entity map.
        const filters: SubscribeFilter[] = [
          ...routes.map((r): SubscribeFilter => ({
            topic: r.filter,
            qos: r.subscription.qos,
            replay: firstConnect && hasDiscovery(r),
          })),
          ...dynamic.connected(connection.client),
        ];
        firstConnect = false;
        await subscribeTopics(connection.client, filters, options.protocolVersion);
        logger.info(
          { topics: filters.length > 20 ? `${filters.length} filters` : filters.map((f) => f.topic) },
          'mqtt subscribed',
        );
        const settleMs = Math.max(0, ...routes.map((r) => (hasDiscovery(r) ? r.subscription.discovery.settleMs : 0)));
        const settleTimer = setTimeout(
          guard('mqtt discovery settle window', releaseHeld, (error) => {
            // Whatever is still held is dead-lettered and acknowledged rather than left blocking the window.
            settling = false;
            const rest = held;
            held = [];
            for (const m of rest)
              settle([m], { kind: 'invalid', reason: 'callback_failed', message: error.message }).catch(
                reportSettleFailure,
              );
          }),
          settleMs,
        );
        await closed;
        clearTimeout(settleTimer);
      } catch (error) {
        if (isSdkError(error, ErrorCode.AUTH_FAILED)) {
          ctx.setStatus({ connected: false, message: error.message });
          throw error;
        }
        if (!isSdkError(error, ErrorCode.ABORTED))
          logger.warn({ err: { message: errorMessage(error) } }, 'mqtt connection failed');
      } finally {
        window.abandon();
        // Half-assembled changes hold only unacknowledged messages of this connection: the broker
        // redelivers them, so they are forgotten, never emitted (issue 11, reference-app kill -9 test).
        for (const route of routes) route.parser.abandon?.(parserContext);
        dynamic.disconnected();
        metrics.inFlight.set({ source: options.name }, 0);
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
