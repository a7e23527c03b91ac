import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prefix of every metric the SDK defines. */
export const METRIC_PREFIX = 'ha_ingestor_';

/**
 * The SDK's named metrics on a prom-client registry. An app exposes them with
 * `await metrics.registry.metrics()` (Prometheus text) or merges the registry into its own.
 * Components add their own through {@link Metrics.counter} / {@link Metrics.gauge} / {@link Metrics.histogram},
 * which return the existing metric when the name is already registered.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly eventsReceived: Counter<'source'>;
  readonly eventsProcessed: Counter<never>;
  readonly eventsDropped: Counter<'reason'>;
  readonly processingDuration: Histogram<never>;
  readonly sinkPointsWritten: Counter<'sink'>;
  readonly sinkWriteDuration: Histogram<'sink'>;
  readonly queueDepth: Gauge<'queue'>;
  readonly outboxBytes: Gauge<'sink'>;
  readonly sourceConnected: Gauge<'source'>;
  readonly endToEndLag: Histogram<never>;
  readonly errors: Counter<'code'>;
  readonly deadLettered: Counter<'stage' | 'reason'>;
  /** Registers (or returns the existing) Prometheus counter `name` in the pipeline's registry. */
  counter<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  /** Registers (or returns the existing) Prometheus gauge `name` in the pipeline's registry. */
  gauge<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  /** Registers (or returns the existing) Prometheus histogram `name`; `buckets` default to the shared latency buckets. */
  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    buckets?: readonly number[],
  ): Histogram<L>;
}

/** Latency buckets (seconds) shared by the duration histograms. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Creates the SDK metrics on `registry` (a fresh prom-client Registry by default, so two pipelines in
 * one process never collide). Names get the `ha_ingestor_` prefix unless they already have it.
 */
export function createMetrics(registry: Registry = new Registry()): Metrics {
  const name = (n: string) => (n.startsWith(METRIC_PREFIX) ? n : `${METRIC_PREFIX}${n}`);
  const existing = <M>(n: string): M | undefined => registry.getSingleMetric(name(n)) as M | undefined;
  const counter = <L extends string = never>(n: string, help: string, labelNames: readonly L[] = []) =>
    existing<Counter<L>>(n) ?? new Counter<L>({ name: name(n), help, labelNames, registers: [registry] });
  const gauge = <L extends string = never>(n: string, help: string, labelNames: readonly L[] = []) =>
    existing<Gauge<L>>(n) ?? new Gauge<L>({ name: name(n), help, labelNames, registers: [registry] });
  const histogram = <L extends string = never>(
    n: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets: readonly number[] = DURATION_BUCKETS,
  ) =>
    existing<Histogram<L>>(n) ??
    new Histogram<L>({ name: name(n), help, labelNames, buckets: [...buckets], registers: [registry] });

  return {
    registry,
    eventsReceived: counter('events_received_total', 'Events received from sources', ['source']),
    eventsProcessed: counter('events_processed_total', 'Events that passed every stage and reached the sinks'),
    eventsDropped: counter('events_dropped_total', 'Events dropped on purpose or by overflow, by reason', ['reason']),
    processingDuration: histogram('pipeline_processing_duration_seconds', 'Time to run one batch through the stages'),
    sinkPointsWritten: counter('sink_points_written_total', 'Events durably accepted by a sink', ['sink']),
    sinkWriteDuration: histogram('sink_write_duration_seconds', 'Duration of one sink write', ['sink']),
    queueDepth: gauge('queue_depth', 'Events waiting in a pipeline queue', ['queue']),
    outboxBytes: gauge('outbox_bytes', 'Bytes held in a sink outbox on disk', ['sink']),
    sourceConnected: gauge('source_connected', '1 when the source is connected, else 0', ['source']),
    endToEndLag: histogram(
      'end_to_end_lag_seconds',
      'HA event time to sink acknowledgement',
      [],
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    ),
    errors: counter('errors_total', 'Errors by SdkError code', ['code']),
    deadLettered: counter('dead_lettered_total', 'Records written to the dead-letter file', ['stage', 'reason']),
    counter,
    gauge,
    histogram,
  };
}
