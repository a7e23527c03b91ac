import type { z } from 'zod';
import type { CapabilityValue, Needs, NoCapabilities } from './capability.js';
import { parseOptions } from './config.js';
import type { StageContext } from './context.js';

/** Returned by an enricher (or a filter) to drop the event on purpose; counts as handled. */
export const DROP: unique symbol = Symbol.for('ha-ingestor.drop');
/** The type of {@link DROP}. */
export type Drop = typeof DROP;

/**
 * An enricher: returns only the fields it adds or overwrites (the runtime merges them), or {@link DROP}.
 * Synchronous enrichers stay synchronous in the hot path; return a Promise only when needed. `N` is what it
 * needs from the pipeline (see {@link Enricher.needs}); the builder rejects it where nothing provides that.
 */
export interface Enricher<In, Added extends object, N extends Needs = NoCapabilities> {
  readonly kind: 'enricher';
  readonly name: string;
  // A property, not a method: method shorthand is bivariant, and strictFunctionTypes must check In.
  /** Returns the fields to add or overwrite for one event, or {@link DROP} to drop it on purpose. */
  readonly enrich: (event: In, ctx: StageContext) => Added | Drop | Promise<Added | Drop>;
  /** Optional batch form for speed; must behave exactly like calling `enrich` per event. */
  readonly enrichBatch?:
    | ((events: readonly In[], ctx: StageContext) => ReadonlyArray<Added | Drop> | Promise<ReadonlyArray<Added | Drop>>)
    | undefined;
  /** Called once when the pipeline starts (e.g. to start a poller); read needed capabilities here (`ctx.capability`). */
  readonly start?: ((ctx: StageContext) => Promise<void> | void) | undefined;
  /** Called once when the pipeline stops, after the last event (stop pollers, clear caches). */
  readonly close?: (() => Promise<void> | void) | undefined;
  /**
   * Capabilities this enricher takes from the pipeline, keyed by the hook that would otherwise carry them
   * (`{ registry: registryCapability }`). `build()` fails with CONFIG_INVALID when nothing provides one.
   * Absent when every needed hook was given explicitly.
   */
  readonly needs?: N | undefined;
}

/** The part of an enricher an author writes. */
export interface EnricherImpl<In, R> {
  /** Returns the fields to add or overwrite for one event, or {@link DROP} (see {@link Enricher.enrich}). */
  readonly enrich: (event: In, ctx: StageContext) => R;
  /** Optional batch form; must behave exactly like `enrich` per event (see {@link Enricher.enrichBatch}). */
  readonly enrichBatch?:
    | ((events: readonly In[], ctx: StageContext) => ReadonlyArray<Awaited<R>> | Promise<ReadonlyArray<Awaited<R>>>)
    | undefined;
  /** Called once when the pipeline starts (see {@link Enricher.start}). */
  readonly start?: ((ctx: StageContext) => Promise<void> | void) | undefined;
  /** Called once when the pipeline stops (see {@link Enricher.close}). */
  readonly close?: (() => Promise<void> | void) | undefined;
  readonly name?: string | undefined;
}

/** The fields an enricher adds, from its `enrich` return type. */
export type AddedOf<R> = Exclude<Awaited<R>, Drop> extends infer A ? (A extends object ? A : never) : never;

/** Definition passed to {@link defineEnricher}. */
export interface EnricherDefinition<S extends z.ZodType, In, R, H, N extends Needs = NoCapabilities> {
  readonly name: string;
  readonly options?: S | undefined;
  /**
   * Hooks the pipeline can fill: `{ registry: registryCapability }` means "when the caller leaves out the
   * `registry` hook, take the pipeline's registry". The enricher reads it in `start` with {@link resolveNeed}.
   */
  readonly needs?: N | undefined;
  /** Builds the enricher from its parsed options (defaults applied) and the hooks the user passed. */
  readonly create: (options: z.output<S>, hooks: H) => EnricherImpl<In, R>;
}

/** The hooks that satisfy every need of `N` explicitly. */
export type HooksFor<N extends Needs> = { readonly [K in keyof N]-?: CapabilityValue<N[K]> };

/**
 * The call signature of an enricher factory. Without needs: one signature. With needs: given every needed
 * hook, the enricher needs nothing from the pipeline; otherwise it carries `N`, and the builder checks that
 * something provides it (a partial set of needed hooks counts as none given, for the types).
 */
export type EnricherCall<S extends z.ZodType, In, R, H, N extends Needs> = [keyof N] extends [never]
  ? (options?: z.input<S>, hooks?: H) => Enricher<In, AddedOf<R>>
  : {
      (options: z.input<S> | undefined, hooks: H & HooksFor<N>): Enricher<In, AddedOf<R>>;
      (options?: z.input<S>, hooks?: H): Enricher<In, AddedOf<R>, N>;
    };

/** A factory made by {@link defineEnricher}. */
export type EnricherFactory<S extends z.ZodType, In, R, H, N extends Needs = NoCapabilities> = EnricherCall<
  S,
  In,
  R,
  H,
  N
> & {
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
export function defineEnricher<S extends z.ZodType, In, R, H = Record<string, never>, N extends Needs = NoCapabilities>(
  definition: EnricherDefinition<S, In, R, H, N>,
): EnricherFactory<S, In, R, H, N> {
  const factory = (options?: z.input<S>, hooks?: H): Enricher<In, AddedOf<R>, N> => {
    const parsed = (
      definition.options ? parseOptions(definition.options, options, definition.name) : (options ?? {})
    ) as z.output<S>;
    const given = (hooks ?? {}) as H;
    const impl = definition.create(parsed, given);
    const needs = openNeeds(definition.needs, given);
    return {
      kind: 'enricher',
      name: impl.name ?? definition.name,
      enrich: impl.enrich as Enricher<In, AddedOf<R>>['enrich'],
      ...(impl.enrichBatch ? { enrichBatch: impl.enrichBatch as Enricher<In, AddedOf<R>>['enrichBatch'] } : {}),
      ...(impl.start ? { start: impl.start } : {}),
      ...(impl.close ? { close: impl.close } : {}),
      ...(needs === undefined ? {} : { needs }),
    };
  };
  // One implementation serves both call signatures of EnricherCall (a conditional type TypeScript cannot
  // check a function against): with every needed hook given, `needs` is absent, as the first one says.
  return Object.assign(factory, {
    componentName: definition.name,
    optionsSchema: definition.options,
  }) as EnricherFactory<S, In, R, H, N>;
}

// --- internal ---

/** The needs whose hook the caller left out (`undefined` when none): those the pipeline must provide. */
function openNeeds<N extends Needs>(needs: N | undefined, hooks: unknown): N | undefined {
  if (needs === undefined) return undefined;
  const given = (hooks ?? {}) as Readonly<Record<string, unknown>>;
  const open = Object.entries(needs).filter(([hook]) => given[hook] === undefined);
  return open.length === 0 ? undefined : (Object.fromEntries(open) as N);
}
