import type { MqttClient } from 'mqtt';
import type { Logger } from '@ha-ingestor/core';
import { createBoundedMap } from '@ha-ingestor/core/resilience';
import type { SubscribeFilter } from './connection.js';
import { subscribeTopics } from './connection.js';
import type { SourceMetrics } from './source-metrics.js';
import { topicNameProblem } from './topic.js';

/** Options of {@link createDynamicSubscriptions}. */
export interface DynamicSubscriptionsOptions {
  /** Most topics held (`maxDynamicSubscriptions`). */
  readonly max: number;
  readonly protocolVersion: 4 | 5;
  /** The subscriptions' own filters: a topic equal to one needs no subscription of its own. */
  readonly staticFilters: readonly string[];
  readonly metrics: SourceMetrics;
  readonly logger: Logger;
  /** Where a failed SUBSCRIBE / UNSUBSCRIBE goes (no caller to return to). */
  readonly report: (error: unknown) => void;
}

/** Topics subscribed on behalf of parsers (discovery state topics), bounded, following the connection. */
export interface DynamicSubscriptions {
  /** Subscribes `topic` (now when connected, else on the next connect); false when refused. */
  readonly add: (topic: string) => boolean;
  /** Gives up `topic` (now when connected, else on the next connect). */
  readonly remove: (topic: string) => void;
  /** A connection is up: sends the UNSUBSCRIBEs that waited, returns the filters to (re)subscribe. */
  readonly connected: (client: MqttClient) => SubscribeFilter[];
  readonly disconnected: () => void;
  readonly size: () => number;
}

/**
 * The source's dynamic subscriptions. A broker payload names these topics, so the source does not trust
 * them (issue 11): only plain topic names (no `+`/`#`, no `$…`) are subscribed, at most `max` of them;
 * a refusal is counted in `ha_ingestor_mqtt_dynamic_subscriptions_refused_total{reason}` and the first
 * refusal for the limit is logged once. Topics given up while disconnected are unsubscribed on the next
 * connect (the persistent session would otherwise keep delivering them); that list is bounded too.
 */
export function createDynamicSubscriptions(options: DynamicSubscriptionsOptions): DynamicSubscriptions {
  const topics = new Set<string>();
  const stale = createBoundedMap<string, true>({ max: Math.max(1, options.max), eviction: 'lru' });
  let client: MqttClient | undefined;
  let warned = false;

  return {
    add: (topic) => {
      if (topics.has(topic) || options.staticFilters.includes(topic)) return true;
      if (topicNameProblem(topic) !== undefined) {
        options.metrics.subscriptionsRefused.inc({ reason: 'invalid_topic' });
        return false;
      }
      if (topics.size >= options.max) {
        options.metrics.subscriptionsRefused.inc({ reason: 'limit' });
        if (!warned) {
          warned = true;
          options.logger.warn(
            { max: options.max },
            'mqtt: maxDynamicSubscriptions reached; further discovery configs are dead-lettered (discovery_subscription_limit, logged once)',
          );
        }
        return false;
      }
      topics.add(topic);
      stale.delete(topic);
      if (client?.connected === true)
        subscribeTopics(client, [{ topic, qos: 1, replay: true }], options.protocolVersion).catch(options.report);
      return true;
    },
    remove: (topic) => {
      if (!topics.delete(topic)) return;
      if (client?.connected === true) client.unsubscribeAsync(topic).catch(options.report);
      else stale.set(topic, true);
    },
    connected: (next) => {
      client = next;
      const gone = [...stale.keys()];
      stale.clear();
      if (gone.length > 0) next.unsubscribeAsync(gone).catch(options.report);
      return [...topics].map((topic): SubscribeFilter => ({ topic, qos: 1, replay: false }));
    },
    disconnected: () => {
      client = undefined;
    },
    size: () => topics.size,
  };
}
