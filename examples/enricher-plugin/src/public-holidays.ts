import { z } from 'zod';
import { defineEnricher, registryCapability } from '@ha-ingestor/core';
import type { RegistryProvider } from '@ha-ingestor/core';
import { COUNTRIES, holidaysOf } from './holiday-rules.js';

const ENRICHER_NAME = 'public-holidays';

export const PublicHolidaysOptionsSchema = z.object({
  country: z.enum(COUNTRIES).describe('Whose public holidays: DE, NL or GB-ENG (England & Wales)'),
  timeZone: z
    .string()
    .refine(isTimeZone, { message: 'Unknown IANA time zone' })
    .optional()
    .describe(
      "IANA time zone of the local date; when omitted, HA's time_zone from the registry (hook or pipeline), else UTC",
    ),
  extra: z
    .array(
      z.object({
        date: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD')
          .describe('Local date'),
        name: z.string().min(1).describe('Name of the holiday'),
      }),
    )
    .default([])
    .describe('Additional one-off holidays (e.g. a royal jubilee), or local ones'),
});
export type PublicHolidaysOptions = z.input<typeof PublicHolidaysOptionsSchema>;

/** Optional hooks: a registry provider gives HA's time zone (from get_config); left out, the pipeline's registry, if any. */
export interface PublicHolidaysHooks {
  readonly registry?: RegistryProvider;
}

/** What the enricher reads: only the event time (epoch µs). */
export interface PublicHolidaysInput {
  readonly time_fired: number;
}

/** Fields added to every event. */
export interface PublicHolidaysAdded {
  /** True when the event's local date is a public holiday. */
  readonly holiday: boolean;
  /** The holiday's name, when it is one. */
  readonly holiday_name?: string;
}

/**
 * Marks every event with whether its local date is a public holiday. Synchronous, no network: holidays
 * are computed from rules (fixed dates, Easter-based dates, nth weekday) once per year and cached.
 *
 * @example
 * pipeline(haWebSocketSource({ url, token })).use(publicHolidays({ country: 'NL' })).to(sink);
 */
export const publicHolidays = defineEnricher({
  name: ENRICHER_NAME,
  options: PublicHolidaysOptionsSchema,
  create: (opts, hooks: PublicHolidaysHooks) => {
    const years = new Map<number, ReadonlyMap<string, string>>();
    const extra = new Map(opts.extra.map((e) => [e.date, e.name] as const));
    const NOT_HOLIDAY: PublicHolidaysAdded = Object.freeze({ holiday: false });
    let lastKey = '';
    let lastResult: PublicHolidaysAdded = NOT_HOLIDAY;
    // The hook wins; without it, the registry the pipeline provides (the WebSocket source's), read at start.
    let registry = hooks?.registry;

    const lookup = (date: string): PublicHolidaysAdded => {
      const year = Number(date.slice(0, 4));
      let table = years.get(year);
      if (table === undefined) {
        table = holidaysOf(opts.country, year);
        years.set(year, table);
      }
      const name = extra.get(date) ?? table.get(date);
      return name === undefined ? NOT_HOLIDAY : Object.freeze({ holiday: true, holiday_name: name });
    };

    return {
      start: (ctx) => {
        registry ??= ctx.capability?.(registryCapability);
      },
      enrich: (event: PublicHolidaysInput): PublicHolidaysAdded => {
        const timeZone = opts.timeZone ?? registry?.snapshot().config?.time_zone ?? 'UTC';
        const date = localDate(Math.floor(event.time_fired / 1000), timeZone);
        const key = `${timeZone}|${date}`;
        if (key !== lastKey) {
          lastKey = key;
          lastResult = lookup(date);
        }
        return lastResult;
      },
    };
  },
});

// --- internal ---

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of an instant in a time zone (en-CA formats dates that way). Unknown zones fall back to UTC. */
function localDate(epochMs: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      f = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
    }
    formatters.set(timeZone, f);
  }
  return f.format(epochMs);
}
