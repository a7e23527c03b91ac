import { makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { fastEventSchema, strictEventSchema, validationSchema } from './validation.js';

const T = TEST_EVENT_TIME;
const good = makeStateChanged({ entity_id: 'sensor.kitchen_temperature', state: '21.5' });
const callService = {
  event_type: 'call_service',
  time_fired: T,
  context: { id: '01HCTX', parent_id: null, user_id: 'u1' },
  provenance: { source: 'ha-websocket', mode: 'live', receivedAt: T },
  key: 'call_service@1',
  data: { domain: 'light', service: 'turn_on', service_data: { entity_id: 'light.kitchen' } },
};
const automation = {
  ...callService,
  event_type: 'automation_triggered',
  key: 'automation@1',
  data: { name: 'Lights on', entity_id: 'automation.lights_on', source: 'state of sensor.motion' },
};

/** The first issue's "path: message", or undefined when the event passes. */
function problem(schema: typeof fastEventSchema, event: unknown): string | undefined {
  const r = schema.safeParse(event);
  if (r.success) return undefined;
  const issue = r.error.issues[0];
  return `${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`;
}

// Hostile or malformed events both levels refuse, with the field and what is wrong.
const MALFORMED: readonly [string, unknown, RegExp][] = [
  ['not an object', 'state_changed', /event is text, not an object/],
  ['an array', [good], /event is an array/],
  ['null', null, /event is null/],
  ['no event_type', { ...good, event_type: undefined }, /^event_type: /],
  ['NaN time_fired', { ...good, time_fired: Number.NaN }, /^time_fired: .*finite/],
  ['Infinity last_updated', { ...good, last_updated: Number.POSITIVE_INFINITY }, /^last_updated: .*finite/],
  ['text last_changed', { ...good, last_changed: '2024-01-01T00:00:00Z' }, /^last_changed: /],
  ['no key', { ...good, key: '' }, /^key: /],
  ['no provenance', { ...good, provenance: null }, /^provenance: /],
  [
    'entity id without a dot',
    { ...good, entity_id: 'kitchen' },
    /^entity_id: entity_id "kitchen" is not domain\.object_id/,
  ],
  ['upper-case entity id', { ...good, entity_id: 'Sensor.Kitchen' }, /^entity_id: /],
  ['entity id with a newline', { ...good, entity_id: 'sensor.a\nb' }, /^entity_id: /],
  ['numeric state', { ...good, state: 21.5 }, /^state: state must be text or null, not number/],
  ['object state', { ...good, state: { v: 1 } }, /^state: .*not object/],
  ['256-character state', { ...good, state: 'x'.repeat(256) }, /^state: state has 256 characters, more than HA's 255/],
  ['array attributes', { ...good, attributes: [1, 2] }, /^attributes: .*not an array/],
  ['null attributes', { ...good, attributes: null }, /^attributes: .*not null/],
  ['text old_state', { ...good, old_state: 'on' }, /^old_state: /],
  ['call_service without data', { ...callService, data: 'x' }, /^data: data must be an object, not text/],
];

describe('VALIDATION levels', () => {
  it('off has no validate stage; fast and strict have one each', () => {
    expect(validationSchema('off')).toBeUndefined();
    expect(validationSchema('fast')).toBe(fastEventSchema);
    expect(validationSchema('strict')).toBe(strictEventSchema);
  });

  it.each([
    ['fast', fastEventSchema],
    ['strict', strictEventSchema],
  ] as const)('%s passes valid events through untouched (the same object, not a copy)', (_name, schema) => {
    for (const event of [good, callService, automation, makeStateChanged({ state: null, attributes: {} })]) {
      const r = schema.safeParse(event);
      expect(r.success && r.data).toBe(event);
    }
  });

  it.each(MALFORMED)('fast and strict refuse %s', (_what, event, message) => {
    expect(problem(fastEventSchema, event)).toMatch(message);
    expect(problem(strictEventSchema, event)).toMatch(message);
  });

  // What only strict checks: the full shape and its sanity rules.
  it.each([
    [
      'last_changed after last_updated',
      { ...good, last_changed: T + 1 },
      /^last_changed: expected last_changed ≤ last_updated/,
    ],
    [
      'last_reported before last_updated',
      { ...good, last_reported: T - 1 },
      /last_changed ≤ last_updated ≤ last_reported/,
    ],
    [
      'domain disagreeing with entity_id',
      { ...good, domain: 'light' },
      /^domain: domain and object_id must be the two parts/,
    ],
    [
      'a double underscore domain',
      { ...good, entity_id: 'sen__sor.x', domain: 'sen__sor', object_id: 'x' },
      /^entity_id: expected an HA entity id/,
    ],
    [
      'a trailing underscore',
      { ...good, entity_id: 'sensor.x_', object_id: 'x_' },
      /^entity_id: expected an HA entity id/,
    ],
    [
      'a numeric unit',
      { ...good, attributes: { unit_of_measurement: 5 } },
      /^attributes\.unit_of_measurement: unit_of_measurement must be text, not number/,
    ],
    ['an empty attribute name', { ...good, attributes: { '': 1 } }, /^attributes: empty attribute name/],
    [
      'a 300-character attribute name',
      { ...good, attributes: { ['k'.repeat(300)]: 1 } },
      /^attributes: attribute name of 300 characters \(more than 255\): "k{64}…"/,
    ],
    [
      'a 100 KiB text attribute',
      { ...good, attributes: { note: 'x'.repeat(100 * 1024) } },
      /^attributes\.note: text of 102400 characters, more than 65536/,
    ],
    [
      '1001 attributes',
      { ...good, attributes: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`a${i}`, i])) },
      /^attributes: 1001 attributes, more than 1000/,
    ],
    [
      'an old_state of another entity',
      { ...good, old_state: { ...oldState(), entity_id: 'sensor.other' } },
      /^old_state\.entity_id: old_state is of another entity/,
    ],
    ['an old_state with a numeric state', { ...good, old_state: { ...oldState(), state: 20 } }, /^old_state\.state: /],
    [
      'a context without an id',
      { ...good, context: { id: '', parent_id: null, user_id: null } },
      /^context\.id: expected a context id/,
    ],
    [
      'a context id that is a number',
      { ...good, context: { id: 5, parent_id: null, user_id: null } },
      /^context\.id: /,
    ],
    [
      'an unknown delivery mode',
      { ...good, provenance: { source: 's', mode: 'teleport', receivedAt: T } },
      /^provenance\.mode: /,
    ],
    ['an unknown origin', { ...good, origin: 'MARS' }, /^origin: /],
    [
      'call_service with a bad domain',
      { ...callService, data: { ...callService.data, domain: 'Light!' } },
      /^data\.domain: expected a domain/,
    ],
    [
      'call_service with list service_data',
      { ...callService, data: { ...callService.data, service_data: [1] } },
      /^data\.service_data: /,
    ],
    ['automation_triggered without entity_id', { ...automation, data: { name: 'x' } }, /^data\.entity_id: /],
  ])('strict refuses %s; fast lets it through', (_what, event, message) => {
    expect(problem(strictEventSchema, event)).toMatch(message);
    expect(problem(fastEventSchema, event)).toBeUndefined();
  });

  it('strict accepts an old_state of the same entity and the removal of an entity (state null)', () => {
    expect(problem(strictEventSchema, { ...good, old_state: oldState() })).toBeUndefined();
    expect(problem(strictEventSchema, makeStateChanged({ state: null, attributes: {} }))).toBeUndefined();
  });
});

function oldState() {
  return {
    entity_id: good.entity_id,
    state: '21.0',
    attributes: {},
    last_changed: T - 10,
    last_updated: T - 10,
    context: null,
  };
}
