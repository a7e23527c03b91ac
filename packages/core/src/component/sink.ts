import type { z } from 'zod';
import { parseOptions } from './config.js';
import type { StageContext } from './context.js';

/** One event of a batch that the sink refused for good (poison point): it goes to the dead-letter file. */
export interface RejectedEvent {
  /** Index of the event in the batch passed to `write`. */
  readonly index: number;
  /** Short machine-readable reason (metric label), e.g. `type_conflict`, `invalid_point`. */
  readonly reason: string;
  /** The server's or serialiser's explanation. */
  readonly message: string;
}

/** What `write` may report. Events not listed in `rejected` were durably accepted. */
export interface SinkWriteResult {
  readonly rejected?: readonly RejectedEvent[] | undefined;
}

/**
 * A sink receives batches and resolves `write` only once the batch is durably accepted. It rejects with
 * an SdkError: SINK_UNAVAILABLE (retryable: 5xx, 429, network) or SINK_REJECTED (the whole batch is bad);
 * individual bad events are returned in `rejected` instead, so they never cost their batch.
 */
export interface Sink<Accepts> {
  readonly kind: 'sink';
  readonly name: string;
  /** Writes one batch; resolves once it is durably accepted (listing poison events in `rejected`), rejects with an SdkError otherwise. */
  readonly write: (batch: readonly Accepts[], ctx: StageContext) => Promise<SinkWriteResult | void>;
  /** Called once before the first write (connect, seed caches). */
  readonly open?: ((ctx: StageContext) => Promise<void>) | undefined;
  /** Resolves when the sink can write; rejects with SINK_UNAVAILABLE or AUTH_FAILED otherwise. */
  readonly healthcheck?: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** Flushes anything the sink holds and releases resources. */
  readonly close?: (() => Promise<void>) | undefined;
  /** Cheap size estimate in bytes, used by the byte trigger of the batcher. */
  readonly sizeOf?: ((event: Accepts) => number) | undefined;
}

/** The part of a sink an author writes. */
export interface SinkImpl<Accepts> {
  /** Writes one batch; resolves once it is durably accepted (see {@link Sink.write}). */
  readonly write: (batch: readonly Accepts[], ctx: StageContext) => Promise<SinkWriteResult | void>;
  /** Called once before the first write (see {@link Sink.open}). */
  readonly open?: ((ctx: StageContext) => Promise<void>) | undefined;
  /** Resolves when the sink can write (see {@link Sink.healthcheck}). */
  readonly healthcheck?: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** Flushes and releases resources (see {@link Sink.close}). */
  readonly close?: (() => Promise<void>) | undefined;
  /** Cheap size estimate in bytes (see {@link Sink.sizeOf}). */
  readonly sizeOf?: ((event: Accepts) => number) | undefined;
  readonly name?: string | undefined;
}

/** Definition passed to {@link defineSink}. */
export interface SinkDefinition<S extends z.ZodType, Accepts, H> {
  readonly name: string;
  readonly options: S;
  /** Builds the sink from its parsed options (defaults applied) and the hooks the user passed. */
  readonly create: (options: z.output<S>, hooks: H) => SinkImpl<Accepts>;
}

/** A factory made by {@link defineSink}. */
export type SinkFactory<S extends z.ZodType, Accepts, H> = ((options: z.input<S>, hooks?: H) => Sink<Accepts>) & {
  readonly componentName: string;
  readonly optionsSchema: S;
};

/**
 * Declares a sink kind: parses options (CONFIG_INVALID naming the component and key), stamps kind/name,
 * and infers the accepted event type from `create`'s return type.
 *
 * @example
 * export const memorySink = defineSink({
 *   name: 'memory',
 *   options: z.object({}),
 *   create: (): SinkImpl<{ key: string }> => {
 *     const seen: string[] = [];
 *     return { write: async (batch) => { for (const e of batch) seen.push(e.key); } };
 *   },
 * });
 */
export function defineSink<S extends z.ZodType, Accepts, H = Record<string, never>>(
  definition: SinkDefinition<S, Accepts, H>,
): SinkFactory<S, Accepts, H> {
  const factory = (options: z.input<S>, hooks?: H): Sink<Accepts> => {
    const parsed = parseOptions(definition.options, options, definition.name);
    const impl = definition.create(parsed, (hooks ?? {}) as H);
    const { name, ...rest } = impl;
    return { kind: 'sink', name: name ?? definition.name, ...rest };
  };
  return Object.assign(factory, { componentName: definition.name, optionsSchema: definition.options });
}
