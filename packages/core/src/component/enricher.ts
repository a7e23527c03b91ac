import type { z } from 'zod';
import { parseOptions } from './config.js';
import type { StageContext } from './context.js';

/** Returned by an enricher (or a filter) to drop the event on purpose; counts as handled. */
export const DROP: unique symbol = Symbol.for('ha-ingestor.drop');
/** The type of {@link DROP}. */
export type Drop = typeof DROP;

/**
 * An enricher: returns only the fields it adds or overwrites (the runtime merges them), or {@link DROP}.
 * Synchronous enrichers stay synchronous in the hot path; return a Promise only when needed.
 */
export interface Enricher<In, Added extends object> {
  readonly kind: 'enricher';
  readonly name: string;
  // A property, not a method: method shorthand is bivariant, and strictFunctionTypes must check In.
  /** Returns the fields to add or overwrite for one event, or {@link DROP} to drop it on purpose. */
  readonly enrich: (event: In, ctx: StageContext) => Added | Drop | Promise<Added | Drop>;
  /** Optional batch form for speed; must behave exactly like calling `enrich` per event. */
  readonly enrichBatch?: (events: readonly In[], ctx: StageContext) => ReadonlyArray<Added | Drop> | Promise<ReadonlyArray<Added | Drop>>;
  /** Called once when the pipeline starts (e.g. to start a poller). */
  readonly start?: (ctx: StageContext) => Promise<void> | void;
  /** Called once when the pipeline stops, after the last event (stop pollers, clear caches). */
  readonly close?: () => Promise<void> | void;
}

/** The part of an enricher an author writes. */
export interface EnricherImpl<In, R> {
  /** Returns the fields to add or overwrite for one event, or {@link DROP} (see {@link Enricher.enrich}). */
  readonly enrich: (event: In, ctx: StageContext) => R;
  /** Optional batch form; must behave exactly like `enrich` per event (see {@link Enricher.enrichBatch}). */
  readonly enrichBatch?: (events: readonly In[], ctx: StageContext) => ReadonlyArray<Awaited<R>> | Promise<ReadonlyArray<Awaited<R>>>;
  /** Called once when the pipeline starts (see {@link Enricher.start}). */
  readonly start?: (ctx: StageContext) => Promise<void> | void;
  /** Called once when the pipeline stops (see {@link Enricher.close}). */
  readonly close?: () => Promise<void> | void;
  readonly name?: string;
}

/** The fields an enricher adds, from its `enrich` return type. */
export type AddedOf<R> = Exclude<Awaited<R>, Drop> extends infer A ? (A extends object ? A : never) : never;

/** Definition passed to {@link defineEnricher}. */
export interface EnricherDefinition<S extends z.ZodType, In, R, H> {
  readonly name: string;
  readonly options?: S;
  /** Builds the enricher from its parsed options (defaults applied) and the hooks the user passed. */
  readonly create: (options: z.output<S>, hooks: H) => EnricherImpl<In, R>;
}

/** A factory made by {@link defineEnricher}. */
export type EnricherFactory<S extends z.ZodType, In, R, H> = ((options?: z.input<S>, hooks?: H) => Enricher<In, AddedOf<R>>) & {
  readonly componentName: string;
  readonly optionsSchema: S | undefined;
};

/**
 * Declares an enricher kind: parses options (CONFIG_INVALID naming the component and key), stamps
 * kind/name, and infers `In` from `enrich`'s parameter and the added fields from its return type.
 *
 * @example
 * export const entityArea = defineEnricher({
 *   name: 'entity-area',
 *   options: z.object({ areas: z.record(z.string(), z.string()) }),
 *   create: (opts) => ({
 *     enrich: (event: { entity_id: string }) => ({ area: opts.areas[event.entity_id] }),
 *   }),
 * });
 */
export function defineEnricher<S extends z.ZodType, In, R, H = Record<string, never>>(
  definition: EnricherDefinition<S, In, R, H>,
): EnricherFactory<S, In, R, H> {
  const factory = (options?: z.input<S>, hooks?: H): Enricher<In, AddedOf<R>> => {
    const parsed = (definition.options ? parseOptions(definition.options, options, definition.name) : (options ?? {})) as z.output<S>;
    const impl = definition.create(parsed, (hooks ?? {}) as H);
    return {
      kind: 'enricher',
      name: impl.name ?? definition.name,
      enrich: impl.enrich as Enricher<In, AddedOf<R>>['enrich'],
      ...(impl.enrichBatch ? { enrichBatch: impl.enrichBatch as Enricher<In, AddedOf<R>>['enrichBatch'] } : {}),
      ...(impl.start ? { start: impl.start } : {}),
      ...(impl.close ? { close: impl.close } : {}),
    };
  };
  return Object.assign(factory, { componentName: definition.name, optionsSchema: definition.options });
}
