import type { Logger, Metrics } from '@ha-ingestor/core';

// prom-client is core's dependency, not ours: its types are taken from the Metrics factory.
type Counter = ReturnType<Metrics['counter']>;
type Gauge = ReturnType<Metrics['gauge']>;

/** The MQTT source's own metrics (registered on the pipeline's registry, prefixed `ha_ingestor_`). */
export interface SourceMetrics {
  readonly received: Counter;
  readonly invalid: Counter;
  readonly ignored: Counter;
  readonly inFlight: Gauge;
  /** Entries a bounded map or wait list dropped or cut early, by bound (issue 11). */
  readonly evictions: Counter;
  /** Dynamic (discovery) subscriptions the source refused, by reason: `limit` or `invalid_topic`. */
  readonly subscriptionsRefused: Counter;
  /** Counts an eviction and warns the first time each bound evicts (a full map is worth one log line, not one per message). */
  readonly evicted: (bound: string, count?: number) => void;
}

/** Most distinct `bound` names logged; custom parsers may invent names, so even this set is bounded. */
const MAX_LOGGED_BOUNDS = 64;

/** Registers the source's metrics; `logger` gets the once-per-bound eviction warning. */
export function createSourceMetrics(metrics: Metrics, logger: Logger): SourceMetrics {
  const evictions = metrics.counter<'bound'>(
    'mqtt_evictions_total',
    'Entries evicted from a bounded map of the MQTT source, or waits cut early, by bound',
    ['bound'],
  );
  const logged = new Set<string>();
  return {
    received: metrics.counter<'source'>('mqtt_messages_received_total', 'MQTT messages received', ['source']),
    invalid: metrics.counter<'reason'>('mqtt_messages_invalid_total', 'MQTT messages dead-lettered, by reason', [
      'reason',
    ]),
    ignored: metrics.counter<'reason'>('mqtt_messages_ignored_total', 'MQTT messages dropped on purpose, by reason', [
      'reason',
    ]),
    inFlight: metrics.gauge<'source'>('mqtt_messages_in_flight', 'MQTT messages received and not yet acknowledged', [
      'source',
    ]),
    evictions,
    subscriptionsRefused: metrics.counter<'reason'>(
      'mqtt_dynamic_subscriptions_refused_total',
      'Topics named by discovery configs that the MQTT source refused to subscribe, by reason',
      ['reason'],
    ),
    evicted: (bound, count = 1) => {
      evictions.inc({ bound }, count);
      if (logged.has(bound) || logged.size >= MAX_LOGGED_BOUNDS) return;
      logged.add(bound);
      logger.warn(
        { bound },
        `mqtt: bound "${bound}" is full and evicting (counted in ha_ingestor_mqtt_evictions_total; logged once)`,
      );
    },
  };
}
