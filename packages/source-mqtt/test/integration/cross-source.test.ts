import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHaTime, pipeline } from '@ha-ingestor/core';
import type { HaEvent } from '@ha-ingestor/core';
import { collectingSink, waitFor } from '@ha-ingestor/core/testing';
import { haWebSocketSource } from '@ha-ingestor/source-ws';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import type { EmittedEvent, HaSimulator } from '@ha-ingestor/ha-simulator';
import { mqttSource } from '../../src/mqtt-source.js';
import { createStatestreamPublisher } from '../../src/statestream-publisher.js';
import type { HaWireStateChanged, StatestreamPublisher } from '../../src/statestream-publisher.js';
import type { BrokerTarget } from '../support/brokers.js';
import { startAedes, startMosquitto } from '../support/brokers.js';
import { quiet } from '../support/harness.js';

const targets: { name: string; start: () => Promise<BrokerTarget | undefined> }[] = [
  { name: 'mosquitto (MQTT 5)', start: startMosquitto },
  { name: 'aedes (MQTT 3.1.1)', start: startAedes },
];

describe.each(targets)('WebSocket source + statestream on $name in one pipeline', ({ start }) => {
  let target: BrokerTarget | undefined;
  let sim: HaSimulator | undefined;
  let states: StatestreamPublisher | undefined;

  beforeAll(async () => {
    target = await start();
    if (target === undefined) return;
    sim = await createHaSimulator({ seed: 11, entityCount: 30 });
    states = await createStatestreamPublisher({
      url: target.url,
      baseTopic: 'x8',
      publishAttributes: true,
      publishTimestamps: true,
      clientOptions: { protocolVersion: target.protocolVersion },
    });
  });
  afterAll(async () => {
    await states?.close();
    await sim?.close();
    await target?.close();
  });

  it('stores each HA state change once although it arrives over both (same key, dedupe)', async (t) => {
    if (target === undefined || sim === undefined || states === undefined) return t.skip();
    const simulator = sim;
    const publisher = states;
    // HA itself: every state change goes out over the WebSocket API and through mqtt_statestream.
    const published: Promise<void>[] = [];
    const seen: EmittedEvent[] = [];
    let collecting = false;
    const unsubscribe = simulator.onEvent((e) => {
      if (collecting && e.event.event_type === 'state_changed') seen.push(e);
      const wire = asStateChanged(e.event);
      if (wire !== undefined) published.push(publisher.publish(wire));
    });
    const sink = collectingSink<HaEvent>();
    const p = pipeline(
      haWebSocketSource({ url: simulator.url, token: simulator.token, backfill: { enabled: false } }),
      mqttSource({
        url: target.url,
        protocolVersion: target.protocolVersion,
        clean: true,
        subscriptions: [{ topic: 'x8/#', parser: 'statestream', statestream: { baseTopic: 'x8' } }],
      }),
    )
      .dedupe()
      .to(sink, { batch: { maxSize: 100, maxWaitMs: 5 } })
      .build();
    p.events.on('error', () => undefined);
    await p.start();
    await quiet(500); // both sources connected and subscribed; retained statestream of earlier runs replayed
    const before = sink.written().length;
    collecting = true;
    simulator.step(40);
    await quiet(200); // anything the simulated home fires asynchronously after the step
    collecting = false;
    // Every state_changed (removals too: statestream publishes nothing for them, the WebSocket has them).
    const changes = [...seen];
    await Promise.all(published);
    const expected = new Set(changes.map((e) => `${e.entity_id ?? ''}@${parseHaTime(e.last_updated ?? '') ?? 0}`));
    const stateKeys = () =>
      sink
        .written()
        .slice(before)
        .filter((e) => e.event_type === 'state_changed')
        .map((e) => e.key);
    await waitFor(() => new Set(stateKeys()).size, `${expected.size} distinct state changes written`, {
      until: (n) => n >= expected.size,
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    await quiet(500); // let the later (assembled) MQTT copies arrive and be dropped
    const stats = await p.stop();
    unsubscribe();
    const keys = stateKeys();
    const extra = sink
      .written()
      .slice(before)
      .filter((e) => e.event_type === 'state_changed' && !expected.has(e.key))
      .map((e) => ({ key: e.key, provenance: e.provenance, state: (e as { state?: unknown }).state }));
    expect(extra, JSON.stringify(extra)).toEqual([]);
    expect(new Set(keys)).toEqual(expected);
    // One point per HA change: every MQTT copy carried the WebSocket copy's key and was dropped by dedupe.
    expect(keys).toHaveLength(expected.size);
    const overMqtt = changes.filter((e) => asStateChanged(e.event) !== undefined).length;
    expect(stats.dropped['duplicate'] ?? 0).toBeGreaterThanOrEqual(overMqtt);
  });
});

function asStateChanged(event: {
  readonly event_type: string;
  readonly data: Readonly<Record<string, unknown>>;
}): HaWireStateChanged | undefined {
  if (event.event_type !== 'state_changed') return undefined;
  const entityId = event.data['entity_id'];
  const state = event.data['new_state'];
  if (typeof entityId !== 'string' || state === null || typeof state !== 'object') return undefined;
  const s = state as Record<string, unknown>;
  if (typeof s['state'] !== 'string' || typeof s['last_updated'] !== 'string' || typeof s['last_changed'] !== 'string')
    return undefined;
  return {
    data: {
      entity_id: entityId,
      new_state: {
        state: s['state'],
        attributes: (s['attributes'] ?? {}) as Record<string, unknown>,
        last_updated: s['last_updated'],
        last_changed: s['last_changed'],
      },
    },
  };
}
