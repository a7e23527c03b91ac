import fc from 'fast-check';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { serializePoint } from '@ha-ingestor/core/line-protocol';
import type { Point } from '@ha-ingestor/core/line-protocol';
import { describe, expect, it } from 'vitest';
import { callServiceEvent, stateEvent, T } from '../../test/fixtures/events.js';
import { createSchemaMapper } from './mapper.js';
import type { SchemaOptions } from './options.js';
import { STATISTIC_EVENT_TYPE } from './statistics.js';
import type { MappableEvent } from './types.js';

// Issue 16: a writer receives many homes, and homes have the same entity ids. The home (provenance.home) is
// a tag of every point, so two homes' `sensor.power` at the same microsecond are two series, not one point
// overwriting the other; and the per-entity records of the `ha` schema are kept per home.

const inHome = <E extends { readonly provenance: StateChangedEvent['provenance'] }>(event: E, home?: string): E => ({
  ...event,
  provenance: { ...event.provenance, ...(home === undefined ? {} : { home }) },
});

function one(points: Point[]): Point {
  expect(points).toHaveLength(1);
  return points[0] as Point;
}

/** The line without its timestamp: measurement, tags and fields. */
const seriesOf = (p: Point): string => {
  const line = serializePoint(p, 'us');
  return line.slice(0, line.lastIndexOf(' '));
};

describe.each(['ha', 'entity'] as const)('%s schema: home tag', (kind) => {
  it('two homes with the same entity at the same time are two distinct series, each tagged with its home', () => {
    const map = createSchemaMapper({ kind });
    const event = stateEvent('sensor.power', '230', { unit_of_measurement: 'W' });
    const a = one(map(inHome(event, 'a')));
    const b = one(map(inHome(event, 'b')));
    expect(a.tags['home']).toBe('a');
    expect(b.tags['home']).toBe('b');
    expect(a.time).toBe(b.time);
    expect(seriesOf(a)).not.toBe(seriesOf(b));
    expect(serializePoint(a, 'us')).toContain(',home=a');
    // Without a home: no home tag, the single-home series stay as they were.
    expect(one(map(event)).tags).not.toHaveProperty('home');
  });

  it('the home tag wins over a static tag and a tag attribute of the same name', () => {
    const map = createSchemaMapper({ kind, tags: { home: 'static' }, tagsAttributes: ['home'] });
    const p = one(map(inHome(stateEvent('light.x', 'on', { home: 'attr' }), 'b')));
    expect(p.tags['home']).toBe('b');
  });

  it('writes the home under `homeTag`', () => {
    const map = createSchemaMapper({ kind, homeTag: 'site' });
    const p = one(map(inHome(stateEvent('light.x', 'on'), 'b')));
    expect(p.tags['site']).toBe('b');
    expect(p.tags).not.toHaveProperty('home');
  });

  it('keeps per-entity work apart per home: interleaved homes never see each other’s tags or measurement', () => {
    const options: SchemaOptions = { kind, tagsAttributes: ['room'] };
    const map = createSchemaMapper(options);
    const a1 = one(map(inHome(stateEvent('sensor.t', '21', { unit_of_measurement: '°C', room: 'hall' }), 'a')));
    const b1 = one(map(inHome(stateEvent('sensor.t', '70', { unit_of_measurement: '°F', room: 'attic' }), 'b')));
    const a2 = one(map(inHome(stateEvent('sensor.t', '22', { unit_of_measurement: '°C', room: 'hall' }), 'a')));
    expect([a1.measurement, b1.measurement, a2.measurement]).toEqual(
      kind === 'ha' ? ['°C', '°F', '°C'] : ['sensor', 'sensor', 'sensor'],
    );
    expect(b1.tags['room']).toBe('attic');
    expect(a2.tags['room']).toBe('hall');
    expect(a2.tags['home']).toBe('a');
    if (kind === 'ha') expect(a2.tags).toBe(a1.tags); // the record of home a survived home b's change
  });

  it('property: a shared mapper maps every event of many homes as a fresh mapper would', () => {
    const arbEvent = fc.record({
      home: fc.constantFrom(undefined, 'a', 'b', 'home-3'),
      entity: fc.constantFrom('sensor.t', 'sensor.power', 'light.x'),
      unit: fc.constantFrom(undefined, 'W', '°C'),
      room: fc.constantFrom(undefined, 'hall', 'attic'),
      state: fc.constantFrom('1', 'on', '2.5'),
    });
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 40 }), (specs) => {
        const options: SchemaOptions = { kind, tagsAttributes: ['room'] };
        const shared = createSchemaMapper(options);
        for (const s of specs) {
          const attributes = {
            ...(s.unit === undefined ? {} : { unit_of_measurement: s.unit }),
            ...(s.room === undefined ? {} : { room: s.room }),
          };
          const event = inHome(stateEvent(s.entity, s.state, attributes), s.home);
          const got = one(shared(event));
          const fresh = one(createSchemaMapper(options)(event));
          expect(serializePoint(got, 'us')).toBe(serializePoint(fresh, 'us'));
          expect(got.tags['home']).toBe(s.home);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('events and statistics: home tag', () => {
  it('tags non-state events with their home', () => {
    const map = createSchemaMapper({ kind: 'ha' });
    const event = callServiceEvent('light', 'turn_on', { entity_id: 'light.x' });
    const a = one(map(inHome(event, 'a')));
    const b = one(map(inHome(event, 'b')));
    expect([a.tags['home'], b.tags['home']]).toEqual(['a', 'b']);
    expect(seriesOf(a)).not.toBe(seriesOf(b));
  });

  it.each(['ha', 'entity'] as const)('tags statistics rows with their home (%s schema)', (kind) => {
    const map = createSchemaMapper({ kind });
    const row: MappableEvent & { provenance: { home: string } } = {
      event_type: STATISTIC_EVENT_TYPE,
      time_fired: T,
      provenance: { home: 'b' },
      data: {
        statistic_id: 'sensor.energy',
        domain: 'sensor',
        entity_id: 'sensor.energy',
        start: 1_700_000_000_000,
        sum: 3,
      },
    };
    expect(one(map(row)).tags['home']).toBe('b');
  });
});
