/**
 * Issue 20 item 8: every first-party enricher composes with every first-party sink (InfluxDB, file), in
 * every order the READMEs show, and a custom `toPoints` sees the enriched event in its type.
 */
import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import type { HaEvent, PipelineBuilder, Sink, Source } from '@ha-ingestor/core';
import { fileSink } from '@ha-ingestor/core/file-sink';
import type { FileSinkEvent } from '@ha-ingestor/core/file-sink';
import type { FieldValue, Point } from '@ha-ingestor/core/line-protocol';
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
import type { PartOfDay } from '@ha-ingestor/enrichers';
import { mqttSource } from '@ha-ingestor/source-mqtt';
import { haWebSocketSource } from '@ha-ingestor/source-ws';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { influxSink } from '../src/index.js';
import type { InfluxSinkHooks, MappableEvent } from '../src/index.js';

declare const source: Source<HaEvent>;
declare const notEvents: Source<{ value: number }>;
type EventOf<B> = B extends PipelineBuilder<infer E> ? E : never;
type StateOf<B> = Extract<EventOf<B>, { event_type: 'state_changed' }>;

const registry = createRegistryStore();
const url = 'http://localhost:8086';
const influx = influxSink({ url, apiVersion: '1', database: 'ha' });
const files = fileSink({ dir: './data' });
const sunrise = polledContext(
  { name: 'sunrise', url: 'https://example.test/{lat}/{lon}' },
  { schema: z.object({ results: z.object({ sunrise: z.string() }) }), select: (d) => ({ sunrise: d.results.sunrise }) },
);

/** Each first-party enricher alone (presets and a polledContext included). */
const enrichers = {
  registryEnricher: registryEnricher(undefined, { registry }),
  registryEnricherPicked: registryEnricher({ fields: ['area', 'unique_id'], rename: { area: 'room' } }, { registry }),
  timeContext: timeContext(undefined, { registry }),
  unitNormalize: unitNormalize(),
  haWeather: haWeather({ entityId: 'weather.home' }),
  haCalendar: haCalendar({ entityIds: ['calendar.work'] }),
  polledContext: sunrise,
  openWeatherMap: openWeatherMap({ apiKey: 'k' }),
  openWeatherMapAir: openWeatherMapAir({ apiKey: 'k' }),
  carbonIntensityUk: carbonIntensityUk(),
  octopusAgile: octopusAgile({ product: 'P', tariff: 'T' }),
};

describe('each first-party enricher in front of each first-party sink', () => {
  it('influxSink (shared instance and inline) and fileSink accept every single enricher', () => {
    pipeline(source)
      .use(enrichers.registryEnricher)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.registryEnricherPicked)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.timeContext)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.unitNormalize)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.haWeather)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.haCalendar)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.polledContext)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.openWeatherMap)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.openWeatherMapAir)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.carbonIntensityUk)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
    pipeline(source)
      .use(enrichers.octopusAgile)
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));
  });

  it('the events of every single enricher are MappableEvent and FileSinkEvent', () => {
    const check = <E extends MappableEvent & FileSinkEvent>(b: PipelineBuilder<E>): PipelineBuilder<E> => b;
    check(pipeline(source).use(enrichers.registryEnricher));
    check(pipeline(source).use(enrichers.registryEnricherPicked));
    check(pipeline(source).use(enrichers.timeContext));
    check(pipeline(source).use(enrichers.unitNormalize));
    check(pipeline(source).use(enrichers.haWeather));
    check(pipeline(source).use(enrichers.haCalendar));
    check(pipeline(source).use(enrichers.polledContext));
    check(pipeline(source).use(enrichers.openWeatherMap));
    check(pipeline(source).use(enrichers.openWeatherMapAir));
    check(pipeline(source).use(enrichers.carbonIntensityUk));
    check(pipeline(source).use(enrichers.octopusAgile));
  });
});

describe('all enrichers chained, in the orders the READMEs show and others', () => {
  it('packages/enrichers/README.md: registry → time → units → carbon intensity → influx (the issue 20 wiring)', () => {
    const b = pipeline(haWebSocketSource({ url: 'ws://ha:8123/api/websocket', token: 't' }, { registry }))
      .use(registryEnricher({ fields: ['area', 'floor', 'device_name', 'unique_id'] }, { registry }))
      .use(timeContext(undefined, { registry }))
      .use(unitNormalize({ convert: ['temperature', 'energy'] }))
      .use(carbonIntensityUk());
    expectTypeOf<StateOf<typeof b>['state']>().toEqualTypeOf<string | number | null | undefined>();
    b.to(influxSink({ url }))
      .to(influx)
      .to(files)
      .to(fileSink({ dir: './data', format: 'lp' }));
  });

  it('README.md: select → dedupe → registry → time → influx and file', () => {
    pipeline(haWebSocketSource({ url: 'ws://ha:8123/api/websocket', token: 't' }, { registry }))
      .select({ exclude: { domains: ['automation', 'script'] } })
      .dedupe({ windowMs: 300_000 })
      .use(registryEnricher({}, { registry }))
      .use(timeContext({}, { registry }))
      .to(influxSink({ url, apiVersion: '1', database: 'home_assistant' }), { outbox: { dir: './data/outbox/influx' } })
      .to(fileSink({ dir: './data/events' }));
  });

  it('every enricher, units first and units last, from the WebSocket and the MQTT source', () => {
    const unitsFirst = pipeline(source)
      .use(unitNormalize())
      .use(registryEnricher(undefined, { registry }))
      .use(timeContext(undefined, { registry }))
      .use(haWeather({ entityId: 'weather.home' }))
      .use(haCalendar({ entityIds: ['calendar.work'] }))
      .use(sunrise)
      .use(openWeatherMap({ apiKey: 'k' }))
      .use(openWeatherMapAir({ apiKey: 'k' }))
      .use(carbonIntensityUk())
      .use(octopusAgile({ product: 'P', tariff: 'T' }));
    unitsFirst
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));

    const unitsLast = pipeline(mqttSource({ url: 'mqtt://localhost', subscriptions: [{ topic: 'homeassistant/#' }] }))
      .use(octopusAgile({ product: 'P', tariff: 'T' }))
      .use(carbonIntensityUk())
      .use(openWeatherMapAir({ apiKey: 'k' }))
      .use(openWeatherMap({ apiKey: 'k' }))
      .use(sunrise)
      .use(haCalendar({ entityIds: ['calendar.work'] }))
      .use(haWeather({ entityId: 'weather.home' }))
      .use(timeContext(undefined, { registry }))
      .use(registryEnricher(undefined, { registry }))
      .use(unitNormalize());
    unitsLast
      .to(influx)
      .to(influxSink({ url }))
      .to(files)
      .to(fileSink({ dir: 'd' }));

    type S = StateOf<typeof unitsLast>;
    expectTypeOf<S['state']>().toEqualTypeOf<string | number | null | undefined>();
    expectTypeOf<S['hour']>().toEqualTypeOf<number>();
    expectTypeOf<S['area']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<S>().toHaveProperty('carbon_intensity');
    expectTypeOf<S>().toHaveProperty('sunrise');
  });

  it('sinks between enrichers see the event as it is at that point', () => {
    pipeline(source)
      .to(influx)
      .use(unitNormalize())
      .to(influxSink({ url }))
      .use(timeContext(undefined, { registry }))
      .to(fileSink({ dir: 'd' }))
      .to(
        influxSink(
          { url },
          { toPoints: (e) => [{ measurement: 'h', tags: {}, fields: { hour: e.hour }, time: e.time_fired }] },
        ),
      );
  });
});

describe('influxSink is generic over the event the pipeline delivers', () => {
  it('infers E from .to(): toPoints sees enriched fields with their types', () => {
    const b = pipeline(source)
      .use(registryEnricher({ fields: ['area'] }, { registry }))
      .use(timeContext(undefined, { registry }))
      .use(unitNormalize());
    b.to(
      influxSink(
        { url },
        {
          toPoints: (event) => {
            expectTypeOf(event).toEqualTypeOf<EventOf<typeof b>>();
            expectTypeOf(event.hour).toEqualTypeOf<number>();
            expectTypeOf(event.part_of_day).toEqualTypeOf<PartOfDay>();
            if (event.event_type !== 'state_changed') return [];
            expectTypeOf(event.area).toEqualTypeOf<string | undefined>();
            expectTypeOf(event.state).toEqualTypeOf<string | number | null | undefined>();
            const fields: Record<string, FieldValue> =
              typeof event.state === 'number' ? { value: event.state } : { state: event.state ?? '' };
            return [
              {
                measurement: event.area ?? 'unknown',
                tags: { hour: String(event.hour) },
                fields,
                time: event.time_fired,
              },
            ];
          },
        },
      ),
    );
  });

  it('standalone, E defaults to MappableEvent (existing call sites keep compiling)', () => {
    expectTypeOf(influxSink({ url })).toEqualTypeOf<Sink<MappableEvent>>();
    influxSink({ url }, { toPoints: (event) => (expectTypeOf(event).toEqualTypeOf<MappableEvent>(), []) });
    expectTypeOf<InfluxSinkHooks>().toEqualTypeOf<InfluxSinkHooks<MappableEvent>>();
    expectTypeOf(influxSink.componentName).toEqualTypeOf<string>();
  });

  it('an explicit E or an annotated hook parameter types the sink', () => {
    type Timed = MappableEvent & { readonly hour: number };
    const byArg = influxSink<Timed>(
      { url },
      { toPoints: (e) => [{ measurement: 'm', tags: {}, fields: { h: e.hour }, time: e.time_fired }] },
    );
    expectTypeOf(byArg).toEqualTypeOf<Sink<Timed>>();
    const toPoints = (e: Timed): Point[] => [{ measurement: 'm', tags: {}, fields: { h: e.hour }, time: e.time_fired }];
    expectTypeOf(influxSink({ url }, { toPoints })).toEqualTypeOf<Sink<Timed>>();
    pipeline(source).use(timeContext(undefined, { registry })).to(byArg).to(influxSink({ url }, { toPoints }));
  });
});

describe('fileSink is generic over the event the pipeline delivers', () => {
  it('infers E from .to(): toLines sees enriched fields; standalone it is FileSinkEvent', () => {
    const b = pipeline(source).use(timeContext(undefined, { registry })).use(unitNormalize());
    b.to(
      fileSink(
        { dir: 'd', format: 'lp' },
        {
          toLines: (events) => {
            expectTypeOf(events).toEqualTypeOf<readonly EventOf<typeof b>[]>();
            return { lines: events.map((e) => `m hour=${e.hour} ${e.time_fired}`), rejected: [] };
          },
        },
      ),
    );
    expectTypeOf(fileSink({ dir: 'd' })).toEqualTypeOf<Sink<FileSinkEvent>>();
    expectTypeOf(fileSink.componentName).toEqualTypeOf<string>();
  });
});

describe('wirings that must fail', () => {
  it('a toPoints reading a field no enricher before it adds', () => {
    pipeline(source).to(
      influxSink(
        { url },
        {
          // @ts-expect-error hour is added by timeContext, which is not in this pipeline
          toPoints: (e) => [{ measurement: 'm', tags: {}, fields: { h: e.hour }, time: e.time_fired }],
        },
      ),
    );
    const needsHour = (e: MappableEvent & { readonly hour: number }): Point[] => [
      { measurement: 'm', tags: {}, fields: { h: e.hour }, time: e.time_fired },
    ];
    const normalised = pipeline(source).use(unitNormalize());
    // @ts-expect-error the hook needs hour, the pipeline (no timeContext) does not provide it
    normalised.to(influxSink({ url }, { toPoints: needsHour }));
  });

  it('a custom mapping that only takes string states, after unitNormalize', () => {
    const stringStates = (e: MappableEvent & { readonly state?: string | null }): Point[] => [
      { measurement: 'm', tags: {}, fields: { s: e.state ?? '' }, time: e.time_fired },
    ];
    pipeline(source).to(influxSink({ url }, { toPoints: stringStates }));
    const normalised = pipeline(source).use(unitNormalize());
    // @ts-expect-error unitNormalize may make state a number
    normalised.to(influxSink({ url }, { toPoints: stringStates }));
  });

  it('events that are not HA events', () => {
    // @ts-expect-error no event_type / time_fired: not a MappableEvent
    pipeline(notEvents).to(influxSink({ url }));
    // @ts-expect-error the shared (MappableEvent) instance either
    pipeline(notEvents).to(influx);
    // @ts-expect-error the file sink needs event_type and time_fired
    pipeline(notEvents).to(files);
    const readsHour = pipeline(source);
    readsHour.to(
      fileSink(
        { dir: 'd' },
        {
          toLines: (events) => ({
            // @ts-expect-error a toLines reading a field no enricher adds
            lines: events.map((e) => String(e.hour)),
            rejected: [],
          }),
        },
      ),
    );
    // @ts-expect-error E must be a MappableEvent
    influxSink<{ value: number }>({ url });
  });

  it('a state that is neither text, number nor null', () => {
    const booleanState = pipeline(source).use({ kind: 'enricher', name: 'b', enrich: () => ({ state: true }) });
    // @ts-expect-error a boolean state is not something the schemas map
    booleanState.to(influxSink({ url }));
  });
});
