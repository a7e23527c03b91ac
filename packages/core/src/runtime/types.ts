import type { EventEmitter } from 'eventemitter3';
import type { DeadLetterRecord, SourceStatus } from '../component/context.js';
import type { SdkError } from '../model/errors.js';
import type { Metrics } from '../observability/metrics.js';

// What a built pipeline is: its lifecycle, its counts and the events it emits (the builder makes one).

/** Counts reported by `stats()` and returned by `stop()`. */
export interface PipelineStats {
  /** Events sources emitted. */
  readonly received: number;
  /** Events that passed every stage and were handed to the sinks. */
  readonly processed: number;
  /** Events the sink durably accepted, including outbox entries drained later (per sink). */
  readonly written: Readonly<Record<string, number>>;
  /** Events moved to the sink's outbox (handled), per sink. */
  readonly outboxed: Readonly<Record<string, number>>;
  /**
   * Dropped on purpose or lost by policy, by reason: `filtered`, `filter_error`, `duplicate`, `invalid`,
   * `enricher`, `enricher_error`, `rejected` (by a sink), `outbox_full` (drop-oldest), `json_too_deep` and
   * `not_serialisable` (split out of a failed batch by the delivery). All count as handled.
   */
  readonly dropped: Readonly<Record<string, number>>;
  /**
   * Events that could not be made durable (their sources were told through `onFailed`), including
   * drop-newest outbox refusals. Counted per sink: an event that fails at two sinks counts twice.
   */
  readonly failed: number;
  /** Records written to the dead-letter output. */
  readonly deadLettered: number;
  /**
   * Events inside the pipeline right now: intake queue, the stage batch, sink buffers and in-flight writes
   * (an event buffered for two sinks counts twice; outbox entries are not in flight, they are handled).
   */
  readonly inFlight: number;
}

/** `degraded`: working with reduced guarantees (source disconnected, breaker open, outbox holding entries). */
export type HealthState = 'ok' | 'degraded' | 'down';

/** Health of one source or sink. */
export interface ComponentHealth {
  readonly name: string;
  readonly kind: 'source' | 'sink' | 'enricher' | 'pipeline';
  readonly status: HealthState;
  readonly message?: string;
  /**
   * Sinks only: `false` while the sink cannot take writes now — its last healthcheck failed or its circuit
   * breaker is open (batches go to the outbox, if any, or fail). A full or non-empty outbox alone keeps it
   * `true`. Readiness probes read this rather than the message text.
   */
  readonly acceptingWrites?: boolean | undefined;
  /** Epoch ms of the last sink healthcheck. */
  readonly checkedAt?: number;
  readonly responseTimeMs?: number;
}

/** Every component's health and the worst of them. */
export interface PipelineHealth {
  readonly status: HealthState;
  readonly components: readonly ComponentHealth[];
}

/** Events emitted by a running pipeline (eventemitter3; `error` falls back to the logger when unheard). */
export interface PipelineEvents {
  /** An error that did not stop the pipeline (a failed write after retries, a callback that threw, …). */
  error: (error: SdkError) => void;
  /** A source connected, disconnected or is backfilling. */
  'source:status': (source: string, status: SourceStatus) => void;
  /** An event was dead-lettered (invalid, rejected by a sink, or its callback failed). */
  'dead-letter': (record: DeadLetterRecord) => void;
  /** Events that passed every stage, once the sink taps took them (a copy of the stage batch). */
  processed: (events: readonly unknown[]) => void;
  /** A batch a sink durably accepted or outboxed: once per event (not again when an outbox entry drains). */
  written: (sink: string, events: readonly unknown[]) => void;
}

/** A running (or runnable) pipeline. `await using p = builder.build()` stops it on scope exit. */
export interface Pipeline extends AsyncDisposable {
  /**
   * Opens each sink and runs its healthcheck (a failure is reported and shown in health, not fatal), opens
   * its outbox, starts the enrichers, then runs the sources.
   */
  readonly start: () => Promise<void>;
  /**
   * Aborts the sources (an `emit` waiting for queue space is refused) and waits for their `run`, drains the
   * stages, flushes batchers and waits for the writes (all within `stopTimeoutMs`; then the rest fails; a
   * sink with an outbox stops retrying and outboxes what it can't write, and a full `block` outbox no longer
   * waits: what does not fit fails back to its sources), then closes enrichers, deliveries (outboxes keep
   * their entries) and sinks; resolves the final counts. Idempotent.
   */
  readonly stop: () => Promise<PipelineStats>;
  /** Counts so far (received, written, dropped, failed, …) without waiting. */
  readonly stats: () => PipelineStats;
  /** Last known health of each component, from the latest writes and healthchecks (no I/O). */
  readonly health: () => PipelineHealth;
  /** Runs sink healthchecks now and returns per-component results with response times. */
  readonly checkHealth: () => Promise<PipelineHealth>;
  readonly events: EventEmitter<PipelineEvents>;
  readonly metrics: Metrics;
  /**
   * Resolves when every source's `run` has finished and everything is handled (finite sources), or
   * rejects with the first fatal source error. Does not stop the pipeline by itself.
   */
  readonly idle: () => Promise<void>;
}
