import { z } from 'zod';
import { parseOptions } from '@ha-ingestor/core';
import { polledContext } from '../polled-context.js';
import type { PolledContextEnricher } from '../polled-context.js';
import { locationsOption, pollShape, trimBase } from './common.js';
import type { PresetHooks } from './common.js';

const NAME = 'owm_weather';

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'openWeatherMap()': typeof NAME;
  }
}

/** Options of {@link openWeatherMap}. */
export const OpenWeatherMapOptionsSchema = z.object({
  apiKey: z.string().min(1).describe('OpenWeatherMap API key (sent as appid; never logged)'),
  baseUrl: z
    .url()
    .default('https://api.openweathermap.org')
    .describe('API base URL (tests point it at a local server)'),
  lang: z.string().min(2).max(5).optional().describe('Language of `description`, e.g. en, de'),
  locations: locationsOption,
  ...pollShape({ intervalMs: 600_000, maxStaleMs: 3_600_000 }),
});
/** Options of {@link openWeatherMap} as a user writes them. */
export type OpenWeatherMapOptions = z.input<typeof OpenWeatherMapOptionsSchema>;

/** Current weather from OpenWeatherMap (metric units: °C, hPa, m/s). */
export interface OpenWeatherMapContext {
  readonly temperature: number;
  readonly feels_like?: number;
  readonly humidity: number;
  /** Sea-level pressure, hPa. */
  readonly pressure: number;
  readonly wind_speed?: number;
  /** Wind direction, degrees. */
  readonly wind_deg?: number;
  readonly wind_gust?: number;
  /** Cloudiness, %. */
  readonly clouds?: number;
  /** OpenWeatherMap's group, e.g. Rain, Clear, Clouds. */
  readonly condition?: string;
  readonly description?: string;
  /** Observation time (epoch ms). */
  readonly observed_at: number;
}

/** The documented shape of `/data/2.5/weather` (fields we use; unknown keys ignored). */
export const OpenWeatherMapResponseSchema = z.object({
  weather: z.array(z.object({ main: z.string(), description: z.string().optional() })).default([]),
  main: z.object({
    temp: z.number(),
    feels_like: z.number().optional(),
    pressure: z.number(),
    humidity: z.number(),
  }),
  wind: z.object({ speed: z.number().optional(), deg: z.number().optional(), gust: z.number().optional() }).optional(),
  clouds: z.object({ all: z.number().optional() }).optional(),
  dt: z.number(),
});

/**
 * OpenWeatherMap current weather (`/data/2.5/weather?lat&lon&appid&units=metric`) attached as `owm_weather`.
 *
 * @example
 * pipeline(haWebSocketSource({ url, token })).use(openWeatherMap({ apiKey: process.env.OWM_KEY ?? '' })).to(sink); // HA's coordinates from the source's registry
 */
export function openWeatherMap(
  options: OpenWeatherMapOptions,
  hooks: PresetHooks = {},
): PolledContextEnricher<typeof NAME, OpenWeatherMapContext> {
  const o = parseOptions(OpenWeatherMapOptionsSchema, options, NAME);
  const lang = o.lang === undefined ? '' : `&lang=${encodeURIComponent(o.lang)}`;
  return polledContext(
    {
      name: NAME,
      url: `${trimBase(o.baseUrl)}/data/2.5/weather?lat={lat}&lon={lon}&appid={apiKey}&units=metric${lang}`,
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
      schema: OpenWeatherMapResponseSchema,
      select: (d): OpenWeatherMapContext => {
        const out: Record<string, unknown> = {
          temperature: d.main.temp,
          humidity: d.main.humidity,
          pressure: d.main.pressure,
          observed_at: d.dt * 1000,
        };
        if (d.main.feels_like !== undefined) out['feels_like'] = d.main.feels_like;
        if (d.wind?.speed !== undefined) out['wind_speed'] = d.wind.speed;
        if (d.wind?.deg !== undefined) out['wind_deg'] = d.wind.deg;
        if (d.wind?.gust !== undefined) out['wind_gust'] = d.wind.gust;
        if (d.clouds?.all !== undefined) out['clouds'] = d.clouds.all;
        const w = d.weather[0];
        if (w) {
          out['condition'] = w.main;
          if (w.description !== undefined) out['description'] = w.description;
        }
        return out as unknown as OpenWeatherMapContext;
      },
    },
  );
}
