import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MqttSubscriptionSchema } from '../options.js';
import type { MqttMessage, MqttParser, ParseResult, SettledResult } from '../parser.js';
import { parserContext } from '../test-helpers.js';
import { REASON, eventProblems, payloadFor, topicFor } from '../../test/support/fuzz-arbitraries.js';
import { createSubscriptionParser } from './index.js';

// Issue 11: property-based fuzzing of every parser of untrusted MQTT input. Whatever the topic and payload,
// no exception escapes, nothing is reported by the guard, and every message ends exactly once as an event
// (valid entity id, integer µs times, bounded JSON attributes), a dead-letter or an ignore with a reason —
// or, for `auto`, `unmapped` (the source then dead-letters it). Timers run to completion on fake time.
const SEED = 20_261_129;

const step = fc.record({
  gapMs: fc.constantFrom(0, 0, 1, 50, 99, 100, 250, 2500),
  retain: fc.boolean(),
  relieve: fc.boolean(),
});

const DEVICE = '{"temperature":21.5,"state":"ON","battery":97}';
const CONFIGS = [
  JSON.stringify({
    stat_t: 'dev/a',
    val_tpl: '{{ value_json.temperature }}',
    obj_id: 'a_temp',
    json_attr_t: 'dev/attrs',
    unit_of_meas: '°C',
  }),
  JSON.stringify({
    stat_t: 'zigbee2mqtt/Plug 1',
    val_tpl: '{{ value_json.state }}',
    name: 'Plug',
    dev: { name: 'Kitchen' },
  }),
  JSON.stringify({ stat_t: 'dev/a' }),
  JSON.stringify({ stat_t: 'dev/+', obj_id: 'wild' }),
  '',
];

// Discovery needs a config before its device state: realistic pairs make that sequence likely.
const DISCOVERY_PAIRS: [string, string][] = [
  ['homeassistant/sensor/e1/config', CONFIGS[0] ?? ''],
  ['homeassistant/sensor/node/e2/config', CONFIGS[1] ?? ''],
  ['homeassistant/sensor/e3/config', CONFIGS[2] ?? ''],
  ['homeassistant/sensor/e1/config', CONFIGS[3] ?? ''],
  ['homeassistant/sensor/e1/config', ''],
  ['dev/a', DEVICE],
  ['dev/a', '21.5'],
  ['dev/attrs', '{"a":1}'],
  ['zigbee2mqtt/Plug 1', DEVICE],
];

const cases: {
  name: string;
  subscription: Record<string, unknown>;
  topics: string[];
  payloads: string[];
  pairs?: [string, string][];
}[] = [
  {
    name: 'statestream',
    subscription: {
      topic: 'ha/#',
      parser: 'statestream',
      statestream: { baseTopic: 'ha', maxOpenAssemblies: 4, maxEntities: 4, maxTimestampWaits: 2 },
    },
    topics: [
      'ha/sensor/e1/state',
      'ha/sensor/e1/last_updated',
      'ha/sensor/e1/last_changed',
      'ha/sensor/e1/unit',
      'ha/light/kitchen/state',
      'ha/light/kitchen/attributes',
    ],
    payloads: ['21.5', 'on', '2026-11-29T10:00:00.123456+00:00', '"°C"', '{"brightness":128}'],
  },
  {
    name: 'discovery',
    subscription: { topic: 'homeassistant/#', parser: 'discovery', discovery: { maxEntities: 3 } },
    topics: [
      'homeassistant/sensor/e1/config',
      'homeassistant/sensor/node/e2/config',
      'dev/a',
      'dev/attrs',
      'zigbee2mqtt/Plug 1',
      'homeassistant/status',
    ],
    payloads: [...CONFIGS, DEVICE, '{"linkquality":9}', '21.5'],
    pairs: DISCOVERY_PAIRS,
  },
  {
    name: 'json (zigbee2mqtt)',
    subscription: { topic: 'zigbee2mqtt/#', parser: 'json', json: { maxDevices: 3 } },
    topics: ['zigbee2mqtt/Plug 1', 'zigbee2mqtt/Küche/Sensor', 'zigbee2mqtt/bridge/state', 'zigbee2mqtt/Plug 1/set'],
    payloads: [DEVICE, '{"state":null}', '{}'],
  },
  {
    name: 'json (property mode)',
    subscription: { topic: 'zigbee2mqtt/#', parser: 'json', json: { mode: 'property' } },
    topics: ['zigbee2mqtt/Plug 1', 'zigbee2mqtt/x'],
    payloads: [DEVICE, '{"__proto__":1,"a b":2}'],
  },
  {
    name: 'plain',
    subscription: {
      topic: 'sensors/+room/#rest',
      parser: 'plain',
      plain: { entityId: 'sensor.{room}_{rest}', numeric: 'always' },
    },
    topics: ['sensors/kitchen/temp', 'sensors/Küche/a/b', 'sensors//x'],
    payloads: ['21.5', ' -3 ', '1e3'],
  },
  {
    name: 'auto',
    subscription: {
      topic: 'homeassistant/#',
      parser: 'auto',
      statestream: { maxTimestampWaits: 1 },
      discovery: { maxEntities: 3 },
    },
    topics: [
      'homeassistant/sensor/e1/config',
      'homeassistant/sensor/e1/state',
      'homeassistant/sensor/e1/last_updated',
      'dev/a',
      'homeassistant/status',
    ],
    payloads: [...CONFIGS, DEVICE, '21.5', '2026-11-29T10:00:00.123456+00:00'],
    pairs: [
      ...DISCOVERY_PAIRS,
      ['homeassistant/sensor/e1/state', 'on'],
      ['homeassistant/sensor/e1/last_updated', '2026-11-29T10:00:00.123456+00:00'],
    ],
  },
];

describe('MQTT parsers under arbitrary input (fuzz, issue 11)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it.each(cases)(
    '$name: every message ends once as an event, a dead-letter or an ignore; nothing throws',
    ({ subscription, topics, payloads, pairs }) => {
      // Realistic topic/payload pairs reach the stateful paths (a config, then its device state); the
      // mixes and the arbitrary ones hit the edges.
      const realistic = (
        pairs === undefined
          ? fc.tuple(fc.constantFrom(...topics), fc.constantFrom(...payloads))
          : fc.constantFrom(...pairs)
      ).map(([t, text]) => [t, Buffer.from(text)] as const);
      const message = fc.oneof(
        { weight: 2, arbitrary: realistic },
        { weight: 3, arbitrary: fc.tuple(topicFor(...topics), payloadFor(...payloads)) },
      );
      const messages = fc.array(
        fc.tuple(message, step).map(([[t, b], s]) => [t, b, s] as const),
        { minLength: 1, maxLength: 25 },
      );
      fc.assert(
        fc.property(messages, fc.boolean(), (input, crowded) => {
          const parser: MqttParser = createSubscriptionParser(MqttSubscriptionSchema.parse(subscription));
          const ctx = parserContext({ crowded: () => crowded });
          const outcomes = new Map<number, ParseResult | SettledResult>();
          const pending = new Set<number>();
          let id = 0;
          for (const [t, bytes, s] of input) {
            vi.advanceTimersByTime(s.gapMs);
            const m: MqttMessage = {
              id: id++,
              topic: t,
              payload: bytes,
              text: bytes.toString('utf8'),
              qos: 1,
              retain: s.retain,
              receivedAt: Date.now() * 1000 + id,
            };
            const result = parser.parse(m, ctx);
            if (result.kind === 'pending') pending.add(m.id);
            else outcomes.set(m.id, result);
            if (s.relieve) parser.relieve?.(ctx);
          }
          vi.runAllTimers();
          parser.flush?.(ctx);
          for (const { messages: settled, result } of ctx.settled) {
            for (const m of settled) {
              expect(pending.delete(m.id), `message ${m.id} settled twice or was never pending`).toBe(true);
              outcomes.set(m.id, result);
            }
          }
          expect([...pending], 'messages never settled').toEqual([]);
          expect(outcomes.size).toBe(input.length);
          expect(ctx.reported).toEqual([]);
          for (const result of outcomes.values()) {
            if (result.kind === 'events') for (const e of result.events) expect(eventProblems(e)).toEqual([]);
            if (result.kind === 'invalid') {
              expect(result.reason).toMatch(REASON);
              expect(result.message.length).toBeGreaterThan(0);
            }
            if (result.kind === 'ignored') expect(result.reason).toMatch(REASON);
          }
          parser.close?.();
        }),
        { seed: SEED, numRuns: 150 },
      );
    },
  );
});
