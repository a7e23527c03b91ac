import type { EventEmitter } from 'eventemitter3';
import type { z } from 'zod';
import type { DeadLetterRecord, SourceStatus } from '../component/context.js';
import type { Enricher } from '../component/enricher.js';
import type { SdkError } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { Sink } from '../component/sink.js';
import type { Source } from '../component/source.js';

// --- builder types: enrichers widen (overwrite-merge) the event type; sinks are checked by contravariance ---

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** `B`'s fields overwrite `A`'s; distributes over union events. */
export type Merge<A, B> = A extends unknown ? Simplify<Omit<A, keyof B> & B> : never;
/** The event type a source produces. */
export type EventOf<S> = S extends Source<infer E> ? E : never;

/** Size/bytes/time triggers of a sink's batcher. */
export interface BatchOptions {
  /** Flush when this many events are buffered. @default 1000 */
  readonly maxSize?: number;
  /** Flush when the buffered events' estimated size reaches this many bytes. @default 1 MiB */
  readonly maxBytes?: number;
  /** Flush when the oldest buffered event is this old. @default 5000 */
  readonly maxWaitMs?: number;
}

/**
 * Retry of failed writes (retryable errors only: SINK_UNAVAILABLE, CONNECTION_LOST, TIMEOUT, network errors
 * and unknown errors), capped exponential backoff with full jitter, never shorter than a server's Retry-After.
 */
export interface RetryOptions {
  /** Attempts after the first; then (or as soon as the breaker is open) the batch goes to the outbox, or fails. @default 5 */
  readonly retries?: number;
  /** Backoff ceiling of the first retry (ms); it doubles per retry. @default 500 */
  readonly minDelayMs?: number;
  /** Backoff cap (ms). @default 30000 */
  readonly maxDelayMs?: number;
}

/**
 * Circuit breaker around each write attempt of a sink (opossum). While open, a batch is not tried at all: it
 * goes straight to the outbox (or fails without one), and the outbox is not drained until the half-open trial.
 */
export interface BreakerOptions {
  /** Consecutive failed write attempts (each retry counts; SINK_REJECTED does not) that open the breaker. @default 5 */
  readonly threshold?: number;
  /** Time before a half-open trial write; also the pause after a failed outbox drain. @default 30000 */
  readonly resetTimeoutMs?: number;
}

/**
 * What to do when the outbox is full: `block` makes the delivery wait for space (backpressure up to the
 * sources' `emit`); `drop-oldest` discards the oldest entries (already acknowledged: a real loss, counted as
 * dropped `outbox_full`); `drop-newest` refuses the new batch (its events fail: `onFailed`, counted as failed).
 * Under every policy becoming full is logged once, counted and shown in health (issue 11).
 */
export type WhenFull = 'block' | 'drop-oldest' | 'drop-newest';

/** A sink's durable on-disk outbox: batches that could not be written wait here and drain in order. */
export interface OutboxOptions {
  /** Directory of the segment files and the cursor (created when missing); one per sink. */
  readonly dir: string;
  /** @default 1 GiB */
  readonly maxBytes?: number;
  /** @default 'block' */
  readonly whenFull?: WhenFull;
  /** `always`: fsync every append; `interval`: at most every fsyncIntervalMs; `never`. @default 'always' */
  readonly fsync?: 'always' | 'interval' | 'never';
  /** Period of the `interval` fsync policy. @default 1000 */
  readonly fsyncIntervalMs?: number;
  /** Bytes per segment file. @default 16 MiB */
  readonly segmentBytes?: number;
}

/**
 * Per-sink delivery: its own buffer, batcher, retry, breaker and outbox. The nesting is retry → breaker →
 * `sink.write`: the breaker is inside each retry attempt and counts each attempt; once it is open, retrying
 * stops and the batch goes to the outbox at once (or fails without one). Batches are written one at a time,
 * in order; outbox entries always go before newer batches.
 */
export interface DeliveryOptions {
  readonly batch?: BatchOptions;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
  /** Without an outbox, a batch that can't be written after its retries fails (`onFailed`). */
  readonly outbox?: OutboxOptions;
  /** Events buffered for this sink before upstream waits (backpressure). @default 10000 */
  readonly maxQueued?: number;
}

/** Include/exclude rules, like HA's entity filter plus event types. Exclude wins over include. */
export interface FilterRules {
  readonly include?: FilterSet;
  readonly exclude?: FilterSet;
}
export interface FilterSet {
  readonly domains?: readonly string[];
  readonly entities?: readonly string[];
  /** Globs on entity_id: `*` any run, `?` one character (e.g. `sensor.*_temperature`). */
  readonly entity_globs?: readonly string[];
  readonly event_types?: readonly string[];
}

/**
 * Dedupe on the identity key; keys are committed only after the events are handled, so a failed write never
 * hides its replay. A copy arriving while its first copy is still in flight is held back and shares the first
 * copy's outcome: handled (as `duplicate`) when it is handled, failed when it fails.
 */
export interface DedupeOptions {
  /** How long a committed key is remembered (ms). @default 300000 */
  readonly windowMs?: number;
  /** Keys remembered per series (memory grows with entities, not with rate × window). @default 16 */
  readonly maxPerSeries?: number;
  /** Series remembered at most; then the least recently used settled one is forgotten (counted). @default 100000 */
  readonly maxSeries?: number;
  /** Copies held back while their first copy is in flight; beyond this a copy passes on (rewritten). @default 10000 */
  readonly maxWaiting?: number;
}

/** Pipeline-wide options. */
export interface PipelineOptions {
  /** pino-compatible logger. @default a logger that discards everything */
  readonly logger?: Logger;
  /** Clock, epoch ms (dedupe windows, dead-letter times, lag). @default Date.now */
  readonly now?: () => number;
  /** Metrics to record into. @default createMetrics() on a fresh registry */
  readonly metrics?: Metrics;
  /** NDJSON dead-letter file (rotated to `<path>.1` past `maxBytes`, default 10 MiB); without it, dead letters are only logged, counted and emitted. */
  readonly deadLetter?: { readonly path: string; readonly maxBytes?: number };
  /** Events accepted from sources before `emit` waits. @default 10000 */
  readonly maxQueued?: number;
  /** Events moved through the stages together. @default 512 */
  readonly stageBatchSize?: number;
  /**
   * Time `stop()` allows sources to return and the pipeline to drain and flush; then every pending event
   * fails (`onFailed` with TIMEOUT) and the sinks are closed anyway. @default 30000
   */
  readonly stopTimeoutMs?: number;
}

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
  error: (error: SdkError) => void;
  'source:status': (source: string, status: SourceStatus) => void;
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
  readonly stats: () => PipelineStats;
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

/** The immutable, typed builder. Every method returns a new builder. */
export interface PipelineBuilder<E> {
  /** Adds an enricher; its fields overwrite-merge into the event type. Input needs are checked. */
  readonly use: <Added extends object>(enricher: Enricher<E, Added>) => PipelineBuilder<Merge<E, Added>>;
  /** Trust boundary: E becomes the schema's output; failures are dead-lettered, never thrown. */
  readonly validate: <S extends z.ZodType>(schema: S) => PipelineBuilder<z.output<S>>;
  /** Keeps events for which the guard/predicate is true; the rest are dropped as `filtered`. */
  readonly filter: FilterMethod<E>;
  /** Include/exclude by domain, entity id, entity glob and event type (HA's filter semantics). */
  readonly select: (rules: FilterRules) => PipelineBuilder<E>;
  /** Drops repeated occurrences of the same identity key within `windowMs` (keys committed after the ack). */
  readonly dedupe: (options?: DedupeOptions) => PipelineBuilder<E>;
  /**
   * Fans out to a sink with its own buffer and delivery options. The sink sees events as they are at
   * this point of the chain (stages added later do not apply to it). Call once per sink.
   */
  readonly to: (sink: Sink<E>, delivery?: DeliveryOptions) => PipelineBuilder<E>;
  readonly build: (options?: PipelineOptions) => Pipeline;
}

export interface FilterMethod<E> {
  <N extends E>(guard: (event: E) => event is N): PipelineBuilder<N>;
  (predicate: (event: E) => boolean): PipelineBuilder<E>;
}

/** Stage descriptions held by the builder (runtime input). */
export type StageSpec =
  | { readonly kind: 'validate'; readonly schema: z.ZodType }
  | { readonly kind: 'filter'; readonly predicate: (event: unknown) => boolean; readonly name: string }
  | { readonly kind: 'dedupe'; readonly options: DedupeOptions }
  | { readonly kind: 'enrich'; readonly enricher: AnyEnricher }
  | { readonly kind: 'sink'; readonly sink: AnySink; readonly delivery: DeliveryOptions };

/**
 * The one documented `any` alias of the SDK (trpc's `Any*` idea): the runtime stores heterogeneous
 * components whose generics were already checked by the builder.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyComponentEvent = any;
export type AnyEnricher = Enricher<AnyComponentEvent, object>;
export type AnySink = Sink<AnyComponentEvent>;
export type AnySource = Source<AnyComponentEvent>;
