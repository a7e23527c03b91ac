import type { z } from 'zod';
import { parseOptions } from './config.js';
import type { NoCapabilities, Provided, Capability } from './capability.js';
import type { Ack, SourceStatus, StageContext } from './context.js';

/** What a running source gets from the pipeline. */
export interface SourceContext<E> extends StageContext {
  /**
   * Hands one event to the pipeline. Resolves once the pipeline accepted it into its bounded queue: this is
   * the backpressure point, a source that awaits it never floods memory. `ack` learns when it is handled.
   */
  readonly emit: (event: E, ack?: Ack) => Promise<void>;
  /** Like {@link emit} for several events; `ack` fires once when all of them are handled. */
  readonly emitBatch: (events: readonly E[], ack?: Ack) => Promise<void>;
  /** Reports connection status (metric, health, `source:status` event). */
  readonly setStatus: (status: SourceStatus) => void;
  /**
   * True when a stage of this pipeline uses what this source provides for `capability` (an enricher
   * needing it, or reading it in `start()`). Lets a source skip work nobody consumes (registry sync).
   * The runtime always sets it; optional so contexts made by hand stay valid (absent: nobody consumes).
   */
  readonly consumed?: ((capability: Capability) => boolean) | undefined;
}

/**
 * A source: runs until `ctx.signal` aborts (then resolves) or a fatal error (then rejects). `P` is what it
 * provides to the rest of the pipeline by capability name (e.g. `{ registry: RegistryStore }`).
 */
export interface Source<E, P extends Provided = NoCapabilities> {
  readonly kind: 'source';
  readonly name: string;
  /** Owns its reconnects; only fatal errors (e.g. AUTH_FAILED) reject. A property, so variance is checked. */
  readonly run: (ctx: SourceContext<E>) => Promise<void>;
  /** Values this source provides to consumers (enrichers), by capability name; build entries with `provide()`. */
  readonly provides?: P | undefined;
}

/** The part of a source an author writes; `defineSource` adds kind and name. */
export interface SourceImpl<E, P extends Provided = NoCapabilities> {
  /** Runs until `ctx.signal` aborts (resolve) or a fatal error (reject); see {@link Source.run}. */
  readonly run: (ctx: SourceContext<E>) => Promise<void>;
  /** Overrides the component name (e.g. when one factory makes several named instances). */
  readonly name?: string | undefined;
  /** See {@link Source.provides}. */
  readonly provides?: P | undefined;
}

/** Definition passed to {@link defineSource}. */
export interface SourceDefinition<S extends z.ZodType, E, H, P extends Provided = NoCapabilities> {
  readonly name: string;
  readonly options: S;
  /** Builds the source from its parsed options (defaults applied) and the hooks the user passed. */
  readonly create: (options: z.output<S>, hooks: H) => SourceImpl<E, P>;
}

/** A factory made by {@link defineSource}: validates options, then builds the source. */
export type SourceFactory<S extends z.ZodType, E, H, P extends Provided = NoCapabilities> = ((
  options: z.input<S>,
  hooks?: H,
) => Source<E, P>) & {
  readonly componentName: string;
  readonly optionsSchema: S;
};

/**
 * Declares a source kind. The factory parses options with the zod schema (CONFIG_INVALID naming the
 * component and key), stamps `kind`/`name`, and infers the event type from `create`'s return type.
 *
 * @example
 * export const tickSource = defineSource({
 *   name: 'tick',
 *   options: z.object({ count: z.number().int().default(3) }),
 *   create: (opts): SourceImpl<{ n: number }> => ({
 *     run: async ({ emit }) => { for (let n = 0; n < opts.count; n++) await emit({ n }); },
 *   }),
 * });
 */
export function defineSource<S extends z.ZodType, E, H = Record<string, never>, P extends Provided = NoCapabilities>(
  definition: SourceDefinition<S, E, H, P>,
): SourceFactory<S, E, H, P> {
  const factory = (options: z.input<S>, hooks?: H): Source<E, P> => {
    const parsed = parseOptions(definition.options, options, definition.name);
    const impl = definition.create(parsed, (hooks ?? {}) as H);
    return {
      kind: 'source',
      name: impl.name ?? definition.name,
      run: impl.run,
      ...(impl.provides ? { provides: impl.provides } : {}),
    };
  };
  return Object.assign(factory, { componentName: definition.name, optionsSchema: definition.options });
}
