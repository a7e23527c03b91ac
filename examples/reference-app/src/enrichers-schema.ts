import { UNIT_GROUPS } from '@ha-ingestor/enrichers';
import { z } from 'zod';
import { flag, optionalRanged, ranged } from './config-values.js';
import { closestName } from './suggest.js';

/**
 * The `enrichers:` block of the app's config (issue 13): `use` selects enrichers by name, in order; one
 * block per enricher (or provider) configures it. Every key is mirrored by an env variable (see
 * ENRICHER_ENV). Kept apart from config-schema.ts so that the enrichment settings read as one unit.
 */

/** Enricher names accepted by `ENRICHERS` / `enrichers.use`. */
export const ENRICHER_NAMES = [
  'registry',
  'time',
  'units',
  'ha_weather',
  'ha_calendar',
  'openweathermap',
  'openweathermap_air',
  'carbon_intensity_uk',
  'octopus_agile',
] as const;
/** One enricher name of {@link ENRICHER_NAMES}. */
export type EnricherName = (typeof ENRICHER_NAMES)[number];

/** Environment variable → config path of every enrichment setting (spread into the app's ENV_MAP). */
export const ENRICHER_ENV: ReadonlyArray<readonly [env: string, path: string]> = [
  ['ENRICHERS', 'enrichers.use'],
  ['UNITS_CONVERT', 'enrichers.units.convert'],
  ['UNITS_DECIMAL_COMMA', 'enrichers.units.decimalComma'],
  ['UNITS_DECIMALS', 'enrichers.units.decimals'],
  ['HA_WEATHER_ENTITY', 'enrichers.haWeather.entity'],
  ['HA_WEATHER_MAX_AGE_MINUTES', 'enrichers.haWeather.maxAgeMinutes'],
  ['HA_CALENDARS', 'enrichers.haCalendar.entities'],
  ['WEATHER_LOCATION', 'enrichers.weather.location'],
  ['WEATHER_CACHE_MINUTES', 'enrichers.weather.cacheMinutes'],
  ['OPENWEATHERMAP_API_KEY', 'enrichers.openWeatherMap.apiKey'],
  ['OPENWEATHERMAP_BASE_URL', 'enrichers.openWeatherMap.baseUrl'],
  ['OPENWEATHERMAP_LANG', 'enrichers.openWeatherMap.lang'],
  ['CARBON_INTENSITY_REGION', 'enrichers.carbonIntensity.region'],
  ['CARBON_INTENSITY_BASE_URL', 'enrichers.carbonIntensity.baseUrl'],
  ['OCTOPUS_AGILE_PRODUCT', 'enrichers.octopusAgile.product'],
  ['OCTOPUS_AGILE_REGION', 'enrichers.octopusAgile.region'],
  ['OCTOPUS_BASE_URL', 'enrichers.octopusAgile.baseUrl'],
];

/** Octopus's grid supply point regions (the letter at the end of a tariff code); I and O are not used. */
export const OCTOPUS_REGIONS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P'] as const;

const DEFAULT_ENRICHERS: EnricherName[] = ['registry', 'time'];

/** Env text → list (comma-separated, `none`/empty = no entries); YAML lists pass through. */
const names = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return parts.length === 1 && parts[0]?.toLowerCase() === 'none' ? [] : parts;
};

const httpUrl = (fallback: string, description: string) =>
  z
    .string()
    .regex(/^https?:\/\/[^\s/]/, 'expected an http:// or https:// URL')
    .default(fallback)
    .describe(description);

/**
 * `ENRICHERS`: names in the order they run (see the app README for the one reordering rule). An unknown
 * name is refused with the closest valid one; a repeated name is refused too.
 */
const enricherList = z
  .preprocess(
    names,
    z
      .array(z.string({ error: 'expected enricher names' }), { error: 'expected a list of enricher names' })
      .max(ENRICHER_NAMES.length * 2, `expected at most ${ENRICHER_NAMES.length * 2} names`)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        for (const name of list) {
          if (!(ENRICHER_NAMES as readonly string[]).includes(name)) {
            const closest = closestName(name, ENRICHER_NAMES);
            const hint = closest === undefined ? `known: ${ENRICHER_NAMES.join(', ')}` : `did you mean "${closest}"?`;
            ctx.addIssue({ code: 'custom', message: `unknown enricher "${preview(name)}"; ${hint}` });
          } else if (seen.has(name)) {
            ctx.addIssue({ code: 'custom', message: `enricher "${name}" is listed twice` });
          }
          seen.add(name);
        }
      })
      .pipe(z.array(z.enum(ENRICHER_NAMES)))
      .default(DEFAULT_ENRICHERS),
  )
  .describe(`Enrichers to run, in order (ENRICHERS, comma-separated): ${ENRICHER_NAMES.join(', ')}`);

/** `lat,lon` in decimal degrees (env text or YAML), or `{ lat, lon }` in YAML. */
const latLon = z
  .union([z.string(), z.strictObject({ lat: z.number(), lon: z.number() })], {
    error: 'expected "lat,lon" in decimal degrees, e.g. 52.37,4.89',
  })
  .transform((value, ctx) => {
    const parsed = typeof value === 'string' ? parseLatLon(value) : value;
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected "lat,lon" in decimal degrees, e.g. 52.37,4.89' });
      return z.NEVER;
    }
    const problem =
      !(Math.abs(parsed.lat) <= 90) || !Number.isFinite(parsed.lat)
        ? `latitude ${parsed.lat} is outside -90 to 90`
        : !(Math.abs(parsed.lon) <= 180) || !Number.isFinite(parsed.lon)
          ? `longitude ${parsed.lon} is outside -180 to 180`
          : undefined;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${problem} (expected "lat,lon", e.g. 52.37,4.89)` });
      return z.NEVER;
    }
    return parsed;
  });

/** Carbon intensity region: `national`, a region id 1–17, or an outward postcode (`RG10`). */
const CARBON_REGION_EXPECTED = 'expected national, a region id from 1 to 17, or an outward postcode such as RG10';
const carbonRegion = z
  .preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      const t = v.trim();
      return /^\d+$/.test(t) ? Number(t) : t.toLowerCase() === 'national' ? 'national' : t.toUpperCase();
    },
    z
      .union(
        [
          z.literal('national'),
          z.number().int(CARBON_REGION_EXPECTED).min(1, CARBON_REGION_EXPECTED).max(17, CARBON_REGION_EXPECTED),
          z.string().regex(/^[A-Z]{1,2}[0-9][A-Z0-9]?$/, CARBON_REGION_EXPECTED),
        ],
        { error: CARBON_REGION_EXPECTED },
      )
      .default('national'),
  )
  .describe(
    'Carbon intensity region (CARBON_INTENSITY_REGION): `national` (GB), a region id 1–17 (13 = London, 16 = Scotland, 17 = Wales …) or an outward postcode such as RG10',
  );

/** The `enrichers:` block. */
export const EnrichersConfigSchema = z
  .strictObject({
    use: enricherList,
    units: z
      .strictObject({
        convert: z
          .preprocess(
            names,
            z
              .array(z.enum(UNIT_GROUPS, { error: `expected unit groups from: ${UNIT_GROUPS.join(', ')}` }))
              .default([...UNIT_GROUPS]),
          )
          .describe(
            `Quantities converted to one unit each (UNITS_CONVERT, comma-separated; \`none\` = numbers only): ${UNIT_GROUPS.join(', ')} → °C, W, kWh, hPa, m/s`,
          ),
        decimalComma: flag('Read one decimal comma ("12,5") as a number (UNITS_DECIMAL_COMMA)'),
        decimals: ranged('integer', 0, 12, 6, 'Decimal places kept after a conversion (UNITS_DECIMALS)'),
      })
      .prefault({}),
    haWeather: z
      .strictObject({
        entity: z
          .string()
          .regex(/^weather\.[a-z0-9_]+$/, 'expected a weather.* entity id, e.g. weather.forecast_home')
          .default('weather.forecast_home')
          .describe(
            "The weather.* entity attached as `weather` (HA_WEATHER_ENTITY); HA's default is weather.forecast_home",
          ),
        maxAgeMinutes: optionalRanged(
          'integer',
          1,
          10_080,
          'Stop attaching the weather once its last update is this many minutes old (HA_WEATHER_MAX_AGE_MINUTES); default: no limit',
        ),
      })
      .prefault({}),
    haCalendar: z
      .strictObject({
        entities: z
          .preprocess(
            names,
            z
              .array(z.string().regex(/^calendar\.[a-z0-9_]+$/, 'expected calendar.* entity ids, e.g. calendar.family'))
              .max(100)
              .optional(),
          )
          .describe(
            'calendar.* entities attached as `calendar` (HA_CALENDARS, comma-separated); required for ha_calendar',
          ),
      })
      .prefault({}),
    weather: z
      .strictObject({
        location: latLon
          .optional()
          .describe(
            "Where OpenWeatherMap weather and air are fetched for (WEATHER_LOCATION, `lat,lon`); default: HA's home (get_config, needs HA_URL)",
          ),
        cacheMinutes: ranged(
          'integer',
          1,
          1440,
          10,
          'Minutes between OpenWeatherMap fetches, weather and air each (WEATHER_CACHE_MINUTES)',
        ),
      })
      .prefault({}),
    openWeatherMap: z
      .strictObject({
        apiKey: z
          .string()
          .min(1)
          .optional()
          .describe('OpenWeatherMap API key (OPENWEATHERMAP_API_KEY); required for openweathermap(_air); never logged'),
        baseUrl: httpUrl('https://api.openweathermap.org', 'OpenWeatherMap API base URL (OPENWEATHERMAP_BASE_URL)'),
        lang: z
          .string()
          .regex(/^[a-z]{2}(_[a-z]{2})?$/i, 'expected a language code such as en, de or zh_cn')
          .optional()
          .describe('Language of the weather description (OPENWEATHERMAP_LANG), e.g. en, de'),
      })
      .prefault({}),
    carbonIntensity: z
      .strictObject({
        region: carbonRegion,
        baseUrl: httpUrl(
          'https://api.carbonintensity.org.uk',
          'Carbon Intensity API base URL (CARBON_INTENSITY_BASE_URL)',
        ),
      })
      .prefault({}),
    octopusAgile: z
      .strictObject({
        product: z
          .string()
          .regex(/^[A-Z0-9-]{3,64}$/, 'expected an Octopus product code such as AGILE-24-10-01')
          .default('AGILE-24-10-01')
          .describe('Octopus Agile product code (OCTOPUS_AGILE_PRODUCT)'),
        region: z
          .preprocess(
            (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
            z.enum(OCTOPUS_REGIONS, { error: `expected a region letter: ${OCTOPUS_REGIONS.join(', ')}` }).optional(),
          )
          .describe(
            'Your grid supply point region letter, the last letter of your tariff code (OCTOPUS_AGILE_REGION, A–P); required for octopus_agile',
          ),
        baseUrl: httpUrl('https://api.octopus.energy', 'Octopus Energy API base URL (OCTOPUS_BASE_URL)'),
      })
      .prefault({}),
  })
  .prefault({});

/** The parsed `enrichers:` block. */
export type EnrichersConfig = z.output<typeof EnrichersConfigSchema>;

/**
 * Settings a selected enricher cannot run without, checked with the whole config (OpenWeatherMap's
 * location falls back to HA's, which only the WebSocket source knows). Each issue names the setting, its
 * env variable and the enricher that needs it.
 */
export function enricherConfigIssues(
  enrichers: EnrichersConfig,
  haUrl: string | undefined,
): { path: string[]; message: string }[] {
  const selected = new Set(enrichers.use);
  const issues: { path: string[]; message: string }[] = [];
  const owm = ['openweathermap', 'openweathermap_air'].filter((n) => selected.has(n as EnricherName));
  if (owm.length > 0 && enrichers.openWeatherMap.apiKey === undefined) {
    issues.push({
      path: ['enrichers', 'openWeatherMap', 'apiKey'],
      message: `OPENWEATHERMAP_API_KEY is required when ENRICHERS includes ${owm.join(' and ')}`,
    });
  }
  if (owm.length > 0 && enrichers.weather.location === undefined && haUrl === undefined) {
    issues.push({
      path: ['enrichers', 'weather', 'location'],
      message: `set WEATHER_LOCATION ("lat,lon") for ${owm.join(' and ')}: without HA_URL, HA's home location is unknown`,
    });
  }
  if (selected.has('ha_calendar') && enrichers.haCalendar.entities === undefined) {
    issues.push({
      path: ['enrichers', 'haCalendar', 'entities'],
      message: 'HA_CALENDARS (calendar.* entity ids) is required when ENRICHERS includes ha_calendar',
    });
  }
  if (selected.has('octopus_agile') && enrichers.octopusAgile.region === undefined) {
    issues.push({
      path: ['enrichers', 'octopusAgile', 'region'],
      message: `OCTOPUS_AGILE_REGION (${OCTOPUS_REGIONS.join(', ')}) is required when ENRICHERS includes octopus_agile`,
    });
  }
  return issues;
}

// --- internal ---

function parseLatLon(text: string): { lat: number; lon: number } | undefined {
  const m = /^\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m === null) return undefined;
  return { lat: Number(m[1]), lon: Number(m[2]) };
}

/** A name from outside as shown in a message: cut, so a pasted blob stays readable. */
function preview(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name;
}
