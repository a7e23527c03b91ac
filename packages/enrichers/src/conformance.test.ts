import { createRegistryStore } from '@ha-ingestor/core';
import type { HaEvent } from '@ha-ingestor/core';
import { makeStateChanged, testEnricher, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { z } from 'zod';
import {
  carbonIntensityUk,
  haCalendar,
  haWeather,
  openWeatherMap,
  polledContext,
  registryEnricher,
  timeContext,
  unitNormalize,
} from './index.js';
import type { FetchLike } from './index.js';

// The core enricher conformance suite, run against every enricher of this package.

const registry = createRegistryStore({
  config: { time_zone: 'Europe/Amsterdam', latitude: 52.37, longitude: 4.9 },
  areas: [{ area_id: 'kitchen', name: 'Kitchen', floor_id: null, labels: [] }],
  entities: [
    {
      entity_id: 'sensor.test_temperature',
      unique_id: 'u1',
      platform: 'zha',
      device_id: null,
      area_id: 'kitchen',
      labels: [],
      name: null,
    },
  ],
});

const samples = (): HaEvent[] => [
  makeStateChanged(),
  makeStateChanged({ entity_id: 'sensor.power', state: '1.5', attributes: { unit_of_measurement: 'kW' } }),
  makeStateChanged({ entity_id: 'sun.sun', state: 'above_horizon', attributes: {} }),
  makeStateChanged({ entity_id: 'weather.home', state: 'sunny', attributes: { temperature: 3, humidity: 70 } }),
  makeStateChanged({ entity_id: 'calendar.work', state: 'on', attributes: { message: 'Standup' } }),
  makeStateChanged({ entity_id: 'light.x', state: 'on', attributes: {}, time_fired: TEST_EVENT_TIME + 1_000_000 }),
  {
    event_type: 'call_service',
    data: { domain: 'light', service: 'turn_on', service_data: { entity_id: 'light.x' } },
    time_fired: TEST_EVENT_TIME,
    context: null,
    provenance: { source: 'test', mode: 'live', receivedAt: TEST_EVENT_TIME },
    key: 'call_service@1',
  },
];

const jsonFetch =
  (body: unknown): FetchLike =>
  () =>
    Promise.resolve({ status: 200, headers: new Headers(), text: () => Promise.resolve(JSON.stringify(body)) });

testEnricher({ name: 'registry', create: () => registryEnricher(undefined, { registry }), sampleEvents: samples });
testEnricher({ name: 'time-context', create: () => timeContext(undefined, { registry }), sampleEvents: samples });
testEnricher({ name: 'unit-normalize', create: () => unitNormalize(), sampleEvents: samples });
testEnricher({ name: 'ha-weather', create: () => haWeather({ entityId: 'weather.home' }), sampleEvents: samples });
testEnricher({
  name: 'ha-calendar',
  create: () => haCalendar({ entityIds: ['calendar.work'] }),
  sampleEvents: samples,
});
testEnricher({
  name: 'polled-context',
  create: () =>
    polledContext(
      { name: 'outside', url: 'http://127.0.0.1:1/x?lat={lat}&lon={lon}' },
      { schema: z.object({ t: z.number() }), select: (d) => ({ t: d.t }), fetch: jsonFetch({ t: 1 }), registry },
    ),
  sampleEvents: samples,
});
testEnricher({
  name: 'openweathermap preset',
  create: () =>
    openWeatherMap(
      { apiKey: 'k' },
      {
        registry,
        fetch: jsonFetch({ weather: [{ main: 'Clear' }], main: { temp: 1, pressure: 1000, humidity: 50 }, dt: 1 }),
      },
    ),
  sampleEvents: samples,
});
testEnricher({
  name: 'carbon intensity preset (no data: passes events through)',
  create: () => carbonIntensityUk({}, { fetch: jsonFetch({ data: [] }) }),
  sampleEvents: samples,
});
