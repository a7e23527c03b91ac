import type { FieldProviders } from '@ha-ingestor/core';
import { MAX_CONTEXT_FIELDS_PER_PROPERTY } from '@ha-ingestor/sink-influx';
import { z } from 'zod';
import { splitList } from './config-values.js';
import type { EnricherName } from './enrichers-schema.js';

/**
 * Which enricher context the InfluxDB sink writes (issue 13): the sink's `schema.contextFields`, derived
 * from `ENRICHERS` unless `INFLUXDB_CONTEXT_FIELDS` (`influx.contextFields`) says otherwise. Without it a
 * user who selects enrichers with InfluxDB would find none of their context stored.
 */

/**
 * The event properties each enricher adds that the schemas do not already map. `registry` (tags of the
 * `entity` schema) and `units` (the state and unit themselves) add none. The types tie each list to what
 * the enricher declares, so a renamed property fails to compile here.
 */
export const CONTEXT_FIELDS_BY_ENRICHER: { readonly [N in EnricherName]: readonly string[] } = {
  registry: [],
  time: ['hour', 'weekday', 'weekend', 'part_of_day', 'season', 'daylight'] satisfies FieldProviders['timeContext()'][],
  units: [],
  ha_weather: ['weather'] satisfies FieldProviders['haWeather()'][],
  ha_calendar: ['calendar'] satisfies FieldProviders['haCalendar()'][],
  openweathermap: ['owm_weather'] satisfies FieldProviders['openWeatherMap()'][],
  openweathermap_air: ['air_quality'] satisfies FieldProviders['openWeatherMapAir()'][],
  carbon_intensity_uk: ['carbon_intensity'] satisfies FieldProviders['carbonIntensityUk()'][],
  octopus_agile: ['electricity_price'] satisfies FieldProviders['octopusAgile()'][],
};

/** `none`: write no context at all. */
const NONE = 'none';
const MAX_NAMES = 32;

/**
 * `influx.contextFields` / `INFLUXDB_CONTEXT_FIELDS`: a comma list of event properties, or `none`; unset →
 * derived from the enrichers (see {@link influxContextFields}).
 */
export const ContextFieldsSchema = z
  .preprocess(
    splitList,
    z
      .array(z.string().min(1).max(64, 'expected property names of at most 64 characters'), {
        error: 'expected a comma-separated list of event properties, or none',
      })
      .max(MAX_NAMES, `expected at most ${MAX_NAMES} names`)
      .superRefine((names, ctx) => {
        const seen = new Set<string>();
        for (const name of names) {
          if (name === NONE && names.length > 1)
            ctx.addIssue({ code: 'custom', message: '"none" turns context fields off; list it alone' });
          else if (name === 'time')
            ctx.addIssue({ code: 'custom', message: 'InfluxDB drops a field named "time"; it cannot be listed' });
          else if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is listed twice` });
          seen.add(name);
        }
      })
      .optional(),
  )
  .describe(
    `Enricher context written as fields of state points (INFLUXDB_CONTEXT_FIELDS): event properties, comma-separated (an object is flattened one level, \`weather_temperature\`, at most ${MAX_CONTEXT_FIELDS_PER_PROPERTY} per property), or \`none\`; unset = what the selected enrichers add (time → hour, weekday, weekend, part_of_day, season, daylight; ha_weather → weather; …)`,
  );

/** The sink's `contextFields`: the override when set (`none` → none), else what the selected enrichers add. */
export function influxContextFields(
  override: readonly string[] | undefined,
  enrichers: readonly EnricherName[],
): string[] {
  if (override !== undefined) return override.length === 1 && override[0] === NONE ? [] : [...override];
  const out: string[] = [];
  for (const name of enrichers) for (const field of CONTEXT_FIELDS_BY_ENRICHER[name]) out.push(field);
  return [...new Set(out)];
}
