import fc from 'fast-check';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { isValidEntityId, stableJson } from '../../src/parser.js';

/**
 * fast-check generators for the MQTT fuzz tests (issue 11): broker input is untrusted, so topics and
 * payloads range from realistic HA traffic to control characters, wildcards, unicode, 5,000-character
 * levels, arbitrary bytes, JSON nested far past the bound, huge numbers and NaN-like strings. The pools
 * overlap on purpose (config topics name state topics that messages use) so that the parsers' stateful
 * paths — assembly, discovery mapping, replay memory — are reached, not only their first checks.
 */
const LEVELS = [
  'ha',
  'homeassistant',
  'zigbee2mqtt',
  'sensors',
  'dev',
  'sensor',
  'light',
  'binary_sensor',
  'kitchen',
  'e1',
  'state',
  'last_updated',
  'last_changed',
  'attributes',
  'unit',
  'config',
  'status',
  'bridge',
  'set',
  'Plug 1',
  '+',
  '#',
  '',
  '$SYS',
  '__proto__',
  'constructor',
  'Küche',
  'a b',
  '温度',
  '\u0000',
  '\n',
  '🌡️',
];

/** One topic level: a realistic name, an arbitrary string (any code point), or a very long one. */
export const level = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...LEVELS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(5000)) },
);

/** A topic: mostly levels joined by `/` under a known prefix, sometimes any string at all. */
export const topic = fc.oneof(
  // `<base>/<a>/<b>/<c>`: the statestream and discovery shapes with hostile levels.
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('ha', 'homeassistant'),
        level,
        level,
        fc.oneof(fc.constantFrom('state', 'last_updated', 'config'), level),
      )
      .map((ls) => ls.join('/')),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('ha', 'homeassistant', 'zigbee2mqtt', 'sensors', 'dev'), fc.array(level, { maxLength: 4 }))
      .map(([b, ls]) => [b, ...ls].join('/')),
  },
  { weight: 2, arbitrary: fc.array(level, { minLength: 1, maxLength: 6 }).map((ls) => ls.join('/')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

const deepArray = fc.integer({ min: 20, max: 3000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const deepObject = fc.integer({ min: 20, max: 300 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n));
const oddText = fc.constantFrom(
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-0',
  '123456789012345678901234567890',
  '',
  ' ',
  'null',
  'true',
  '"on"',
  'ON',
  '2026-11-29T10:00:00.123456+00:00',
  '"2026-11-29T10:00:00+00:00"',
  '2026-13-45T99:00:00',
  '275760-09-13T00:00:00Z',
  '{"__proto__":{"polluted":1}}',
  '{"state":"ON","temperature":21.5,"linkquality":120}',
  '{"constructor":{"prototype":1}}',
);
const template = fc.constantFrom(
  undefined,
  null,
  3,
  '{{ value }}',
  '{{ value_json.temperature }}',
  '{{ value_json["a b"][0] }}',
  '{{ value | float }}',
);
const discoveryConfig = fc
  .record(
    {
      stat_t: fc.oneof(topic, fc.constantFrom('dev/a', 'zigbee2mqtt/Plug 1', '#', 'dev/+')),
      json_attr_t: fc.oneof(topic, fc.constantFrom('dev/a', 'dev/attrs')),
      val_tpl: template,
      obj_id: fc.string({ maxLength: 12 }),
      def_ent_id: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('sensor.ok', 'Bad.ID', '.')),
      name: fc.option(fc.string({ maxLength: 12 })),
      dev: fc.option(
        fc.record({ name: fc.string({ maxLength: 8 }), ids: fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }) }),
      ),
      pl_on: fc.string({ maxLength: 4 }),
    },
    { requiredKeys: [] },
  )
  .map((c) => JSON.stringify(c));

/** Payload text: arbitrary JSON, any string, edge values, JSON nested past the bound, discovery configs. */
export const text = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  oddText,
  deepArray,
  deepObject,
  discoveryConfig,
);

/** Payload bytes: the text as UTF-8, or arbitrary bytes (invalid UTF-8 included). */
export const payload = fc.oneof(
  { weight: 4, arbitrary: text.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b)) },
);

/** Realistic payloads for a parser plus arbitrary bytes. */
export const payloadFor = (...realistic: string[]) =>
  realistic.length === 0
    ? payload
    : fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...realistic).map((t) => Buffer.from(t)) },
        { weight: 4, arbitrary: payload },
      );

/** A realistic topic for a parser plus whatever else the broker may send. */
export const topicFor = (...realistic: string[]) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...realistic) }, { weight: 4, arbitrary: topic });

/** Problems with an event that no input may cause: each is a bug. */
export function eventProblems(event: StateChangedEvent): string[] {
  const problems: string[] = [];
  if (!isValidEntityId(event.entity_id)) problems.push(`invalid entity id ${JSON.stringify(event.entity_id)}`);
  if (`${event.domain}.${event.object_id}` !== event.entity_id)
    problems.push('domain/object_id do not make the entity id');
  if (!Number.isSafeInteger(event.last_updated) || !Number.isSafeInteger(event.last_changed))
    problems.push('time is not an integer µs');
  if (event.key !== `${event.entity_id}@${event.last_updated}`) problems.push(`key ${event.key}`);
  if (typeof event.state !== 'string' && event.state !== null) problems.push('state is not text');
  if (stableJson(event.attributes) === undefined) problems.push('attributes are not bounded JSON');
  return problems;
}

/** Dead-letter / ignore reasons are short snake_case labels (metric label values). */
export const REASON = /^[a-z0-9_]{3,40}$/;
