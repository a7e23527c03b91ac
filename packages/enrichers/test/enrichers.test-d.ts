import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import type {
  Enricher,
  EnricherFactory,
  HaEvent,
  PipelineBuilder,
  Sink,
  Source,
  StateChangedEvent,
} from '@ha-ingestor/core';
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
  LocationStatus,
  OctopusAgileContext,
  OpenWeatherMapAirContext,
  OpenWeatherMapContext,
  PartOfDay,
  PolledAdded,
  PolledContextEnricher,
  PolledContextHooks,
  PolledContextOptionsSchema,
  PolledMeta,
  RegistryAdded,
  RegistryEnricherHooks,
  RegistryEnricherInput,
  RegistryEnricherOptionsSchema,
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
    const b = pipeline(source).use(
      registryEnricher({ fields: ['area', 'unique_id'], rename: { area: 'room' } }, { registry }),
    );
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
    const b = pipeline(source)
      .use(haWeather({ entityId: 'weather.home' }))
      .use(haCalendar({ entityIds: ['calendar.work'] }));
    type E = EventOfBuilder<typeof b>;
    expectTypeOf<E['weather']>().toEqualTypeOf<HaWeatherContext | undefined>();
    expectTypeOf<E['calendar']>().toEqualTypeOf<HaCalendarContext | undefined>();
    b.to(sinkOf<{ weather?: { condition: string; temperature?: number }; calendar?: { busy: boolean } }>());
  });

  it('polledContext attaches the selected type under its name', () => {
    const e = polledContext(
      { name: 'sunrise', url: 'https://example.test/{lat}/{lon}' },
      {
        schema: z.object({ results: z.object({ sunrise: z.string() }) }),
        select: (d) => ({ sunrise: d.results.sunrise }),
      },
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

describe('polledContext and registryEnricher are components made by defineEnricher (issue 12)', () => {
  /** What a factory made by defineEnricher returns for an enricher reading `In` and adding `Added`. */
  type Made<S extends z.ZodType, In, Added, H> = ReturnType<EnricherFactory<S, In, Added, H>>;

  it('registryEnricher returns the Enricher defineEnricher makes, its Added type following the literal options', () => {
    type All = Made<typeof RegistryEnricherOptionsSchema, RegistryEnricherInput, RegistryAdded, RegistryEnricherHooks>;
    expectTypeOf(registryEnricher(undefined, { registry })).toEqualTypeOf<All>();
    expectTypeOf(registryEnricher({}, { registry })).toEqualTypeOf<All>();
    expectTypeOf<All>().toEqualTypeOf<Enricher<RegistryEnricherInput, RegistryAdded>>();

    type Picked = { readonly room?: string; readonly unique_id?: string };
    const picked = registryEnricher({ fields: ['area', 'unique_id'], rename: { area: 'room' } }, { registry });
    expectTypeOf(picked).toEqualTypeOf<
      Made<typeof RegistryEnricherOptionsSchema, RegistryEnricherInput, Picked, RegistryEnricherHooks>
    >();
    expectTypeOf(picked).toEqualTypeOf<Enricher<RegistryEnricherInput, Picked>>();
    expectTypeOf(picked.kind).toEqualTypeOf<'enricher'>();
    // The factory keeps defineEnricher's metadata.
    expectTypeOf(registryEnricher.componentName).toEqualTypeOf<string>();
    expectTypeOf(registryEnricher.optionsSchema).toEqualTypeOf<typeof RegistryEnricherOptionsSchema>();
    // @ts-expect-error the registry hook is required
    registryEnricher(undefined, {});
    // @ts-expect-error options are checked against the schema's input type
    registryEnricher({ fields: ['nope'] }, { registry });
  });

  it('polledContext returns the Enricher defineEnricher makes, adding PolledAdded<name, selected>, plus its controls', () => {
    const schema = z.object({ results: z.object({ sunrise: z.string() }) });
    type Sun = { sunrise: string };
    const e = polledContext(
      { name: 'sunrise', url: 'https://example.test/{lat}/{lon}' },
      { schema, select: (d) => ({ sunrise: d.results.sunrise }) },
    );
    type Controls = { readonly refresh: () => Promise<void>; readonly status: () => readonly LocationStatus[] };
    type Expected = Made<
      typeof PolledContextOptionsSchema,
      object,
      PolledAdded<'sunrise', Sun>,
      PolledContextHooks<typeof schema, Sun>
    > &
      Controls;
    expectTypeOf(e).toEqualTypeOf<Expected>();
    expectTypeOf(e).toEqualTypeOf<PolledContextEnricher<'sunrise', Sun>>();
    expectTypeOf(e).toExtend<Enricher<object, PolledAdded<'sunrise', Sun>>>();
    expectTypeOf(e.kind).toEqualTypeOf<'enricher'>();
    expectTypeOf<PolledAdded<'sunrise', Sun>>().toEqualTypeOf<{ readonly sunrise?: Sun & PolledMeta }>();
    // @ts-expect-error the added field is named by the literal name, nothing else
    expectTypeOf(e).toExtend<Enricher<object, { readonly sunset?: Sun & PolledMeta }>>();
    // @ts-expect-error select must return the hooks' context type from the schema's output
    polledContext({ name: 'x', url: 'u' }, { schema, select: (d) => d.results.sunrise.length });
  });
});

describe('subpath exports', () => {
  it('expose each enricher on its own path', async () => {
    const [registryMod, presetMod] = await Promise.all([
      import('@ha-ingestor/enrichers/registry'),
      import('@ha-ingestor/enrichers/presets/octopus-agile'),
    ]);
    expectTypeOf(registryMod.registryEnricher).toEqualTypeOf(registryEnricher);
    expectTypeOf(presetMod.octopusAgile).toEqualTypeOf(octopusAgile);
  });
});
