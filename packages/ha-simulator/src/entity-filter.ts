/** One side of HA's INCLUDE_EXCLUDE_BASE_FILTER_SCHEMA. */
export interface FilterSide {
  readonly domains?: readonly string[];
  readonly entity_globs?: readonly string[];
  readonly entities?: readonly string[];
}

/**
 * HA's `helpers/entityfilter.generate_filter` (used by subscribe_entities' include/exclude), with its
 * six cases; returns undefined for the empty filter (everything passes).
 */
export function generateEntityFilter(
  include: FilterSide = {},
  exclude: FilterSide = {},
): ((entityId: string) => boolean) | undefined {
  const inDomains = new Set(include.domains ?? []);
  const inEntities = new Set(include.entities ?? []);
  const inGlobs = (include.entity_globs ?? []).map(globToRegExp);
  const exDomains = new Set(exclude.domains ?? []);
  const exEntities = new Set(exclude.entities ?? []);
  const exGlobs = (exclude.entity_globs ?? []).map(globToRegExp);
  const haveInclude = inDomains.size > 0 || inEntities.size > 0 || inGlobs.length > 0;
  const haveExclude = exDomains.size > 0 || exEntities.size > 0 || exGlobs.length > 0;
  const domain = (id: string): string => id.slice(0, id.indexOf('.'));
  const glob = (res: RegExp[], id: string): boolean => res.some((re) => re.test(id));
  // Case 1: no filter.
  if (!haveInclude && !haveExclude) return undefined;
  // Case 2: only includes.
  if (haveInclude && !haveExclude) return (id) => inEntities.has(id) || inDomains.has(domain(id)) || glob(inGlobs, id);
  // Case 3: only excludes.
  if (!haveInclude && haveExclude)
    return (id) => !(exEntities.has(id) || exDomains.has(domain(id)) || glob(exGlobs, id));
  // Case 4: domain and/or glob includes (may also have excludes).
  if (inDomains.size > 0 || inGlobs.length > 0) {
    return (id) => {
      if (inEntities.has(id)) return true;
      if (exEntities.has(id)) return false;
      if (glob(inGlobs, id)) return true;
      if (glob(exGlobs, id)) return false;
      return inDomains.has(domain(id));
    };
  }
  // Case 5: domain and/or glob excludes (no domain/glob includes).
  if (exDomains.size > 0 || exGlobs.length > 0) {
    return (id) => {
      if (inEntities.has(id)) return true;
      if (exEntities.has(id)) return false;
      if (glob(exGlobs, id)) return false;
      return !exDomains.has(domain(id));
    };
  }
  // Case 6: only entity lists.
  return (id) => inEntities.has(id);
}

// --- internal ---

// fnmatch-style: * and ? (HA compiles globs with fnmatch.translate).
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
