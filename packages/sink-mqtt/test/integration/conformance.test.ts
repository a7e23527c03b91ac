import type { StateChangedEvent } from '@ha-ingestor/core';
import { makeStateChanged, testSink, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { afterAll } from 'vitest';
import { requireService, uniqueName } from '../../../../test-support/services.js';
import { mqttSink } from '../../src/mqtt-sink.js';
import { subscribe, type Subscriber } from './subscriber.js';

const subscribers: Subscriber[] = [];
afterAll(async () => {
  for (const s of subscribers.splice(0)) await s.close();
});

let current: Subscriber | undefined;
let n = 0;
testSink<StateChangedEvent>({
  name: 'mqtt (Mosquitto)',
  create: async () => {
    const { url } = requireService('mosquitto');
    const prefix = uniqueName('conf');
    current = await subscribe(url, prefix);
    subscribers.push(current);
    return mqttSink({ url, topicPrefix: prefix });
  },
  sampleEvents: () =>
    Array.from({ length: 3 }, () => {
      n++;
      return makeStateChanged({ entity_id: `sensor.c${n % 3}`, state: String(n), last_updated: TEST_EVENT_TIME + n });
    }),
  read: () => current?.barrier() ?? Promise.resolve([]),
});
