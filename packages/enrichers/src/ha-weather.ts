import { z } from 'zod';
import { ErrorCode, defineEnricher, toSdkError } from '@ha-ingestor/core';
import type { StageContext } from '@ha-ingestor/core';

const ENRICHER_NAME = 'ha-weather';
const UNUSABLE = new Set(['unavailable', 'unknown', '']);

/** Options of {@link haWeather}. */
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
/** Options of {@link haWeather} as a user writes them. */
export type HaWeatherOptions = z.input<typeof HaWeatherOptionsSchema>;
/** Options of {@link haWeather} with every default applied. */
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

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'haWeather()': keyof HaWeatherAdded;
  }
}

/** A state read once at start (e.g. from HA's `get_states`), so context is there before the entity changes. */
export interface SeedState {
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Epoch µs. */
  readonly last_updated: number;
}

/** Hooks of {@link haWeather} and `haCalendar`. */
export interface HaStateSeedHooks {
  /** Reads an entity's current state at start; a rejection is reported and the enricher starts empty. */
  readonly initialState?: ((entityId: string, signal: AbortSignal) => Promise<SeedState | undefined>) | undefined;
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
  create: (opts, hooks: HaStateSeedHooks) => {
    let current: HaWeatherContext | undefined;
    let currentAdded: HaWeatherAdded = {};
    const NONE: HaWeatherAdded = Object.freeze({});
    const apply = (event: HaWeatherInput) => {
      // Out-of-order (backfilled) states never replace a newer one.
      if (current === undefined || event.time_fired >= current.updated_at) {
        current = toWeather(event);
        currentAdded = current === undefined ? NONE : Object.freeze({ weather: current });
      }
    };
    return {
      start: async (ctx) => {
        const seed = await readSeed(hooks, opts.entityId, ctx, ENRICHER_NAME);
        if (seed !== undefined)
          apply({
            entity_id: opts.entityId,
            state: seed.state,
            attributes: seed.attributes,
            time_fired: seed.last_updated,
          });
      },
      enrich: (event: HaWeatherInput): HaWeatherAdded => {
        if (event.entity_id === opts.entityId && event.state !== undefined) apply(event);
        if (current === undefined) return NONE;
        if (opts.maxAgeMs !== undefined && event.time_fired - current.updated_at > opts.maxAgeMs * 1000) return NONE;
        return currentAdded;
      },
    };
  },
});

/** Calls the `initialState` hook; failures are reported (never thrown) so the pipeline still starts. */
export async function readSeed(
  hooks: HaStateSeedHooks | undefined,
  entityId: string,
  ctx: StageContext,
  stage: string,
): Promise<SeedState | undefined> {
  if (hooks?.initialState === undefined) return undefined;
  try {
    return await hooks.initialState(entityId, ctx.signal);
  } catch (error) {
    ctx.report(toSdkError(error, ErrorCode.CONNECTION_LOST, stage));
    return undefined;
  }
}

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
