import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect } from 'mqtt';
import { pipeline } from '@ha-ingestor/core';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { collectingSink, waitFor } from '@ha-ingestor/core/testing';
import { mqttSource } from '../../src/mqtt-source.js';
import type { MqttSourceOptions } from '../../src/options.js';
import type { BrokerTarget } from '../support/brokers.js';
import { startAedes, startMosquitto } from '../support/brokers.js';
import { publisher, quiet } from '../support/harness.js';

const targets: { name: string; start: () => Promise<BrokerTarget | undefined> }[] = [
  { name: 'mosquitto (MQTT 5)', start: startMosquitto },
  { name: 'aedes (MQTT 3.1.1)', start: startAedes },
];

describe.each(targets)('mqttSource in a real pipeline on $name', ({ start }) => {
  let target: BrokerTarget | undefined;
  let pub: MqttClient | undefined;
  beforeAll(async () => {
    target = await start();
    if (target !== undefined) pub = await publisher(target);
  });
  afterAll(async () => {
    await pub?.endAsync();
    await target?.close();
  });

  const build = (t: BrokerTarget, options: Partial<MqttSourceOptions>, clients: MqttClient[]) => {
    const sink = collectingSink<StateChangedEvent>();
    const source = mqttSource(
      {
        url: t.url,
        protocolVersion: t.protocolVersion,
        subscriptions: [{ topic: 'pl11/+n', parser: 'plain', plain: { entityId: 'sensor.{n}' } }],
        ...options,
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
      .dedupe()
      .to(sink, { batch: { maxSize: 10, maxWaitMs: 5 }, retry: { retries: 0 } })
      .build({ stopTimeoutMs: 300 });
    p.events.on('error', () => undefined);
    return { p, sink };
  };

  it('acknowledges only what the sink wrote: a crash while the sink hangs loses nothing', async (t) => {
    if (target === undefined || pub === undefined) return t.skip();
    const options = { clientId: `it-pipeline-${target.name}-${process.pid}` };
    const clients: MqttClient[] = [];
    const first = build(target, options, clients);
    first.sink.hold(); // the database hangs: nothing is durable, nothing may be acked
    await first.p.start();
    await quiet(300);
    for (let i = 0; i < 50; i++) await pub.publishAsync('pl11/seq', String(i), { qos: 1 });
    await waitFor(() => first.p.stats().received, '50 received', { until: (n) => n >= 50, timeoutMs: 10_000 });
    expect(first.p.stats().received).toBe(50);
    expect(first.sink.written()).toHaveLength(0);
    clients.at(-1)?.stream.destroy(); // abrupt death: no DISCONNECT
    await first.p.stop();

    const second = build(target, options, clients);
    await second.p.start();
    await waitFor(() => second.sink.written().length, '50 redelivered and written', {
      until: (n) => n >= 50,
      timeoutMs: 10_000,
    });
    await quiet(300);
    await second.p.stop();
    const states = second.sink.written().map((e) => Number(e.state));
    expect(states.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('does not ack what the sink failed to write, reconnects, and gets it redelivered', async (t) => {
    if (target === undefined || pub === undefined) return t.skip();
    const clients: MqttClient[] = [];
    const { p, sink } = build(
      target,
      { clientId: `it-pipeline-fail-${target.name}-${process.pid}`, reconnect: { minDelayMs: 20, maxDelayMs: 50 } },
      clients,
    );
    const statuses: boolean[] = [];
    p.events.on('source:status', (_name, status) => statuses.push(status.connected));
    await p.start();
    await quiet(300);
    sink.failNext(2); // the database rejects two writes (no retries, no outbox): onFailed reaches the source
    for (let i = 0; i < 20; i++) await pub.publishAsync('pl11/seq', String(100 + i), { qos: 1 });
    const written = () => new Set(sink.written().map((e) => Number(e.state)));
    await waitFor(() => written().size, '20 distinct states written', { until: (n) => n >= 20, timeoutMs: 10_000 });
    await p.stop();
    expect([...written()].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    expect(statuses.filter((c) => c).length).toBeGreaterThanOrEqual(2); // it reconnected
    expect(clients.length).toBeGreaterThanOrEqual(2);
  });
});
