import { z } from 'zod';
import { defineEnricher } from '@ha-ingestor/core';
import { readSeed } from './ha-weather.js';
import type { HaStateSeedHooks } from './ha-weather.js';

const ENRICHER_NAME = 'ha-calendar';

/** Options of {@link haCalendar}. */
export const HaCalendarOptionsSchema = z.object({
  entityIds: z
    .array(z.string().regex(/^calendar\.[a-z0-9_]+$/, 'Must be a calendar.* entity id'))
    .min(1)
    .describe('calendar.* entities to follow; the first busy one (in this order) provides the event details'),
});
/** Options of {@link haCalendar} as a user writes them. */
export type HaCalendarOptions = z.input<typeof HaCalendarOptionsSchema>;
/** Options of {@link haCalendar} with every default applied. */
export type ResolvedHaCalendarOptions = z.output<typeof HaCalendarOptionsSchema>;

/** The calendar context attached to events. */
export interface HaCalendarContext {
  /** True while any followed calendar has an event in progress (state `on`). */
  readonly busy: boolean;
  /** Calendars whose state is `on`, in option order. */
  readonly active: readonly string[];
  /** The current event of the first active calendar. */
  readonly message?: string;
  readonly location?: string;
  readonly start_time?: string;
  readonly end_time?: string;
  readonly all_day?: boolean;
}

/** Fields added by {@link haCalendar}. */
export interface HaCalendarAdded {
  readonly calendar?: HaCalendarContext;
}

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'haCalendar()': keyof HaCalendarAdded;
  }
}

/** What {@link haCalendar} reads. */
export interface HaCalendarInput {
  /** Required so that TypeScript's weak-type check accepts every HA event shape. */
  readonly event_type: string;
  readonly entity_id?: string;
  /** Any type: an earlier enricher (unitNormalize) may have made it a number. */
  readonly state?: unknown;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

interface CalendarState {
  readonly on: boolean;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Attaches the current state of calendar.* entities, as seen in the event stream, to every event:
 * busy (HA's state `on`), the current event's message and times. No API key. Before any followed
 * calendar has been seen, events pass without `calendar`.
 *
 * @example
 * pipeline(source).use(haCalendar({ entityIds: ['calendar.work', 'calendar.family'] })).to(sink);
 */
export const haCalendar = defineEnricher({
  name: ENRICHER_NAME,
  options: HaCalendarOptionsSchema,
  create: (opts, hooks: HaStateSeedHooks) => {
    const followed = new Set(opts.entityIds);
    const states = new Map<string, CalendarState>();
    let added: HaCalendarAdded = Object.freeze({});

    const rebuild = () => {
      if (states.size === 0) {
        added = Object.freeze({});
        return;
      }
      const active = opts.entityIds.filter((id) => states.get(id)?.on === true);
      const first = active[0] === undefined ? undefined : states.get(active[0]);
      const ctx: Record<string, unknown> = { busy: active.length > 0, active: Object.freeze(active) };
      if (first) {
        for (const key of ['message', 'location', 'start_time', 'end_time'] as const) {
          const v = first.attributes[key];
          if (typeof v === 'string' && v !== '') ctx[key] = v;
        }
        if (typeof first.attributes['all_day'] === 'boolean') ctx['all_day'] = first.attributes['all_day'];
      }
      added = Object.freeze({ calendar: Object.freeze(ctx) as unknown as HaCalendarContext });
    };

    const apply = (id: string, state: unknown, attributes: Readonly<Record<string, unknown>> | undefined) => {
      if (state === 'on' || state === 'off') states.set(id, { on: state === 'on', attributes: attributes ?? {} });
      // unavailable / unknown / removed: this calendar no longer says anything.
      else states.delete(id);
      rebuild();
    };

    return {
      start: async (ctx) => {
        for (const id of opts.entityIds) {
          const seed = await readSeed(hooks, id, ctx, ENRICHER_NAME);
          if (seed !== undefined && !states.has(id)) apply(id, seed.state, seed.attributes);
        }
      },
      enrich: (event: HaCalendarInput): HaCalendarAdded => {
        const id = event.entity_id;
        if (id !== undefined && followed.has(id) && event.state !== undefined) apply(id, event.state, event.attributes);
        return added;
      },
    };
  },
});
