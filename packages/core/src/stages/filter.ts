import type { AckGroup } from '../runtime/ack.js';
import type { StageBatch, StageEnv, StageRunner } from './stage.js';
import { errorMessage } from '../model/errors.js';

/** Include/exclude rules, like HA's entity filter plus event types. Exclude wins over include. */
export interface FilterRules {
  readonly include?: FilterSet;
  readonly exclude?: FilterSet;
}
/** One side (include or exclude) of {@link FilterRules}: an event matches when any list matches it. */
export interface FilterSet {
  readonly domains?: readonly string[];
  readonly entities?: readonly string[];
  /** Globs on entity_id: `*` any run, `?` one character (e.g. `sensor.*_temperature`). */
  readonly entity_globs?: readonly string[];
  readonly event_types?: readonly string[];
}

/**
 * Compiles include/exclude rules into one predicate, with HA's entity-filter semantics: exclude wins;
 * with include rules present, an event must match one of them. Non-state events match on event_type,
 * and on `data.entity_id` / `data.domain` when present.
 */
export function compileFilterRules(rules: FilterRules): (event: unknown) => boolean {
  const include = rules.include ? compileSet(rules.include) : undefined;
  const exclude = rules.exclude ? compileSet(rules.exclude) : undefined;
  // One scratch record per compiled filter, refilled for each event (the predicate is synchronous): no
  // allocation per event.
  const facts: Facts = { eventType: undefined, entityId: undefined, domain: undefined };
  return (event) => {
    readFacts(event, facts);
    if (exclude?.(facts)) return false;
    if (include) return include(facts);
    return true;
  };
}

/** Converts a glob (`*` any run, `?` one character) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/**
 * The filter stage: keeps events the predicate accepts, drops the rest as `filtered`. A predicate that
 * throws is reported and its event dead-lettered (`filter_error`), never lost silently.
 */
export function filterStage(name: string, predicate: (event: unknown) => boolean): StageRunner {
  return {
    name,
    run: (batch: StageBatch, env: StageEnv) => {
      const { events, groups } = batch;
      let w = 0;
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        const group = groups[i] as AckGroup;
        let keep: boolean;
        try {
          keep = predicate(event);
        } catch (error) {
          env.ctx.report(error);
          env.ctx.deadLetter({ stage: name, reason: 'filter_error', message: errorMessage(error), raw: event });
          env.drop(group, 'filter_error');
          continue;
        }
        if (!keep) {
          env.drop(group, 'filtered');
          continue;
        }
        events[w] = event;
        groups[w] = group;
        w++;
      }
      events.length = w;
      groups.length = w;
    },
  };
}

// --- internal ---

interface Facts {
  eventType: string | undefined;
  entityId: string | undefined;
  domain: string | undefined;
}

/** Fills `facts` (every field) from `event`. */
function readFacts(event: unknown, facts: Facts): void {
  facts.eventType = undefined;
  facts.entityId = undefined;
  facts.domain = undefined;
  if (event === null || typeof event !== 'object') return;
  const e = event as Record<string, unknown>;
  const rawData = e['data'];
  const data = typeof rawData === 'object' && rawData !== null ? (rawData as Record<string, unknown>) : undefined;
  const entityId =
    typeof e['entity_id'] === 'string'
      ? e['entity_id']
      : typeof data?.['entity_id'] === 'string'
        ? data['entity_id']
        : undefined;
  const domain = e['domain'];
  const dot = entityId === undefined ? -1 : entityId.indexOf('.');
  facts.eventType = typeof e['event_type'] === 'string' ? e['event_type'] : undefined;
  facts.entityId = entityId;
  facts.domain =
    typeof domain === 'string'
      ? domain
      : entityId !== undefined && dot >= 0
        ? entityId.slice(0, dot)
        : typeof data?.['domain'] === 'string'
          ? data['domain']
          : undefined;
}

/** Glob results remembered per entity id (entities are few; the cap bounds hostile input). */
const GLOB_MEMO_MAX = 10_000;

function compileSet(set: FilterSet): (facts: Facts) => boolean {
  const domains = new Set(set.domains ?? []);
  const entities = new Set(set.entities ?? []);
  const globs = (set.entity_globs ?? []).map(globToRegExp);
  const types = new Set(set.event_types ?? []);
  const memo = new Map<string, boolean>();
  const globMatch = (entityId: string): boolean => {
    if (globs.length === 0) return false;
    let hit = memo.get(entityId);
    if (hit === undefined) {
      hit = globs.some((g) => g.test(entityId));
      if (memo.size >= GLOB_MEMO_MAX) memo.clear();
      memo.set(entityId, hit);
    }
    return hit;
  };
  return (f) =>
    (f.domain !== undefined && domains.has(f.domain)) ||
    (f.entityId !== undefined && (entities.has(f.entityId) || globMatch(f.entityId))) ||
    (f.eventType !== undefined && types.has(f.eventType));
}
