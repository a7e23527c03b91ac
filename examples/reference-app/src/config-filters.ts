import type { FilterRules, FilterSet } from '@ha-ingestor/core';
import { z } from 'zod';
import { splitList } from './config-values.js';

/** An HA domain: `sensor`, `binary_sensor`, `input_number`. */
const DOMAIN_RE = /^[a-z0-9_]+$/;
/** An entity id (`sensor.kitchen_temperature`) or a glob of one (`sensor.*_battery`, `*.kitchen_?`). */
const ENTITY_RE = /^[a-z0-9_*?]+\.[a-z0-9_*?]+$/;
/** An event type: HA's are snake_case; integrations' custom ones may add digits, `.`, `:` or `-`. */
const EVENT_TYPE_RE = /^[A-Za-z0-9_.:-]+$/;
const MAX_ENTRY = 255;

/**
 * A comma list (env) or YAML list whose entries must each match `re`. A bad entry is refused by name in
 * one issue on the whole list, so the message names the env variable (`INCLUDE_ENTITIES (filters…)`).
 */
const entries = (re: RegExp, noun: string, example: string) =>
  z.preprocess(
    splitList,
    z
      .array(z.string({ error: `expected a list of ${noun}` }), { error: `expected a list of ${noun}` })
      .max(1000, 'at most 1000 entries')
      .superRefine((list, ctx) => {
        const bad = list.filter((entry) => entry.length > MAX_ENTRY || !re.test(entry));
        if (bad.length === 0) return;
        const shown = bad.slice(0, 5).map((b) => JSON.stringify(b.length > 64 ? `${b.slice(0, 64)}…` : b));
        const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
        ctx.addIssue({
          code: 'custom',
          message: `bad ${bad.length === 1 ? 'entry' : 'entries'} ${shown.join(', ')}${more}: expected ${noun}, e.g. ${example}`,
        });
      })
      .default([]),
  );

const FilterSetSchema = (side: 'INCLUDE' | 'EXCLUDE') =>
  z
    .strictObject({
      domains: entries(DOMAIN_RE, 'domains', '`sensor`, `binary_sensor` (lower-case letters, digits, _)').describe(
        `Domains (${side}_DOMAINS, comma-separated)`,
      ),
      entities: entries(
        ENTITY_RE,
        'entity ids or globs',
        '`sensor.kitchen_temperature` or `sensor.*_battery` (domain.object_id, lower-case, `*` and `?` as wildcards)',
      ).describe(`Entity ids, or globs with \`*\`/\`?\` like \`sensor.*_battery\` (${side}_ENTITIES, comma-separated)`),
      eventTypes: entries(
        EVENT_TYPE_RE,
        'event types',
        '`call_service`, `automation_triggered` (letters, digits, _ . : -)',
      ).describe(`Event types (${side}_EVENT_TYPES, comma-separated)`),
    })
    .prefault({});

/**
 * `filters:` — which events are kept, with Home Assistant's entity-filter rules: an excluded event is
 * dropped; when any include list is set, an event must match one of them. See the README, "Filtering".
 */
export const FiltersSchema = z
  .strictObject({
    include: FilterSetSchema('INCLUDE').describe('Keep only events matching one of these (when any is set)'),
    exclude: FilterSetSchema('EXCLUDE').describe('Drop events matching any of these (wins over include)'),
  })
  .prefault({})
  .describe('Include/exclude filters, applied first (before validation, dedupe and enrichment)');

/** The resolved `filters:` section. */
export type FiltersConfig = z.output<typeof FiltersSchema>;

/**
 * Core's filter rules for the configured filters, or `undefined` when none is set (no stage at all).
 * An entity entry with `*` or `?` is a glob; every other one is an exact id (a Set lookup).
 */
export function filterRulesOf(filters: FiltersConfig): FilterRules | undefined {
  const include = filterSetOf(filters.include);
  const exclude = filterSetOf(filters.exclude);
  if (include === undefined && exclude === undefined) return undefined;
  return { ...(include === undefined ? {} : { include }), ...(exclude === undefined ? {} : { exclude }) };
}

// --- internal ---

function filterSetOf(set: FiltersConfig['include']): FilterSet | undefined {
  if (set.domains.length + set.entities.length + set.eventTypes.length === 0) return undefined;
  const isGlob = (entry: string) => entry.includes('*') || entry.includes('?');
  return {
    domains: set.domains,
    entities: set.entities.filter((e) => !isGlob(e)),
    entity_globs: set.entities.filter(isGlob),
    event_types: set.eventTypes,
  };
}
