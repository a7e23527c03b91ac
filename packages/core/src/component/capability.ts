import { ConfigError } from '../model/errors.js';
import type { RegistryProvider } from '../model/registry.js';
import type { StageContext } from './context.js';

/**
 * A typed key for something one component of a pipeline provides and others consume (issue 12): the
 * WebSocket source provides HA's registries, the registry enricher needs them. The name identifies it at
 * run time (two copies of core still agree) and in the builder's types; `T` is the value consumers get.
 */
export interface Capability<N extends string = string, T = unknown> {
  readonly name: N;
  /** What it is, for error messages: `HA's registries (areas, floors, devices, entities, labels) and location config`. */
  readonly description: string;
  /** Who can provide it, for error messages: `haWebSocketSource provides it`. */
  readonly providedBy: string;
  /** Phantom: carries `T` for the types only; never set. */
  readonly __value?: T | undefined;
}

/** The value type of a capability. */
export type CapabilityValue<C> = C extends Capability<string, infer T> ? T : never;

/**
 * What a component provides, by capability name: `{ registry: RegistryStore }`. Sources declare it as
 * `provides` (build it with {@link provide}); the builder's types accumulate it.
 */
export type Provided = object;

/**
 * What an enricher needs from the pipeline, keyed by the hook that would otherwise carry it:
 * `{ registry: registryCapability }` means "the `registry` hook, or the pipeline's registry".
 */
export type Needs = { readonly [hook: string]: Capability };

/** Nothing provided / nothing needed: the default of the `P` and `N` type parameters. */
export type NoCapabilities = Record<never, never>;

/** The capability names a {@link Needs} record asks for. */
export type NeededNames<N> = N[keyof N] extends infer C
  ? C extends Capability<infer Name, unknown>
    ? Name
    : never
  : never;

/**
 * Declares a capability. Declare each one once, in the package that owns its value type.
 *
 * @example
 * export const haConnectionCapability = defineCapability<HaConnection>()('ha-connection', {
 *   description: 'a live connection to Home Assistant',
 *   providedBy: 'haWebSocketSource provides it',
 * });
 */
export function defineCapability<T>() {
  return <const N extends string>(
    name: N,
    about: { readonly description: string; readonly providedBy: string },
  ): Capability<N, T> => Object.freeze({ name, description: about.description, providedBy: about.providedBy });
}

/** A source's `provides` entry for one capability, typed by its name: `{ registry: store }`. */
export function provide<N extends string, T, V extends T>(
  capability: Capability<N, T>,
  value: V,
): { readonly [K in N]: V } {
  return { [capability.name]: value } as { readonly [K in N]: V };
}

/**
 * HA's registries (areas, floors, devices, entities, labels) and location config (`get_config`). The
 * WebSocket source provides it; the registry, time-context and polled-context enrichers consume it.
 */
export const registryCapability: Capability<'registry', RegistryProvider> = defineCapability<RegistryProvider>()(
  'registry',
  {
    description: "HA's registries (areas, floors, devices, entities, labels) and location config",
    providedBy: 'haWebSocketSource from @ha-ingestor/source-ws provides it',
  },
);

/** Where a need comes from, for error messages: the consuming component and the hook that could carry it. */
export interface NeedSite {
  /** The consumer's component name, e.g. `registry`. */
  readonly consumer: string;
  /** The hook that would carry the value explicitly, e.g. `registry`. */
  readonly hook: string;
}

/**
 * The value of a needed hook: the one given explicitly (it wins), else the pipeline's. Throws
 * CONFIG_INVALID naming the consumer, the capability and the fixes when neither exists. Call it in `start`.
 *
 * @example
 * start: (ctx) => { provider = resolveNeed(hooks.registry, ctx, registryCapability, { consumer: 'registry', hook: 'registry' }); },
 */
export function resolveNeed<T>(
  given: T | undefined,
  ctx: Pick<StageContext, 'capability'>,
  capability: Capability<string, T>,
  site: NeedSite,
): T {
  if (given !== undefined) return given;
  const value = ctx.capability?.(capability);
  if (value === undefined) throw missingCapabilityError(capability, site);
  return value;
}

/** CONFIG_INVALID: a consumer needs a capability nothing in the pipeline provides. */
export function missingCapabilityError(capability: Capability, site: NeedSite): ConfigError {
  const { name } = capability;
  return new ConfigError(
    `${site.consumer}: needs "${name}" (${capability.description}), but nothing in this pipeline provides it. ` +
      `Fix: add a source that provides it (${capability.providedBy}), call .provide() with it on the pipeline, ` +
      `or pass it to the enricher yourself as its "${site.hook}" hook`,
    [{ path: `hooks.${site.hook}`, message: `nothing provides "${name}"` }],
    { stage: site.consumer },
  );
}

/** CONFIG_INVALID: several sources provide different values of one capability, so a consumer can't pick. */
export function ambiguousCapabilityError(
  capability: Capability,
  providers: readonly string[],
  site?: NeedSite,
): ConfigError {
  const { name } = capability;
  const who = site === undefined ? `a stage reads "${name}"` : `${site.consumer}: needs "${name}"`;
  const hook = site === undefined ? 'the consumer its hook' : `the enricher its "${site.hook}" hook`;
  return new ConfigError(
    `${who}, which ${providers.length} sources provide with different values (${providers.join(', ')}). ` +
      `Fix: pass ${hook} explicitly, call .provide() with the one to use on the pipeline, or give the sources one shared value`,
    [
      {
        path: site === undefined ? name : `hooks.${site.hook}`,
        message: `"${name}" is provided by ${providers.join(', ')}`,
      },
    ],
    site === undefined ? {} : { stage: site.consumer },
  );
}
