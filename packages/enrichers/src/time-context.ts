import { z } from 'zod';
import { defineEnricher, registryCapability } from '@ha-ingestor/core';
import type { RegistryProvider } from '@ha-ingestor/core';
import { isValidTimeZone, localTime, seasonOf, WEEKDAYS } from './local-time.js';
import type { LocalTime, Season, Weekday } from './local-time.js';

const ENRICHER_NAME = 'time-context';
const SUN_ENTITY = 'sun.sun';
/** sun.sun transitions remembered for events that arrive out of order (backfill). */
const MAX_SUN_TRANSITIONS = 64;

/** Part of the local day, cut at the hours in the options. */
export type PartOfDay = 'night' | 'morning' | 'afternoon' | 'evening';

const hourOfDay = z.number().int().min(0).max(23);

/** Options of {@link timeContext}. */
export const TimeContextOptionsSchema = z.object({
  timeZone: z
    .string()
    .refine(isValidTimeZone, { message: 'Unknown IANA time zone' })
    .optional()
    .describe("IANA time zone; when omitted, HA's time_zone from the registry's get_config, else UTC"),
  latitude: z
    .number()
    .min(-90)
    .max(90)
    .optional()
    .describe("Latitude for the hemisphere of `season`; when omitted, HA's latitude from get_config, else northern"),
  season: z
    .enum(['meteorological', 'astronomical'])
    .default('meteorological')
    .describe('meteorological: whole months (Mar–May spring …); astronomical: from Mar 20, Jun 21, Sep 22, Dec 21'),
  partOfDay: z
    .object({
      morning: hourOfDay.default(6).describe('Hour at which morning starts'),
      afternoon: hourOfDay.default(12).describe('Hour at which afternoon starts'),
      evening: hourOfDay.default(18).describe('Hour at which evening starts'),
      night: hourOfDay.default(22).describe('Hour at which night starts (night runs until morning)'),
    })
    .refine((p) => p.morning < p.afternoon && p.afternoon < p.evening && p.evening < p.night, {
      message: 'Boundaries must increase: morning < afternoon < evening < night',
    })
    .prefault({})
    .describe('Part-of-day boundaries in local hours'),
  weekendDays: z.array(z.enum(WEEKDAYS)).default(['saturday', 'sunday']).describe('Days counted as weekend'),
});
/** Options of {@link timeContext} as a user writes them. */
export type TimeContextOptions = z.input<typeof TimeContextOptionsSchema>;
/** Options of {@link timeContext} with every default applied. */
export type ResolvedTimeContextOptions = z.output<typeof TimeContextOptionsSchema>;

/**
 * Hooks of {@link timeContext}: the registry provides HA's time zone and latitude (get_config). Left out,
 * the pipeline's registry is used when it has one (the WebSocket source's); none at all means UTC and the
 * northern hemisphere unless `timeZone`/`latitude` are set.
 */
export interface TimeContextHooks {
  readonly registry?: RegistryProvider | undefined;
}

/** What time context reads: the event time, and sun.sun state changes for `daylight`. */
export interface TimeContextInput {
  /** Epoch µs (HA's event time). */
  readonly time_fired: number;
  readonly entity_id?: string;
  /** Any type: an earlier enricher (unitNormalize) may have made it a number. */
  readonly state?: unknown;
}

/** Fields added by {@link timeContext}. */
export interface TimeContextAdded {
  /** Local hour 0–23 in HA's time zone. */
  readonly hour: number;
  readonly weekday: Weekday;
  readonly weekend: boolean;
  readonly part_of_day: PartOfDay;
  readonly season: Season;
  /** From sun.sun (above_horizon) at the event's time; absent until a sun.sun state was seen. */
  readonly daylight?: boolean;
}

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'timeContext()': keyof TimeContextAdded;
  }
}

/**
 * Adds local time context in HA's time zone: hour, weekday, weekend, part of day, season and daylight
 * (from sun.sun when it is in the stream). Synchronous and cheap (cached formatters, memoised per minute).
 *
 * @example
 * pipeline(haWebSocketSource({ url, token })).use(timeContext({ season: 'astronomical' })).to(sink);
 */
export const timeContext = defineEnricher({
  name: ENRICHER_NAME,
  options: TimeContextOptionsSchema,
  create: (opts, hooks: TimeContextHooks) => {
    // An optional consumer (issue 12): the hook wins; else the pipeline's registry, if any, taken at start.
    let registry = hooks?.registry;
    const weekend = new Set<Weekday>(opts.weekendDays);
    const p = opts.partOfDay;
    const partOfDay = (h: number): PartOfDay =>
      h >= p.night || h < p.morning ? 'night' : h < p.afternoon ? 'morning' : h < p.evening ? 'afternoon' : 'evening';
    // Sorted by time: [time µs, above_horizon]. Lookup by event time keeps backfilled events right.
    const sun: [number, boolean][] = [];

    const recordSun = (time: number, state: unknown) => {
      if (state !== 'above_horizon' && state !== 'below_horizon') return;
      const up = state === 'above_horizon';
      let i = sun.length;
      while (i > 0 && (sun[i - 1] as [number, boolean])[0] > time) i--;
      sun.splice(i, 0, [time, up]);
      if (sun.length > MAX_SUN_TRANSITIONS) sun.shift();
    };
    const daylightAt = (time: number): boolean | undefined => {
      for (let i = sun.length - 1; i >= 0; i--) {
        const entry = sun[i] as [number, boolean];
        if (entry[0] <= time) return entry[1];
      }
      return undefined;
    };

    // Issue 14: events cluster in time, so the fields of the last (local minute, latitude, daylight) are
    // handed out again (frozen: every event of that minute shares them) instead of being rebuilt per event.
    let last: { t: LocalTime; latitude: number; daylight: boolean | undefined; out: TimeContextAdded } | undefined;
    const enrich = (event: TimeContextInput): TimeContextAdded => {
      if (event.entity_id === SUN_ENTITY) recordSun(event.time_fired, event.state);
      const config = registry?.snapshot().config;
      const timeZone = opts.timeZone ?? validZone(config?.time_zone) ?? 'UTC';
      const latitude = opts.latitude ?? config?.latitude ?? 0;
      const t = localTime(Math.floor(event.time_fired / 1000), timeZone);
      const daylight = daylightAt(event.time_fired);
      if (last !== undefined && last.t === t && last.latitude === latitude && last.daylight === daylight)
        return last.out;
      const weekday = WEEKDAYS[t.isoWeekday - 1] ?? 'monday';
      const fields = {
        hour: t.hour,
        weekday,
        weekend: weekend.has(weekday),
        part_of_day: partOfDay(t.hour),
        season: seasonOf(t.month, t.day, latitude, opts.season),
      };
      const out = Object.freeze(daylight === undefined ? fields : { ...fields, daylight });
      last = { t, latitude, daylight, out };
      return out;
    };
    if (registry !== undefined) return { enrich };
    return {
      enrich,
      start: (ctx) => {
        registry = ctx.capability?.(registryCapability);
      },
    };
  },
});

// --- internal ---

const checkedZones = new Map<string, boolean>();

function validZone(zone: string | undefined): string | undefined {
  if (zone === undefined || zone === '') return undefined;
  let ok = checkedZones.get(zone);
  if (ok === undefined) {
    ok = isValidTimeZone(zone);
    checkedZones.set(zone, ok);
  }
  return ok ? zone : undefined;
}
