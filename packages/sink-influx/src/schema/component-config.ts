import { globToRegExp } from '@ha-ingestor/core/stages';
import type { ComponentConfigEntry, ResolvedSchemaOptions } from './options.js';

/** The merged per-entity customisation, as HA's `EntityValues.get(entity_id)` returns it. */
export type EntityConfig = ComponentConfigEntry;

/**
 * Builds HA's `EntityValues` lookup: domain entries, then every matching glob (in order), then the
 * entity's own entry, each overwriting keys of the previous (so an entity's `ignoreAttributes` replaces a
 * glob's; the global list is merged in by the mappers). Results are cached per entity id.
 */
export function createEntityConfigLookup(
  options: Pick<ResolvedSchemaOptions, 'componentConfig' | 'componentConfigDomain' | 'componentConfigGlob'>,
): (entityId: string, domain: string) => EntityConfig {
  const globs = Object.entries(options.componentConfigGlob).map(([glob, entry]) => ({ re: globToRegExp(glob), entry }));
  const hasAny =
    globs.length > 0 ||
    Object.keys(options.componentConfig).length > 0 ||
    Object.keys(options.componentConfigDomain).length > 0;
  const cache = new Map<string, EntityConfig>();
  return (entityId, domain) => {
    if (!hasAny) return EMPTY;
    const cached = cache.get(entityId);
    if (cached !== undefined) return cached;
    let result: EntityConfig = EMPTY;
    const byDomain = options.componentConfigDomain[domain];
    if (byDomain !== undefined) result = merge(result, byDomain);
    for (const { re, entry } of globs) if (re.test(entityId)) result = merge(result, entry);
    const byEntity = options.componentConfig[entityId];
    if (byEntity !== undefined) result = merge(result, byEntity);
    // Bounded: an installation has thousands of entities, not millions; clear rather than grow forever.
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(entityId, result);
    return result;
  };
}

// --- internal ---

const EMPTY: EntityConfig = {};
const MAX_CACHE = 50_000;

function merge(base: EntityConfig, entry: ComponentConfigEntry): EntityConfig {
  const out: { overrideMeasurement?: string; ignoreAttributes?: string[] } = { ...base };
  if (entry.overrideMeasurement !== undefined) out.overrideMeasurement = entry.overrideMeasurement;
  if (entry.ignoreAttributes !== undefined) out.ignoreAttributes = entry.ignoreAttributes;
  return out;
}
