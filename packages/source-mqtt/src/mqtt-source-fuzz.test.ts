import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClient, flush } from '../test/support/fake-client.js';
import { REASON, eventProblems, payload, topicFor } from '../test/support/fuzz-arbitraries.js';
import { recordingContext } from '../test/support/recording-context.js';
import { mqttSource } from './mqtt-source.js';

// Issue 11: the whole source under arbitrary broker traffic, every parser subscribed at once. The property
// that matters to the broker: every QoS 1 message gets exactly one PUBACK (nothing is redelivered into the
// same failure, nothing blocks the ordered ack window), nothing is reported as an internal error, every
// dead-letter has a reason, and every event is valid. Fake time runs every window, wait and settle timer.
const TOPICS = [
  'ha/sensor/e1/state',
  'ha/sensor/e1/last_updated',
  'ha/sensor/e1/unit',
  'homeassistant/sensor/e1/config',
  'homeassistant/status',
  'dev/a',
  'zigbee2mqtt/Plug 1',
  'zigbee2mqtt/bridge/state',
  'sensors/kitchen/temp',
  'sensors/x/y/z',
];

describe('mqttSource under arbitrary broker traffic (fuzz, issue 11)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('acknowledges every QoS 1 message exactly once and dead-letters with a reason whatever arrives', async () => {
    const traffic = fc.array(fc.tuple(topicFor(...TOPICS), payload, fc.boolean(), fc.constantFrom(0, 0, 40, 150)), {
      minLength: 1,
      maxLength: 30,
    });
    await fc.assert(
      fc.asyncProperty(traffic, async (messages) => {
        const clients: FakeClient[] = [];
        const source = mqttSource(
          {
            url: 'mqtt://broker:1883',
            maxPayloadBytes: 4096,
            maxInFlight: 8,
            maxDynamicSubscriptions: 2,
            subscriptions: [
              {
                topic: 'ha/#',
                parser: 'statestream',
                statestream: { baseTopic: 'ha', maxTimestampWaits: 2, maxOpenAssemblies: 3 },
              },
              { topic: 'homeassistant/#', parser: 'auto', discovery: { settleMs: 200, maxEntities: 2 } },
              { topic: 'zigbee2mqtt/#', parser: 'json' },
              { topic: 'sensors/+room/+metric', parser: 'plain', plain: { entityId: 'sensor.{room}_{metric}' } },
            ],
          },
          {
            createClient: (url, opts) => {
              const c = new FakeClient(url, opts);
              clients.push(c);
              return c as unknown as MqttClient;
            },
          },
        );
        const rec = recordingContext({ autoAck: true });
        const run = source.run(rec.ctx);
        const client = clients[0];
        if (client === undefined) throw new Error('no client');
        client.connack();
        await flush();
        let messageId = 1;
        for (const [t, bytes, retain, gapMs] of messages) {
          await vi.advanceTimersByTimeAsync(gapMs);
          // Not awaited: at maxInFlight the source stops reading, as mqtt.js would wait for the callback.
          void client.deliver(t, bytes, { messageId: messageId++, retain });
        }
        await vi.advanceTimersByTimeAsync(10_000);
        expect(client.pubacks).toEqual(Array.from({ length: messages.length }, (_, i) => i + 1));
        expect(rec.errors).toEqual([]);
        for (const d of rec.deadLetters) expect(d.reason).toMatch(REASON);
        for (const e of rec.events()) expect(eventProblems(e)).toEqual([]);
        rec.controller.abort();
        await run;
      }),
      { seed: 20_261_129, numRuns: 60 },
    );
  });
});
