import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import { arraySource, collectingSink, makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { haWeather, polledContext, registryEnricher, timeContext, unitNormalize } from './index.js';
import type { FetchLike } from './index.js';

// The enrichers through the real core runtime: start/close wiring, merge order and overwrite semantics.

describe('enrichers in a pipeline', () => {
  it('merges every enricher’s fields, starts pollers before events and closes them on stop', async () => {
    const registry = createRegistryStore({
      config: { time_zone: 'Europe/London', latitude: 51.5, longitude: -0.1 },
      areas: [{ area_id: 'garden', name: 'Garden', floor_id: null, labels: [] }],
      entities: [
        {
          entity_id: 'sensor.outside_temp',
          unique_id: 'u-1',
          platform: 'netatmo',
          device_id: null,
          area_id: 'garden',
          labels: [],
          name: null,
        },
      ],
    });
    let fetches = 0;
    const fetch: FetchLike = () => {
      fetches++;
      return Promise.resolve({ status: 200, headers: new Headers(), text: () => Promise.resolve('{"aqi":2}') });
    };
    const air = polledContext(
      { name: 'air', url: 'https://air.test/?lat={lat}&lon={lon}', intervalMs: 3_600_000 },
      { schema: z.object({ aqi: z.number() }), select: (d) => ({ aqi: d.aqi }), fetch, registry },
    );
    const events = [
      makeStateChanged({ entity_id: 'weather.home', state: 'rainy', attributes: { temperature: 7 } }),
      makeStateChanged({
        entity_id: 'sensor.outside_temp',
        state: '44.6',
        attributes: { unit_of_measurement: '°F' },
        last_updated: TEST_EVENT_TIME + 1,
      }),
    ];
    const sink = collectingSink<Record<string, unknown>>();
    const p = pipeline(arraySource(events, { finite: true }))
      .use(registryEnricher({ fields: ['area', 'unique_id', 'unit_of_measurement'] }, { registry }))
      .use(unitNormalize())
      .use(timeContext(undefined, { registry }))
      .use(haWeather({ entityId: 'weather.home' }))
      .use(air)
      .to(sink, { batch: { maxSize: 10, maxWaitMs: 1 } })
      .build();
    await p.start();
    await p.idle();
    await p.stop();

    const temp = sink.written().find((e) => e['entity_id'] === 'sensor.outside_temp');
    expect(temp).toMatchObject({
      area: 'Garden',
      unique_id: 'u-1',
      unit_of_measurement: '°F',
      state: 7,
      unit: '°C',
      original_state: '44.6',
      original_unit: '°F',
      hour: 22, // 2023-11-14T22:13:20Z is 22:13 in London (GMT)
      weekday: 'tuesday',
      part_of_day: 'night',
      season: 'autumn',
      weather: { condition: 'rainy', temperature: 7 },
      air: { aqi: 2, location: 'home', stale: false },
    });
    expect(fetches).toBe(1);
    expect(air.status()[0]).not.toHaveProperty('nextFetchAt');
  });
});

describe('subpath exports', () => {
  it('resolve to the same enrichers as the barrel', async () => {
    const barrel = await import('@ha-ingestor/enrichers');
    const subpaths = await Promise.all([
      import('@ha-ingestor/enrichers/registry'),
      import('@ha-ingestor/enrichers/time-context'),
      import('@ha-ingestor/enrichers/units'),
      import('@ha-ingestor/enrichers/ha-weather'),
      import('@ha-ingestor/enrichers/ha-calendar'),
      import('@ha-ingestor/enrichers/polled-context'),
      import('@ha-ingestor/enrichers/presets/openweathermap'),
      import('@ha-ingestor/enrichers/presets/openweathermap-air'),
      import('@ha-ingestor/enrichers/presets/carbon-intensity-uk'),
      import('@ha-ingestor/enrichers/presets/octopus-agile'),
    ]);
    const exported = [
      subpaths[0].registryEnricher,
      subpaths[1].timeContext,
      subpaths[2].unitNormalize,
      subpaths[3].haWeather,
      subpaths[4].haCalendar,
      subpaths[5].polledContext,
      subpaths[6].openWeatherMap,
      subpaths[7].openWeatherMapAir,
      subpaths[8].carbonIntensityUk,
      subpaths[9].octopusAgile,
    ];
    const expected = [
      barrel.registryEnricher,
      barrel.timeContext,
      barrel.unitNormalize,
      barrel.haWeather,
      barrel.haCalendar,
      barrel.polledContext,
      barrel.openWeatherMap,
      barrel.openWeatherMapAir,
      barrel.carbonIntensityUk,
      barrel.octopusAgile,
    ];
    exported.forEach((fn, i) => expect(fn).toBe(expected[i]));
  });
});
