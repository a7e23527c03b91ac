export { registryEnricher, RegistryEnricherOptionsSchema, REGISTRY_FIELDS } from './registry.js';
export type {
  RegistryEnricherOptions,
  ResolvedRegistryEnricherOptions,
  RegistryEnricherHooks,
  RegistryEnricherNeeds,
  RegistryEnricherInput,
  RegistryField,
  RegistryFieldTypes,
  RegistryAdded,
  RegistryAddedFor,
} from './registry.js';
export { timeContext, TimeContextOptionsSchema } from './time-context.js';
export type {
  TimeContextOptions,
  ResolvedTimeContextOptions,
  TimeContextHooks,
  TimeContextInput,
  TimeContextAdded,
  PartOfDay,
} from './time-context.js';
export { localTime, seasonOf, isValidTimeZone, WEEKDAYS } from './local-time.js';
export type { LocalTime, Season, SeasonMode, Weekday } from './local-time.js';
export { unitNormalize, UnitNormalizeOptionsSchema } from './units.js';
export type {
  UnitNormalizeOptions,
  ResolvedUnitNormalizeOptions,
  UnitNormalizeInput,
  UnitNormalizeAdded,
} from './units.js';
export { UNIT_CONVERSIONS, UNIT_GROUPS, parseNumeric } from './unit-table.js';
export type { UnitConversion, UnitGroup, NumericRules } from './unit-table.js';
export { haWeather, HaWeatherOptionsSchema } from './ha-weather.js';
export type {
  HaWeatherOptions,
  ResolvedHaWeatherOptions,
  HaWeatherContext,
  HaWeatherAdded,
  HaWeatherInput,
  HaStateSeedHooks,
  SeedState,
} from './ha-weather.js';
export { haCalendar, HaCalendarOptionsSchema } from './ha-calendar.js';
export type {
  HaCalendarOptions,
  ResolvedHaCalendarOptions,
  HaCalendarContext,
  HaCalendarAdded,
  HaCalendarInput,
} from './ha-calendar.js';
export { polledContext } from './polled-context.js';
export type { PolledContextEnricher } from './polled-context.js';
export { PolledContextOptionsSchema, PolledLocationSchema } from './polled-options.js';
export type {
  PolledContextOptions,
  ResolvedPolledContextOptions,
  PolledContextHooks,
  PolledAdded,
  PolledValue,
  PolledMeta,
  SelectContext,
  PolledLocation,
} from './polled-options.js';
export type { LocationStatus, UnavailableReason } from './context-poller.js';
export { fetchJson, parseRetryAfter } from './http-json.js';
// Core's one text redactor (issue 12), still exported here under its old name for existing plugins.
export { redactSecrets } from '@ha-ingestor/core';
export type { FetchLike, FetchResponseLike, FetchFailureReason } from './http-json.js';
export type { PresetHooks } from './presets/common.js';
export { openWeatherMap, OpenWeatherMapOptionsSchema, OpenWeatherMapResponseSchema } from './presets/openweathermap.js';
export type { OpenWeatherMapOptions, OpenWeatherMapContext } from './presets/openweathermap.js';
export {
  openWeatherMapAir,
  OpenWeatherMapAirOptionsSchema,
  OpenWeatherMapAirResponseSchema,
} from './presets/openweathermap-air.js';
export type { OpenWeatherMapAirOptions, OpenWeatherMapAirContext } from './presets/openweathermap-air.js';
export {
  carbonIntensityUk,
  CarbonIntensityUkOptionsSchema,
  CarbonIntensityUkResponseSchema,
  CarbonIntensityUkRegionalResponseSchema,
} from './presets/carbon-intensity-uk.js';
export type {
  CarbonIntensityUkOptions,
  CarbonIntensityUkContext,
  CarbonIntensityIndex,
} from './presets/carbon-intensity-uk.js';
export { octopusAgile, OctopusAgileOptionsSchema, OctopusUnitRatesResponseSchema } from './presets/octopus-agile.js';
export type { OctopusAgileOptions, OctopusAgileContext } from './presets/octopus-agile.js';
