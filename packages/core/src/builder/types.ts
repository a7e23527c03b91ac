import type { z } from 'zod';
import type { AnyEnricher, AnySink } from '../component/any.js';
import type { Capability, NeededNames, Needs, NoCapabilities, Provided } from '../component/capability.js';
import type { FitsFields } from './field-hints.js';
import type { Enricher } from '../component/enricher.js';
import type { Sink } from '../component/sink.js';
import type { Source } from '../component/source.js';
import type { DeliveryOptions } from '../delivery/options.js';
import type { PipelineOptions } from '../runtime/options.js';
import type { Pipeline } from '../runtime/types.js';
import type { DedupeOptions } from '../stages/dedupe-options.js';
import type { FilterRules } from '../stages/filter.js';

// --- builder types: enrichers widen (overwrite-merge) the event type; sinks are checked by contravariance ---

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** `B`'s fields overwrite `A`'s; distributes over union events. */
export type Merge<A, B> = A extends unknown ? Simplify<Omit<A, keyof B> & B> : never;
/** The event type a source produces. */
export type EventOf<S> = S extends Source<infer E, Provided> ? E : never;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** What sources provide together, by capability name (`{}` when none provides anything). */
export type ProvidedOf<S> = Simplify<
  UnionToIntersection<S extends Source<unknown, infer P> ? P : never> & NoCapabilities
>;

/**
 * `{}` when the pipeline provides everything `N` needs; otherwise a property naming what is missing, which
 * the enricher lacks, so the compile error reads "Property 'needs "registry": …' is missing".
 */
export type MissingProviders<N, P> = {
  readonly [
    K in Exclude<
      NeededNames<N>,
      keyof P
    > as `needs "${K}": add a source that provides it, .provide() it, or pass the enricher's hook`
  ]: K;
};

/**
 * The immutable, typed builder. Every method returns a new builder. `P` is what the pipeline's sources
 * (and `.provide()`) provide, by capability name; `.use()` checks an enricher's needs against it.
 */
export interface PipelineBuilder<E, P extends Provided = NoCapabilities> {
  /**
   * Adds an enricher; its fields overwrite-merge into the event type. Input needs are checked (the error
   * names missing fields and the enricher that adds them), and so are its capability needs: an enricher needing `registry` compiles only where something provides it.
   */
  readonly use: <B, Added extends object, In = BuilderEvent<B>, N extends Needs = NoCapabilities>(
    this: B,
    enricher: FitsFields<
      BuilderEvent<B>,
      In,
      Enricher<In, Added, N> & MissingProviders<N, P>,
      Enricher<BuilderEvent<B>, Added, N>,
      'enricher'
    >,
  ) => PipelineBuilder<Merge<BuilderEvent<B>, Added>, P>;
  /** Provides a capability to every consumer of this pipeline; wins over what sources provide. */
  readonly provide: <Name extends string, T>(
    capability: Capability<Name, T>,
    value: T,
  ) => PipelineBuilder<E, P & { readonly [K in Name]: T }>;
  /** Trust boundary: E becomes the schema's output; failures are dead-lettered, never thrown. */
  readonly validate: <S extends z.ZodType>(schema: S) => PipelineBuilder<z.output<S>, P>;
  /** Keeps events for which the guard/predicate is true; the rest are dropped as `filtered`. */
  readonly filter: FilterMethod<E, P>;
  /** Include/exclude by domain, entity id, entity glob and event type (HA's filter semantics). */
  readonly select: (rules: FilterRules) => PipelineBuilder<E, P>;
  /** Drops repeated occurrences of the same identity key within `windowMs` (keys committed after the ack). */
  readonly dedupe: (options?: DedupeOptions) => PipelineBuilder<E, P>;
  /**
   * Fans out to a sink with its own buffer and delivery options. The sink sees events as they are at
   * this point of the chain (stages added later do not apply to it). Call once per sink. A sink needing a
   * field the events lack here does not compile, and the error names the field and the enricher that adds it.
   */
  readonly to: <B, Accepts = BuilderEvent<B>>(
    this: B,
    sink: FitsFields<BuilderEvent<B>, Accepts, Sink<Accepts>, Sink<BuilderEvent<B>>, 'sink'>,
    delivery?: DeliveryOptions,
  ) => PipelineBuilder<BuilderEvent<B>, P>;
  /** Makes the runnable {@link Pipeline}; nothing starts until `start()`. CONFIG_INVALID for bad options, duplicate sink names and unmet capability needs. */
  readonly build: (options?: PipelineOptions) => Pipeline;
}

/**
 * The event type of a builder. `.use()` and `.to()` read it from their `this` rather than from `E`: their
 * field checks are conditional types, which TypeScript can't see are covariant in `E`, and naming `E` there
 * would stop `PipelineBuilder<Ev>` from being a `PipelineBuilder<unknown>` (issue 20).
 */
export type BuilderEvent<B> = B extends PipelineBuilder<infer E, Provided> ? E : never;

/** `.filter()`: keeps the events a predicate accepts; a type guard narrows the event type for later stages. */
export interface FilterMethod<E, P extends Provided = NoCapabilities> {
  /** Keeps the events `guard` accepts and narrows the event type to `N`. */
  <N extends E>(guard: (event: E) => event is N): PipelineBuilder<N, P>;
  /** Keeps the events `predicate` accepts; the others count as dropped on purpose. */
  (predicate: (event: E) => boolean): PipelineBuilder<E, P>;
}

/** Stage descriptions held by the builder (runtime input). */
export type StageSpec =
  | { readonly kind: 'validate'; readonly schema: z.ZodType }
  | { readonly kind: 'filter'; readonly predicate: (event: unknown) => boolean; readonly name: string }
  | { readonly kind: 'dedupe'; readonly options: DedupeOptions }
  | { readonly kind: 'enrich'; readonly enricher: AnyEnricher }
  | { readonly kind: 'sink'; readonly sink: AnySink; readonly delivery: DeliveryOptions };
