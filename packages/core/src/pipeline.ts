import type { EventEmitter } from 'eventemitter3';
import type { z } from 'zod';
import type { DeadLetterRecord, SourceStatus } from './context.js';
import type { Enricher } from './enricher.js';
import type { SdkError } from './errors.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';

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

/** Retry of failed writes (retryable errors only), capped exponential backoff with full jitter. */
export interface RetryOptions {
  /** Attempts after the first; then the batch goes to the outbox (or fails). @default 5 */
  readonly retries?: number;
  /** @default 500 */
  readonly minDelayMs?: number;
  /** @default 30000 */
  readonly maxDelayMs?: number;
}

/** Circuit breaker around a sink's writes (opossum). While open, batches go straight to the outbox. */
export interface BreakerOptions {
  /** Consecutive failed writes that open the breaker. @default 5 */
  readonly threshold?: number;
  /** Time before a half-open trial write. @default 30000 */
  readonly resetTimeoutMs?: number;
}

/** What to do when the outbox is full. */
export type WhenFull = 'block' | 'drop-oldest' | 'drop-newest';

/** A sink's durable on-disk outbox: batches that could not be written wait here and drain in order. */
export interface OutboxOptions {
  readonly dir: string;
  /** @default 1 GiB */
  readonly maxBytes?: number;
  /** @default 'block' */
  readonly whenFull?: WhenFull;
  /** `always`: fsync every append; `interval`: at most every fsyncIntervalMs; `never`. @default 'always' */
  readonly fsync?: 'always' | 'interval' | 'never';
  readonly fsyncIntervalMs?: number;
  /** Bytes per segment file. @default 16 MiB */
  readonly segmentBytes?: number;
}

/** Per-sink delivery: its own buffer, batcher, retry, breaker and outbox. */
export interface DeliveryOptions {
  readonly batch?: BatchOptions;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
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

/** Dedupe on the identity key; keys are committed only after the events are handled. */
export interface DedupeOptions {
  /** How long a seen key is remembered. @default 300000 */
  readonly windowMs?: number;
  /** Keys remembered per series (memory grows with entities, not with rate × window). @default 16 */
  readonly maxPerSeries?: number;
}

/** Pipeline-wide options. */
export interface PipelineOptions {
  readonly logger?: Logger;
  /** Clock, epoch ms. @default Date.now */
  readonly now?: () => number;
  readonly metrics?: Metrics;
  /** NDJSON dead-letter file; without it, dead letters are only logged and counted. */
  readonly deadLetter?: { readonly path: string; readonly maxBytes?: number };
  /** Events accepted from sources before `emit` waits. @default 10000 */
  readonly maxQueued?: number;
  /** Events moved through the stages together. @default 512 */
  readonly stageBatchSize?: number;
  /** Time allowed to drain and flush on stop before pending events are reported as failed. @default 30000 */
  readonly stopTimeoutMs?: number;
}

/** Counts reported by `stats()` and returned by `stop()`. */
export interface PipelineStats {
  readonly received: number;
  readonly processed: number;
  /** Events durably accepted (or outboxed) per sink. */
  readonly written: Readonly<Record<string, number>>;
  readonly outboxed: Readonly<Record<string, number>>;
  /** Dropped by reason: `filtered`, `duplicate`, `invalid`, `enricher`, `rejected`, `overflow`, … */
  readonly dropped: Readonly<Record<string, number>>;
  /** Events that could not be made durable (their sources were told through `onFailed`). */
  readonly failed: number;
  readonly deadLettered: number;
  /** Events inside the pipeline right now (queues, batchers, in-flight writes). */
  readonly inFlight: number;
}

export type HealthState = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  readonly name: string;
  readonly kind: 'source' | 'sink' | 'enricher' | 'pipeline';
  readonly status: HealthState;
  readonly message?: string;
  readonly checkedAt?: number;
  readonly responseTimeMs?: number;
}

export interface PipelineHealth {
  readonly status: HealthState;
  readonly components: readonly ComponentHealth[];
}

/** Events emitted by a running pipeline (eventemitter3; `error` falls back to the logger when unheard). */
export interface PipelineEvents {
  error: (error: SdkError) => void;
  'source:status': (source: string, status: SourceStatus) => void;
  'dead-letter': (record: DeadLetterRecord) => void;
  /** Events that passed every stage, just before they are handed to the sinks. */
  processed: (events: readonly unknown[]) => void;
  /** A batch a sink durably accepted (or outboxed). */
  written: (sink: string, events: readonly unknown[]) => void;
}

/** A running (or runnable) pipeline. `await using p = builder.build()` stops it on scope exit. */
export interface Pipeline extends AsyncDisposable {
  /** Runs sink healthchecks/open, enricher start, then the sources. */
  readonly start: () => Promise<void>;
  /** Aborts sources, drains the stages, flushes batchers, closes sinks; resolves the final counts. */
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
  /** Drops repeated occurrences of the same identity key. */
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
