import { z } from 'zod';
import { parseOptions } from '@ha-ingestor/core';
import { polledContext } from '../polled-context.js';
import type { PolledContextEnricher } from '../polled-context.js';
import { locationsOption, pollShape, trimBase } from './common.js';
import type { PresetHooks } from './common.js';

const NAME = 'air_quality';

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'openWeatherMapAir()': typeof NAME;
  }
}

/** Options of {@link openWeatherMapAir}. */
export const OpenWeatherMapAirOptionsSchema = z.object({
  apiKey: z.string().min(1).describe('OpenWeatherMap API key (sent as appid; never logged)'),
  baseUrl: z
    .url()
    .default('https://api.openweathermap.org')
    .describe('API base URL (tests point it at a local server)'),
  locations: locationsOption,
  ...pollShape({ intervalMs: 1_800_000, maxStaleMs: 7_200_000 }),
});
/** Options of {@link openWeatherMapAir} as a user writes them. */
export type OpenWeatherMapAirOptions = z.input<typeof OpenWeatherMapAirOptionsSchema>;

/** Current air pollution from OpenWeatherMap; concentrations in μg/m³. */
export interface OpenWeatherMapAirContext {
  /** OpenWeatherMap's index: 1 Good, 2 Fair, 3 Moderate, 4 Poor, 5 Very Poor. */
  readonly aqi: number;
  readonly pm2_5?: number;
  readonly pm10?: number;
  readonly o3?: number;
  readonly no2?: number;
  readonly so2?: number;
  readonly co?: number;
  /** Observation time (epoch ms). */
  readonly observed_at: number;
}

/** The documented shape of `/data/2.5/air_pollution`. */
export const OpenWeatherMapAirResponseSchema = z.object({
  list: z.array(
    z.object({
      dt: z.number(),
      main: z.object({ aqi: z.number().int().min(1).max(5) }),
      components: z.record(z.string(), z.number()).default({}),
    }),
  ),
});

const COMPONENTS = ['pm2_5', 'pm10', 'o3', 'no2', 'so2', 'co'] as const;

/**
 * OpenWeatherMap air pollution (`/data/2.5/air_pollution?lat&lon&appid`) attached as `air_quality`.
 *
 * @example
 * pipeline(haWebSocketSource({ url, token })).use(openWeatherMapAir({ apiKey: process.env.OWM_KEY ?? '' })).to(sink); // HA's coordinates from the source's registry
 */
export function openWeatherMapAir(
  options: OpenWeatherMapAirOptions,
  hooks: PresetHooks = {},
): PolledContextEnricher<typeof NAME, OpenWeatherMapAirContext> {
  const o = parseOptions(OpenWeatherMapAirOptionsSchema, options, NAME);
  return polledContext(
    {
      name: NAME,
      url: `${trimBase(o.baseUrl)}/data/2.5/air_pollution?lat={lat}&lon={lon}&appid={apiKey}`,
      apiKey: o.apiKey,
      locations: o.locations,
      intervalMs: o.intervalMs,
      timeoutMs: o.timeoutMs,
      maxStaleMs: o.maxStaleMs,
      startWaitMs: o.startWaitMs,
      breaker: o.breaker,
    },
    {
      ...hooks,
      schema: OpenWeatherMapAirResponseSchema,
      select: (d): OpenWeatherMapAirContext | undefined => {
        const first = d.list[0];
        if (first === undefined) return undefined;
        const out: Record<string, unknown> = { aqi: first.main.aqi, observed_at: first.dt * 1000 };
        for (const c of COMPONENTS) if (first.components[c] !== undefined) out[c] = first.components[c];
        return out as unknown as OpenWeatherMapAirContext;
      },
    },
  );
}
