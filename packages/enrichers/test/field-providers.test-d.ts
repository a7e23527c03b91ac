// Issue 20: every first-party enricher registers the fields it adds, so wiring errors name it.
import { describe, expectTypeOf, it } from 'vitest';
import { pipeline } from '@ha-ingestor/core';
import type {
  FieldError,
  FieldHint,
  FieldProviders,
  HaEvent,
  RegistryStore,
  Sink,
  Source,
  StateChangedEvent,
} from '@ha-ingestor/core';
import { registryEnricher, timeContext, unitNormalize } from '@ha-ingestor/enrichers';
import type { RegistryField } from '@ha-ingestor/enrichers';

declare const states: Source<StateChangedEvent>;
declare const ws: Source<HaEvent, { readonly registry: RegistryStore }>;
declare function sinkOf<A>(): Sink<A>;

describe('FieldProviders (first-party)', () => {
  it('registers each enricher under the name a user calls', () => {
    expectTypeOf<FieldProviders['registryEnricher()']>().toEqualTypeOf<RegistryField>();
    expectTypeOf<FieldProviders['timeContext()']>().toEqualTypeOf<
      'hour' | 'weekday' | 'weekend' | 'part_of_day' | 'season' | 'daylight'
    >();
    expectTypeOf<FieldProviders['unitNormalize()']>().toEqualTypeOf<'unit' | 'original_state' | 'original_unit'>();
    expectTypeOf<FieldProviders['haWeather()']>().toEqualTypeOf<'weather'>();
    expectTypeOf<FieldProviders['haCalendar()']>().toEqualTypeOf<'calendar'>();
    expectTypeOf<FieldProviders['openWeatherMap()']>().toEqualTypeOf<'owm_weather'>();
    expectTypeOf<FieldProviders['openWeatherMapAir()']>().toEqualTypeOf<'air_quality'>();
    expectTypeOf<FieldProviders['carbonIntensityUk()']>().toEqualTypeOf<'carbon_intensity'>();
    expectTypeOf<FieldProviders['octopusAgile()']>().toEqualTypeOf<'electricity_price'>();
  });

  it('names the enricher in the hint', () => {
    expectTypeOf<FieldHint<StateChangedEvent, { area: string }, never, 'sink'>>().toEqualTypeOf<
      FieldError<'missing field `area`: add registryEnricher() before this sink'>
    >();
    expectTypeOf<FieldHint<StateChangedEvent, { electricity_price: object }, never, 'enricher'>>().toEqualTypeOf<
      FieldError<'missing field `electricity_price`: add octopusAgile() before this enricher'>
    >();
  });

  it('accepts the sink once the enrichers are in front of it', () => {
    // @ts-expect-error missing fields `area`, `hour`: add registryEnricher(), timeContext()
    pipeline(states).to(sinkOf<{ area?: string; hour: number }>());
    pipeline(ws)
      .use(registryEnricher())
      .use(timeContext())
      .use(unitNormalize())
      .to(sinkOf<{ area?: string; hour: number; original_unit?: string }>());
  });
});
