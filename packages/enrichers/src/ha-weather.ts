import { z } from 'zod';
import { defineEnricher } from '@ha-ingestor/core';

const ENRICHER_NAME = 'ha-weather';
const UNUSABLE = new Set(['unavailable', 'unknown', '']);

export const HaWeatherOptionsSchema = z.object({
  entityId: z
    .string()
    .regex(/^weather\.[a-z0-9_]+$/, 'Must be a weather.* entity id')
    .describe('The weather.* entity whose latest state is attached, e.g. weather.home'),
  maxAgeMs: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Stop attaching the weather when its last update is older than this (event time); omitted → no limit'),
});
export type HaWeatherOptions = z.input<typeof HaWeatherOptionsSchema>;
export type ResolvedHaWeatherOptions = z.output<typeof HaWeatherOptionsSchema>;

/** The weather context attached to events: HA's weather entity state and attributes. */
export interface HaWeatherContext {
  /** HA's condition (the state), e.g. `sunny`, `rainy`, `partlycloudy`. */
  readonly condition: string;
  readonly temperature?: number;
  readonly humidity?: number;
  readonly pressure?: number;
  readonly wind_speed?: number;
  readonly wind_bearing?: number;
  /** Units as HA reports them on the entity. */
  readonly temperature_unit?: string;
  readonly pressure_unit?: string;
  readonly wind_speed_unit?: string;
  /** Event time (epoch µs) of the weather state. */
  readonly updated_at: number;
}

/** Fields added by {@link haWeather}. */
export interface HaWeatherAdded {
  readonly weather?: HaWeatherContext;
}

/** What {@link haWeather} reads. */
export interface HaWeatherInput {
  readonly time_fired: number;
  readonly entity_id?: string;
  /** Any type: an earlier enricher (unitNormalize) may have made it a number. */
  readonly state?: unknown;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/**
 * Attaches the latest state of a weather.* entity, as seen in the event stream, to every event: no
 * API key, no polling. Events before the first weather state (or while it is unavailable) pass without it.
 *
 * @example
 * pipeline(source).use(haWeather({ entityId: 'weather.home' })).to(sink);
 */
export const haWeather = defineEnricher({
  name: ENRICHER_NAME,
  options: HaWeatherOptionsSchema,
  create: (opts) => {
    let current: HaWeatherContext | undefined;
    let currentAdded: HaWeatherAdded = {};
    const NONE: HaWeatherAdded = Object.freeze({});
    return {
      enrich: (event: HaWeatherInput): HaWeatherAdded => {
        if (event.entity_id === opts.entityId && event.state !== undefined) {
          // Out-of-order (backfilled) states never replace a newer one.
          if (current === undefined || event.time_fired >= current.updated_at) {
            current = toWeather(event);
            currentAdded = current === undefined ? NONE : Object.freeze({ weather: current });
          }
        }
        if (current === undefined) return NONE;
        if (opts.maxAgeMs !== undefined && event.time_fired - current.updated_at > opts.maxAgeMs * 1000) return NONE;
        return currentAdded;
      },
    };
  },
});

// --- internal ---

function toWeather(event: HaWeatherInput): HaWeatherContext | undefined {
  const state = event.state;
  if (typeof state !== 'string' || UNUSABLE.has(state)) return undefined;
  const a = event.attributes ?? {};
  const out: Record<string, unknown> = { condition: state, updated_at: event.time_fired };
  for (const key of ['temperature', 'humidity', 'pressure', 'wind_speed', 'wind_bearing'] as const) {
    const v = a[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  for (const key of ['temperature_unit', 'pressure_unit', 'wind_speed_unit'] as const) {
    const v = a[key];
    if (typeof v === 'string') out[key] = v;
  }
  return Object.freeze(out) as unknown as HaWeatherContext;
}
