import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { parseHaTime, pipeline } from '@ha-ingestor/core';
import { collectingSink, waitFor } from '@ha-ingestor/core/testing';
import { uniqueName } from '../../../../test-support/services.js';
import { mqttSource } from '../../src/mqtt-source.js';
import type { BrokerTarget } from '../support/brokers.js';
import { startMosquitto } from '../support/brokers.js';
import { publisher, quiet } from '../support/harness.js';

// Issue 11, the crash loop: one 6 KB statestream attribute nested 3,000 deep killed the process from a
// timer, and because it was never PUBACKed the broker redelivered it after every restart. On the real
// broker: it must be dead-lettered and acknowledged, other entities must keep flowing into the sink,
// and a restart on the same persistent session must not receive it again.
const HOSTILE = '['.repeat(3000) + ']'.repeat(3000);
const LU_KITCHEN = '2026-11-29T10:00:00.123456+00:00';
const LU_DESK = '2026-11-29T10:00:01.000001+00:00';
const LU_LATER = '2026-11-29T10:05:00.000002+00:00';

interface DeadLetterLine {
  readonly reason: string;
  readonly stage: string;
  readonly data?: { readonly topic?: string };
}

describe('hostile statestream input on mosquitto (MQTT 5)', () => {
  let target: BrokerTarget | undefined;
  let pub: MqttClient | undefined;
  let dir = '';
  beforeAll(async () => {
    target = await startMosquitto();
    if (target !== undefined) pub = await publisher(target);
    dir = await mkdtemp(join(tmpdir(), 'h11-mqtt-'));
  });
  afterAll(async () => {
    await pub?.endAsync();
    await rm(dir, { recursive: true, force: true });
  });

  const build = (t: BrokerTarget, base: string, clientId: string, deadLetterPath: string, clients: MqttClient[]) => {
    const sink = collectingSink<StateChangedEvent>();
    const source = mqttSource(
      {
        url: t.url,
        protocolVersion: 5,
        clientId,
        subscriptions: [{ topic: `${base}/#`, parser: 'statestream', statestream: { baseTopic: base } }],
      },
      {
        createClient: (url, opts) => {
          const c = connect(url, opts);
          clients.push(c);
          return c;
        },
      },
    );
    const p = pipeline(source)
      .to(sink, { batch: { maxSize: 10, maxWaitMs: 5 }, retry: { retries: 0 } })
      .build({ deadLetter: { path: deadLetterPath }, stopTimeoutMs: 300 });
    const errors: unknown[] = [];
    p.events.on('error', (error) => errors.push(error));
    return { p, sink, errors };
  };

  const deadLetters = async (path: string): Promise<DeadLetterLine[]> => {
    const text = await readFile(path, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as DeadLetterLine);
  };

  it('dead-letters and PUBACKs the 6 KB message; other entities reach the sink; a restart does not get it again', async (t) => {
    if (target === undefined || pub === undefined) return t.skip();
    const base = uniqueName('h11ss');
    const clientId = uniqueName('it-hostile');
    const path = join(dir, `${base}.ndjson`);
    const clients: MqttClient[] = [];
    const first = build(target, base, clientId, path, clients);
    await first.p.start();
    await quiet(300); // SUBSCRIBE goes out right after CONNACK
    const publish = (topic: string, payload: string) =>
      pub?.publishAsync(`${base}/${topic}`, payload, { qos: 1, retain: true });
    await publish('sensor/kitchen/state', '21.5');
    await publish('sensor/kitchen/last_updated', LU_KITCHEN);
    await publish('sensor/kitchen/evil', HOSTILE);
    await publish('sensor/kitchen/unit_of_measurement', '"°C"');
    await publish('light/desk/state', 'on');
    await publish('light/desk/last_updated', LU_DESK);
    await waitFor(
      async () => ({ written: first.sink.written().length, deadLetters: (await deadLetters(path)).length }),
      'two written events and the dead letter',
      {
        until: (n) => n.written >= 2 && n.deadLetters >= 1,
        timeoutMs: 10_000,
      },
    );
    // Every PUBACK went out: nothing of this connection is left in flight.
    await waitFor(
      async () => /mqtt_messages_in_flight\{source="mqtt"\} \d+/.exec(await first.p.metrics.registry.metrics())?.[0],
      'no message in flight',
      {
        until: (line) => line === 'mqtt_messages_in_flight{source="mqtt"} 0',
        timeoutMs: 10_000,
      },
    );
    const records = await deadLetters(path);
    expect(records).toEqual([
      expect.objectContaining({
        stage: 'source:mqtt',
        reason: 'json_too_deep',
        data: expect.objectContaining({ topic: `${base}/sensor/kitchen/evil` }) as unknown,
      }),
    ]);
    const byId = Object.fromEntries(first.sink.written().map((e) => [e.entity_id, e]));
    expect(byId['sensor.kitchen']).toMatchObject({
      state: '21.5',
      last_updated: parseHaTime(LU_KITCHEN),
      attributes: { unit_of_measurement: '°C' },
    });
    expect(byId['sensor.kitchen']?.attributes).not.toHaveProperty('evil');
    expect(byId['light.desk']).toMatchObject({ state: 'on', last_updated: parseHaTime(LU_DESK) });
    expect(first.errors).toEqual([]);
    // Abrupt death (no DISCONNECT), as a crash would be: the session keeps only what was not acknowledged.
    clients.at(-1)?.stream.destroy();
    await first.p.stop();

    const second = build(target, base, clientId, path, clients);
    await second.p.start();
    await quiet(300);
    await publish('light/desk/state', 'off');
    await publish('light/desk/last_updated', LU_LATER);
    await waitFor(() => second.sink.written().length, 'an event after the restart', {
      until: (n) => n >= 1,
      timeoutMs: 10_000,
    });
    await quiet(500); // time for a redelivery, if there were one
    await second.p.stop();
    expect(second.sink.written().map((e) => [e.entity_id, e.state])).toEqual([['light.desk', 'off']]);
    expect((await deadLetters(path)).map((r) => r.reason)).toEqual(['json_too_deep']);
    expect(second.errors).toEqual([]);
    for (const topic of [
      'sensor/kitchen/state',
      'sensor/kitchen/last_updated',
      'sensor/kitchen/evil',
      'sensor/kitchen/unit_of_measurement',
      'light/desk/state',
      'light/desk/last_updated',
    ]) {
      await publish(topic, ''); // clear the retained messages
    }
  });
});
