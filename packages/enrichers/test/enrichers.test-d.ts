import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import type { HaEvent, PipelineBuilder, Sink, Source, StateChangedEvent } from '@ha-ingestor/core';
import {
  carbonIntensityUk,
  haCalendar,
  haWeather,
  octopusAgile,
  openWeatherMap,
  openWeatherMapAir,
  polledContext,
  registryEnricher,
  timeContext,
  unitNormalize,
} from '@ha-ingestor/enrichers';
import type {
  CarbonIntensityUkContext,
  HaCalendarContext,
  HaWeatherContext,
  OctopusAgileContext,
  OpenWeatherMapAirContext,
  OpenWeatherMapContext,
  PartOfDay,
  PolledMeta,
  Season,
  Weekday,
} from '@ha-ingestor/enrichers';

declare const source: Source<HaEvent>;
declare const numbers: Source<{ value: number }>;
declare function sinkOf<T>(): Sink<T>;
type EventOfBuilder<B> = B extends PipelineBuilder<infer E> ? E : never;
type StateOf<B> = Extract<EventOfBuilder<B>, { event_type: 'state_changed' }>;
const registry = createRegistryStore();

describe('enricher fields reach the sink input type', () => {
  it('registryEnricher adds every registry field (optional) by default', () => {
    const b = pipeline(source).use(registryEnricher(undefined, { registry }));
    expectTypeOf<StateOf<typeof b>['area']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<StateOf<typeof b>['floor_level']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<StateOf<typeof b>['labels']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<StateOf<typeof b>['unique_id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<StateOf<typeof b>['entity_id']>().toEqualTypeOf<string>();
    b.to(sinkOf<{ entity_id?: string; area?: string; device_name?: string; unique_id?: string }>());
    // @ts-expect-error the area is not always known, so a sink cannot require it
    b.to(sinkOf<{ area: string }>());
  });

  it('registryEnricher narrows and renames fields from literal options', () => {
    const b = pipeline(source).use(registryEnricher({ fields: ['area', 'unique_id'], rename: { area: 'room' } }, { registry }));
    expectTypeOf<StateOf<typeof b>['room']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<StateOf<typeof b>['unique_id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<StateOf<typeof b>>().not.toHaveProperty('area');
    expectTypeOf<StateOf<typeof b>>().not.toHaveProperty('floor');
    b.to(sinkOf<{ room?: string }>());
  });

  it('timeContext adds required local time fields to every event', () => {
    const b = pipeline(source).use(timeContext(undefined, { registry }));
    type E = EventOfBuilder<typeof b>;
    expectTypeOf<E['hour']>().toEqualTypeOf<number>();
    expectTypeOf<E['weekday']>().toEqualTypeOf<Weekday>();
    expectTypeOf<E['weekend']>().toEqualTypeOf<boolean>();
    expectTypeOf<E['part_of_day']>().toEqualTypeOf<PartOfDay>();
    expectTypeOf<E['season']>().toEqualTypeOf<Season>();
    expectTypeOf<E['daylight']>().toEqualTypeOf<boolean | undefined>();
    b.to(sinkOf<{ hour: number; part_of_day: PartOfDay; event_type: string }>());
    // @ts-expect-error hour is a number
    b.to(sinkOf<{ hour: string }>());
  });

  it('unitNormalize retypes state to string | number and adds the unit fields', () => {
    const b = pipeline(source).use(unitNormalize());
    expectTypeOf<StateOf<typeof b>['state']>().toEqualTypeOf<string | number | null | undefined>();
    expectTypeOf<StateOf<typeof b>['original_unit']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<StateOf<typeof b>['unit']>().toEqualTypeOf<string | undefined>();
    b.to(sinkOf<{ state?: string | number | null; unit?: string }>());
    // @ts-expect-error a sink that only takes string states no longer fits
    b.to(sinkOf<{ state?: string | null }>());
  });

  it('haWeather and haCalendar attach their context objects', () => {
    const b = pipeline(source).use(haWeather({ entityId: 'weather.home' })).use(haCalendar({ entityIds: ['calendar.work'] }));
    type E = EventOfBuilder<typeof b>;
    expectTypeOf<E['weather']>().toEqualTypeOf<HaWeatherContext | undefined>();
    expectTypeOf<E['calendar']>().toEqualTypeOf<HaCalendarContext | undefined>();
    b.to(sinkOf<{ weather?: { condition: string; temperature?: number }; calendar?: { busy: boolean } }>());
  });

  it('polledContext attaches the selected type under its name', () => {
    const e = polledContext(
      { name: 'sunrise', url: 'https://example.test/{lat}/{lon}' },
      { schema: z.object({ results: z.object({ sunrise: z.string() }) }), select: (d) => ({ sunrise: d.results.sunrise }) },
    );
    const b = pipeline(source).use(e);
    type E = EventOfBuilder<typeof b>;
    expectTypeOf<E['sunrise']>().toEqualTypeOf<({ sunrise: string } & PolledMeta) | undefined>();
    b.to(sinkOf<{ sunrise?: { sunrise: string; stale: boolean; fetched_at: number } }>());
    // @ts-expect-error the schema says sunrise is a string
    b.to(sinkOf<{ sunrise?: { sunrise: number } }>());
  });

  it('presets attach typed provider context', () => {
    const b = pipeline(source)
      .use(openWeatherMap({ apiKey: 'k' }))
      .use(openWeatherMapAir({ apiKey: 'k' }))
      .use(carbonIntensityUk())
      .use(octopusAgile({ product: 'P', tariff: 'T' }));
    type E = EventOfBuilder<typeof b>;
    expectTypeOf<E['owm_weather']>().toEqualTypeOf<(OpenWeatherMapContext & PolledMeta) | undefined>();
    expectTypeOf<E['air_quality']>().toEqualTypeOf<(OpenWeatherMapAirContext & PolledMeta) | undefined>();
    expectTypeOf<E['carbon_intensity']>().toEqualTypeOf<(CarbonIntensityUkContext & PolledMeta) | undefined>();
    expectTypeOf<E['electricity_price']>().toEqualTypeOf<(OctopusAgileContext & PolledMeta) | undefined>();
    b.to(sinkOf<{ owm_weather?: { temperature: number }; electricity_price?: { price_inc_vat: number } }>());
  });

  it('chains: all fields accumulate and the HA event stays intact', () => {
    const b = pipeline(source)
      .use(registryEnricher({ fields: ['area'] }, { registry }))
      .use(timeContext())
      .use(unitNormalize());
    type S = StateOf<typeof b>;
    expectTypeOf<S['area']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<S['hour']>().toEqualTypeOf<number>();
    expectTypeOf<S['last_updated']>().toEqualTypeOf<StateChangedEvent['last_updated']>();
    b.to(sinkOf<{ key: string; area?: string; hour: number; state?: string | number | null }>());
  });

  it('accepts every enricher after unitNormalize has retyped state', () => {
    const b = pipeline(source)
      .use(unitNormalize())
      .use(registryEnricher(undefined, { registry }))
      .use(timeContext())
      .use(haWeather({ entityId: 'weather.home' }))
      .use(haCalendar({ entityIds: ['calendar.work'] }))
      .use(openWeatherMap({ apiKey: 'k' }));
    expectTypeOf<StateOf<typeof b>['state']>().toEqualTypeOf<string | number | null | undefined>();
    expectTypeOf<StateOf<typeof b>['hour']>().toEqualTypeOf<number>();
    b.to(sinkOf<{ state?: string | number | null; hour: number; owm_weather?: { temperature: number } }>());
  });

  it('rejects enrichers whose input the events cannot satisfy', () => {
    // @ts-expect-error time context needs time_fired
    pipeline(numbers).use(timeContext());
  });
});

describe('subpath exports', () => {
  it('expose each enricher on its own path', async () => {
    const [registryMod, presetMod] = await Promise.all([import('@ha-ingestor/enrichers/registry'), import('@ha-ingestor/enrichers/presets/octopus-agile')]);
    expectTypeOf(registryMod.registryEnricher).toEqualTypeOf(registryEnricher);
    expectTypeOf(presetMod.octopusAgile).toEqualTypeOf(octopusAgile);
  });
});
