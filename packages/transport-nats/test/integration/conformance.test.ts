import type { HaEvent } from '@ha-ingestor/core';
import { createTestContext, makeStateChanged, testSink, testSource, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { afterAll } from 'vitest';
import { requireService } from '../../../../test-support/services.js';
import { natsSink } from '../../src/nats-sink.js';
import { natsSource } from '../../src/nats-source.js';
import { admin, newTarget, type Target } from './helpers.js';

let target: Target | undefined;
let n = 0;
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

testSink<HaEvent>({
  name: 'nats (JetStream)',
  create: () => {
    target = newTarget(requireService('nats').url, 'csink');
    return natsSink({ ...target, home: 'conformance' });
  },
  sampleEvents: () =>
    Array.from({ length: 3 }, () => {
      n++;
      return makeStateChanged({ entity_id: `sensor.c${n % 3}`, state: String(n), last_updated: TEST_EVENT_TIME + n });
    }),
  // What the stream holds, one entry per stored message.
  read: async () => {
    if (target === undefined) return [];
    const a = await admin(target.servers);
    try {
      const info = await a.stream(target.stream).catch(() => undefined);
      return Array.from({ length: info?.state.messages ?? 0 });
    } finally {
      await a.close();
    }
  },
});

let sourceTarget: Target | undefined;
testSource<HaEvent>({
  name: 'nats (durable pull consumer)',
  create: () => {
    sourceTarget = newTarget(requireService('nats').url, 'csrc');
    return natsSource({ ...sourceTarget, closeGraceMs: 0 });
  },
  trigger: async () => {
    if (sourceTarget === undefined) return;
    const sink = natsSink({ ...sourceTarget, home: 'conformance' });
    closers.push(async () => sink.close?.());
    n++;
    // A context of its own: the source's is aborted when the suite triggers once more after the stop.
    await sink.write(
      [makeStateChanged({ entity_id: 'sensor.src', state: String(n), last_updated: TEST_EVENT_TIME + n })],
      createTestContext(),
    );
  },
});
