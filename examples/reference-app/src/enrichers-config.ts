import type { Enricher, HaEvent, Logger, PipelineBuilder, Provided, RegistryStore } from '@ha-ingestor/core';
import {
  carbonIntensityUk,
  haCalendar,
  haWeather,
  octopusAgile,
  openWeatherMap,
  openWeatherMapAir,
  registryEnricher,
  timeContext,
  unitNormalize,
  type HaStateSeedHooks,
  type PolledContextEnricher,
} from '@ha-ingestor/enrichers';
import type { AppConfig } from './config.js';
import type { EnricherName } from './enrichers-schema.js';
import { createStateSeed } from './ha-state-seed.js';

/**
 * An enricher as the app holds it: it reads the HA event and adds fields. Each factory below is checked
 * against this type by the compiler (its input must accept every HaEvent), so the list can be built at
 * run time from `ENRICHERS` and still be `.use()`d without a cast.
 */
export type AppEnricher = Enricher<HaEvent, object>;

/**
 * Enrichers that read what another one adds, and so run after it when both are selected, whatever the
 * listed order: `units` reads the entity registry's `unit_of_measurement` (set by `registry`) for entities
 * whose state has no unit attribute.
 */
export const RUNS_AFTER: Readonly<Partial<Record<EnricherName, readonly EnricherName[]>>> = {
  units: ['registry'],
};

/** What {@link createEnrichers} needs besides the config. */
export interface EnricherWiring {
  /** The app's one registry store (HA's registries and get_config, fed by the WebSocket source). */
  readonly registry: RegistryStore;
  readonly logger: Logger;
  /**
   * The events are HA's history (`import`): enrichers that attach the present are left out, namely the
   * provider context (fetched now) and the get_states seed of ha_weather/ha_calendar (their state now).
   */
  readonly history?: boolean;
}

/** Enrichers whose context is fetched now from a provider, whatever the event's time. */
const PRESENT_ONLY: ReadonlySet<EnricherName> = new Set([
  'openweathermap',
  'openweathermap_air',
  'carbon_intensity_uk',
  'octopus_agile',
]);

/**
 * The enrichers selected by `ENRICHERS`, configured from the `enrichers:` block, in the order they run:
 * the listed order, except that an enricher is moved after those in {@link RUNS_AFTER} (a stable
 * reordering; see the README's Enrichment section).
 */
export function createEnrichers(config: AppConfig, wiring: EnricherWiring): AppEnricher[] {
  let names = runOrder(config.enrichers.use);
  if (wiring.history === true) {
    const left = names.filter((n) => PRESENT_ONLY.has(n));
    if (left.length > 0)
      wiring.logger.info(
        { enrichers: left },
        `not applied to imported history: ${left.join(', ')} (they attach today's context, not the events' time)`,
      );
    names = names.filter((n) => !PRESENT_ONLY.has(n));
  }
  const seed = wiring.history === true ? {} : seedHooks(config);
  return names.map((name) => createEnricher(name, config, wiring, seed));
}

/** Adds `enrichers` to `builder` in order; the event type stays HaEvent (see {@link AppEnricher}). */
export function useEnrichers<P extends Provided>(
  builder: PipelineBuilder<HaEvent, P>,
  enrichers: readonly AppEnricher[],
): PipelineBuilder<HaEvent, P> {
  let out = builder;
  for (const enricher of enrichers) out = out.use(enricher);
  return out;
}

/** `names` in run order: each after the selected names it runs after, otherwise as listed. */
export function runOrder(names: readonly EnricherName[]): EnricherName[] {
  const selected = new Set(names);
  const placed = new Set<EnricherName>();
  const out: EnricherName[] = [];
  const place = (name: EnricherName) => {
    if (placed.has(name)) return;
    placed.add(name);
    for (const before of RUNS_AFTER[name] ?? []) if (selected.has(before)) place(before);
    out.push(name);
  };
  for (const name of names) place(name);
  return out;
}

// --- internal ---

function createEnricher(
  name: EnricherName,
  config: AppConfig,
  wiring: EnricherWiring,
  seed: HaStateSeedHooks,
): AppEnricher {
  const e = config.enrichers;
  const registry = wiring.registry;
  switch (name) {
    case 'registry':
      return registryEnricher({}, { registry });
    case 'time':
      return timeContext({}, { registry });
    case 'units':
      return unitNormalize({
        convert: e.units.convert,
        decimalComma: e.units.decimalComma,
        decimals: e.units.decimals,
      });
    case 'ha_weather':
      return haWeather(
        {
          entityId: e.haWeather.entity,
          ...(e.haWeather.maxAgeMinutes === undefined ? {} : { maxAgeMs: e.haWeather.maxAgeMinutes * 60_000 }),
        },
        seed,
      );
    case 'ha_calendar': {
      // The schema refuses ha_calendar without HA_CALENDARS; an empty list is refused by haCalendar itself.
      const entityIds = e.haCalendar.entities ?? [];
      return haCalendar({ entityIds }, seed);
    }
    case 'openweathermap':
    case 'openweathermap_air':
      return openWeather(name, config, wiring);
    case 'carbon_intensity_uk':
      return carbonIntensityUk({ baseUrl: e.carbonIntensity.baseUrl, region: e.carbonIntensity.region }, { registry });
    case 'octopus_agile':
      return octopusAgile(
        {
          baseUrl: e.octopusAgile.baseUrl,
          product: e.octopusAgile.product,
          // Octopus tariff codes: E-1R-<product>-<region letter> (single-rate electricity).
          tariff: `E-1R-${e.octopusAgile.product}-${e.octopusAgile.region ?? ''}`,
        },
        { registry },
      );
  }
}

/** OpenWeatherMap weather or air: WEATHER_LOCATION, else HA's home from the registry's get_config. */
function openWeather(
  name: 'openweathermap' | 'openweathermap_air',
  config: AppConfig,
  wiring: EnricherWiring,
): AppEnricher {
  const e = config.enrichers;
  const intervalMs = e.weather.cacheMinutes * 60_000;
  const location = e.weather.location;
  const options = {
    // The schema refuses openweathermap(_air) without OPENWEATHERMAP_API_KEY.
    apiKey: e.openWeatherMap.apiKey ?? '',
    baseUrl: e.openWeatherMap.baseUrl,
    locations: [{ id: 'home', ...(location === undefined ? {} : { lat: location.lat, lon: location.lon }) }],
    intervalMs,
    // A value stays usable for two fetch intervals (at least the preset's default) when fetches fail.
    maxStaleMs: Math.max(2 * intervalMs, name === 'openweathermap' ? 3_600_000 : 7_200_000),
  };
  const hooks = { registry: wiring.registry };
  const enricher =
    name === 'openweathermap'
      ? openWeatherMap(
          { ...options, ...(e.openWeatherMap.lang === undefined ? {} : { lang: e.openWeatherMap.lang }) },
          hooks,
        )
      : openWeatherMapAir(options, hooks);
  if (location === undefined) refreshWhenHaLocationArrives(enricher, wiring);
  return enricher;
}

/**
 * Without WEATHER_LOCATION the first fetch runs before the WebSocket source has read HA's get_config
 * (enrichers start before sources) and fails with `no_location`; the poller would retry only a minute
 * later. So the fetch is repeated as soon as HA's coordinates are known.
 */
function refreshWhenHaLocationArrives(enricher: PolledContextEnricher<string, object>, wiring: EnricherWiring): void {
  const hasLocation = () => {
    const c = wiring.registry.snapshot().config;
    return c?.latitude !== undefined && c.longitude !== undefined;
  };
  if (hasLocation()) return;
  const unsubscribe = wiring.registry.subscribe(() => {
    if (!hasLocation()) return;
    unsubscribe();
    enricher
      .refresh()
      .catch((error: unknown) => wiring.logger.warn({ err: error, enricher: enricher.name }, 'refresh failed'));
  });
}

/**
 * The get_states seed shared by haWeather and haCalendar (one round trip for both): only with the
 * WebSocket source (HA_URL and HA_TOKEN), and only when one of them is selected.
 */
function seedHooks(config: AppConfig): HaStateSeedHooks {
  const { url, token } = config.homeAssistant;
  const e = config.enrichers;
  const entityIds = [
    ...(e.use.includes('ha_weather') ? [e.haWeather.entity] : []),
    ...(e.use.includes('ha_calendar') ? (e.haCalendar.entities ?? []) : []),
  ];
  if (url === undefined || token === undefined || entityIds.length === 0) return {};
  return { initialState: createStateSeed({ url, token, entityIds }) };
}
