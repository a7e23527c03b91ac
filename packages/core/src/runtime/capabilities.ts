import type { AnySource } from '../component/any.js';
import {
  ambiguousCapabilityError,
  missingCapabilityError,
  type Capability,
  type NeedSite,
} from '../component/capability.js';

/** A value given to the builder's `.provide()`. */
export interface PipelineProvision {
  readonly capability: Capability;
  readonly value: unknown;
}

/**
 * What the pipeline's components provide, and who took it (issue 12). Precedence: an enricher's explicit
 * hook (never reaches this table) > `.provide()` on the builder > a source's `provides`. Two sources with
 * the *same* value (one store passed to both) are one provider; with different values a consumer gets
 * CONFIG_INVALID rather than one of them by source order: two WebSocket sources are two HA instances whose
 * registries would overwrite each other in one store.
 */
export interface CapabilityTable {
  /** The value, or undefined when nothing provides it; marks it consumed. Throws CONFIG_INVALID when ambiguous. */
  readonly get: <T>(capability: Capability<string, T>) => T | undefined;
  /** Build-time check of one need: throws CONFIG_INVALID naming the consumer when missing or ambiguous. */
  readonly require: (capability: Capability, site: NeedSite) => void;
  /** True when `source`'s value of `capability` is the one handed to a consumer. */
  readonly consumed: (source: AnySource, capability: Capability) => boolean;
}

/** Collects the sources' `provides` and the builder's provisions. */
export function createCapabilityTable(
  sources: readonly AnySource[],
  provisions: readonly PipelineProvision[],
): CapabilityTable {
  const offers = new Map<string, { readonly providers: string[]; readonly values: unknown[] }>();
  for (const source of sources) {
    for (const [name, value] of Object.entries(source.provides ?? {})) {
      if (value === undefined) continue;
      const offer = offers.get(name) ?? { providers: [], values: [] };
      offer.providers.push(source.name);
      if (!offer.values.includes(value)) offer.values.push(value);
      offers.set(name, offer);
    }
  }
  const pipelineValues = new Map(provisions.map((p) => [p.capability.name, p.value] as const));
  const taken = new Map<string, unknown>();

  const lookup = (capability: Capability, site: NeedSite | undefined): unknown => {
    const { name } = capability;
    if (pipelineValues.has(name)) return pipelineValues.get(name);
    const offer = offers.get(name);
    if (offer === undefined) return undefined;
    if (offer.values.length > 1) throw ambiguousCapabilityError(capability, offer.providers, site);
    return offer.values[0];
  };
  const take = (capability: Capability, site: NeedSite | undefined): unknown => {
    const value = lookup(capability, site);
    if (value !== undefined) taken.set(capability.name, value);
    return value;
  };

  return {
    // The value is what `capability` declares: providers are typed against it (`provide()`, `.provide()`).
    get: <T>(capability: Capability<string, T>) => take(capability, undefined) as T | undefined,
    require: (capability, site) => {
      if (take(capability, site) === undefined) throw missingCapabilityError(capability, site);
    },
    consumed: (source, capability) => {
      const value = new Map(Object.entries(source.provides ?? {})).get(capability.name);
      return value !== undefined && taken.get(capability.name) === value;
    },
  };
}
