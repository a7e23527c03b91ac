import { ConfigError } from '@ha-ingestor/core';
import { globToRegExp } from '@ha-ingestor/core/stages';
import type { StoredSchemaKind } from './rows.js';

/** An entity id or a glob of one, as the app's filters take them (`sensor.*_battery`, `*.kitchen_?`). */
const ENTITY_PATTERN = /^[a-z0-9_*?]+\.[a-z0-9_*?]+$/;

/** Checks `--entities` entries; a bad one is a ConfigError naming it (they end up inside a query). */
export function checkEntityPatterns(patterns: readonly string[]): void {
  const bad = patterns.filter((p) => p.length > 255 || !ENTITY_PATTERN.test(p));
  if (bad.length === 0) return;
  const shown = bad.slice(0, 3).map((b) => JSON.stringify(b.length > 64 ? `${b.slice(0, 64)}…` : b));
  throw new ConfigError(
    `bad entity ${bad.length === 1 ? 'pattern' : 'patterns'} ${shown.join(', ')}: expected entity ids or globs with * and ?, e.g. sensor.kitchen_temperature or sensor.*_battery`,
    [{ path: 'entities', message: 'expected entity ids or globs' }],
  );
}

/** Client-side check of a row's entity id (the server-side condition is the same; this is the guarantee). */
export function entityMatcher(patterns: readonly string[]): (entityId: string) => boolean {
  if (patterns.length === 0) return () => true;
  const exact = new Set(patterns.filter((p) => !isGlob(p)));
  const globs = patterns.filter(isGlob).map(globToRegExp);
  return (id) => exact.has(id) || globs.some((re) => re.test(id));
}

/**
 * The InfluxQL condition selecting the patterns (checked by {@link checkEntityPatterns}, so they hold only
 * `[a-z0-9_.*?]`). `ha` stores the id split in tags `domain` + `entity_id` (object id), `entity` stores it whole.
 */
export function influxqlEntityCondition(kind: StoredSchemaKind, patterns: readonly string[]): string | undefined {
  if (patterns.length === 0) return undefined;
  const parts = patterns.map((p) => {
    if (kind === 'entity') return tagMatch('entity_id', p);
    const dot = p.indexOf('.');
    return `(${tagMatch('domain', p.slice(0, dot))} AND ${tagMatch('entity_id', p.slice(dot + 1))})`;
  });
  return `(${parts.join(' OR ')})`;
}

/** The Flux predicate (on `r`) selecting the patterns. */
export function fluxEntityPredicate(kind: StoredSchemaKind, patterns: readonly string[]): string | undefined {
  if (patterns.length === 0) return undefined;
  const parts = patterns.map((p) => {
    if (kind === 'entity') return fluxMatch('entity_id', p);
    const dot = p.indexOf('.');
    return `(${fluxMatch('domain', p.slice(0, dot))} and ${fluxMatch('entity_id', p.slice(dot + 1))})`;
  });
  return parts.join(' or ');
}

// --- internal ---

const isGlob = (p: string) => p.includes('*') || p.includes('?');

/** A regex body for a glob of `[a-z0-9_*?.]` (nothing else can reach here). */
const globRegex = (glob: string) => `^${glob.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`;

function tagMatch(tag: string, pattern: string): string {
  return isGlob(pattern) ? `"${tag}" =~ /${globRegex(pattern)}/` : `"${tag}" = '${pattern}'`;
}

function fluxMatch(tag: string, pattern: string): string {
  return isGlob(pattern) ? `r.${tag} =~ /${globRegex(pattern)}/` : `r.${tag} == "${pattern}"`;
}
