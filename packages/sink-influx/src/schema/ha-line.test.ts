import { isSdkError } from '@ha-ingestor/core';
import { serializePoint } from '@ha-ingestor/core/line-protocol';
import type { Precision, SerializeOptions } from '@ha-ingestor/core/line-protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldTypeOf } from '../field-types.js';
import { createLineFields } from './ha-line.js';
import { parsePyFloat } from './ha-values.js';
import { createSchemaCodec, createSchemaMapper } from './mapper.js';
import type { SchemaOptions } from './options.js';
import type { MappableEvent } from './types.js';

// Issue 14: the `ha` schema's line writer must write exactly what the point path (mapper, then the
// serialiser) writes. These properties hold it to that, for hostile keys and values, every precision and
// newline mode; where it leaves an event to the point path (`null`) nothing is claimed but the share.

const hostileChar = fc.oneof(
  fc.constantFrom('\n', '\r', '#', '"', '\\', ',', '=', ' ', '\t', '\0', '_', '.', '1', 'a', 'é', '°', '🌡'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileString = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });

const plainKey = fc.constantFrom(
  'unit_of_measurement',
  'device_class',
  'friendly_name',
  'state_class',
  'time',
  'temp',
  'hour',
  'weather_temperature',
  'constructor',
  'a b',
  'x,y=z',
  'é°🌡',
);
const attributeKey = fc.oneof(
  { weight: 4, arbitrary: plainKey },
  // Keys the writer hands to the point path (collisions, integer-like, unwritable), and anything.
  {
    weight: 1,
    arbitrary: fc.constantFrom('state', 'value', 'time_', 'temp_str', 'temp_', '1', '42', 'lf\nkey', 'back\\'),
  },
  { weight: 1, arbitrary: hostileString(5) },
);
const attributeValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('12.5 W', '3 of 4', '1.2.3', 'abc', 'inf', '-Infinity', 'nan', ' 7 ', '1_000', '', '°C', 'kWh', 'on'),
  hostileString(8),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.integer(), fc.boolean()), { maxKeys: 2 }),
);
const state = fc.oneof(
  fc.constantFrom(
    '21.5',
    '-0',
    '1e400',
    'on',
    'off',
    'open',
    'unknown',
    'unavailable',
    '',
    'inf',
    'nan',
    'idle',
    '1_0',
  ),
  hostileString(6),
  fc.double(),
  fc.constant(null),
);
const plainState = fc.oneof(
  fc.constantFrom('21.5', '-0', 'on', 'off', 'open', 'unknown', 'unavailable', '', 'idle', '1_0', ' 7 '),
  hostileString(6).filter((t) => {
    const n = parsePyFloat(t);
    return n === undefined || Number.isFinite(n);
  }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
);
const contextValue = fc.oneof(
  fc.double(),
  fc.boolean(),
  hostileString(4),
  fc.dictionary(fc.constantFrom('temperature', 'state', 'x y', 'time'), fc.oneof(fc.double(), fc.string()), {
    maxKeys: 3,
  }),
);

/** Events; `plain` ones are all written by the line writer (no key it hands back, finite numbers, valid times). */
const eventOf = (plain: boolean) =>
  fc
    .record({
      domain: fc.constantFrom('sensor', 'light', 'climate', 'bad domain', 'a,b'),
      objectId: plain
        ? fc.constantFrom('kitchen', 'living room', 'a,b=c', 'é°')
        : fc.oneof(fc.constantFrom('kitchen', 'living_room'), hostileString(5)),
      state: plain ? plainState : state,
      attributes: fc.dictionary(plain ? plainKey : attributeKey, attributeValue, { maxKeys: 6 }),
      time: plain
        ? fc.integer({ min: 0, max: 2 ** 52 })
        : fc.oneof(fc.integer({ min: 0, max: 2 ** 52 }), fc.constant(1.5)),
      home: fc.option(fc.constantFrom('home-a', 'b c'), { nil: undefined }),
      hour: fc.option(contextValue, { nil: undefined }),
      weather: fc.option(contextValue, { nil: undefined }),
      other: plain ? fc.constant(false) : fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    })
    .map(({ domain, objectId, state, attributes, time, home, hour, weather, other }): MappableEvent => {
      if (other) return { event_type: 'call_service', time_fired: time, data: { domain, service: objectId } };
      return {
        event_type: 'state_changed',
        entity_id: `${domain}.${objectId}`,
        state,
        attributes,
        time_fired: time,
        last_updated: time,
        ...(home === undefined ? {} : { provenance: { home } }),
        ...(hour === undefined ? {} : { hour }),
        ...(weather === undefined ? {} : { weather }),
      } as MappableEvent;
    });

const schemaOptions: fc.Arbitrary<SchemaOptions> = fc.record({
  kind: fc.constant('ha' as const),
  measurementAttr: fc.constantFrom('unit_of_measurement', 'entity_id', 'domain__device_class'),
  overrideMeasurement: fc.constantFrom('', 'all'),
  skipUnavailable: fc.boolean(),
  defaultMeasurement: fc.constantFrom('', 'state', 'a b'),
  tagsAttributes: fc.subarray(['friendly_name', 'state_class', 'temp']),
  ignoreAttributes: fc.subarray(['friendly_name', 'time']),
  tags: fc.constantFrom({}, { instance: 'home' }, { domain: 'static' }),
  contextFields: fc.subarray(['hour', 'weather']),
  componentConfigDomain: fc.constantFrom({}, { light: { ignoreAttributes: ['temp'] } }),
});
const precision = fc.constantFrom<Precision>('ns', 'us', 'ms', 's');
const serializeOptions = fc.constantFrom<SerializeOptions>({}, { stringNewlines: 'escape' });

/** The point path's outcome of one event: its lines, or the rejection it throws. */
function pointPath(
  map: (e: MappableEvent) => ReturnType<ReturnType<typeof createSchemaMapper>>,
  e: MappableEvent,
  p: Precision,
  o: SerializeOptions,
): { lines: string[]; fields: [string, string][][] } | { refused: string } {
  try {
    const points = map(e);
    return {
      lines: points.map((point) => serializePoint(point, p, o)),
      fields: points.map((point) =>
        Object.entries(point.fields)
          .filter(([, v]) => typeof v !== 'number' || Number.isFinite(v))
          .map(([k, v]) => [k, fieldTypeOf(v)]),
      ),
    };
  } catch (error) {
    return { refused: isSdkError(error) ? String(error.data?.['reason']) : 'other' };
  }
}

describe('ha schema line writer (issue 14)', () => {
  /** Runs the line writer and the point path side by side; returns how many lines it wrote and handed back. */
  const compare = (plain: boolean): { lines: number; handedBack: number } => {
    let lines = 0;
    let handedBack = 0;
    fc.assert(
      fc.property(
        schemaOptions,
        precision,
        serializeOptions,
        fc.array(eventOf(plain), { minLength: 1, maxLength: 12 }),
        (options, p, o, events) => {
          const { toLine } = createSchemaCodec(options, {}, { precision: p, serializeOptions: o });
          const reference = createSchemaMapper(options);
          const fields = createLineFields();
          for (const e of events) {
            const line = (toLine as NonNullable<typeof toLine>)(e, fields);
            const expected = pointPath(reference, e, p, o);
            if (line === null) {
              // Plain events are handed back only when the point path refuses them (a LF in a tag, …).
              if (plain) expect(expected).toHaveProperty('refused');
              handedBack++;
              continue;
            }
            if (line === undefined) {
              expect(expected).toEqual({ lines: [], fields: [] });
              continue;
            }
            lines++;
            const written = Array.from({ length: fields.count }, (_, i) => [fields.keys[i], fields.types[i]]);
            expect(expected).toEqual({ lines: [line], fields: [written] });
          }
        },
      ),
      { numRuns: 300 },
    );
    return { lines, handedBack };
  };

  it('writes exactly the line the point path writes, with its field names and types (hostile events)', () => {
    const { lines } = compare(false);
    expect(lines).toBeGreaterThan(100);
  });

  it('writes every plain state event the serialiser takes itself, exactly as the point path', () => {
    const { lines, handedBack } = compare(true);
    expect(lines).toBeGreaterThan(10 * handedBack);
  });

  it('writes plain state events itself (no point path), reusing the series key of the entity record', () => {
    const { toLine } = createSchemaCodec({}, {}, { precision: 'us', serializeOptions: {} });
    const write = toLine as NonNullable<typeof toLine>;
    const fields = createLineFields();
    const e = (state: string, time: number): MappableEvent => ({
      event_type: 'state_changed',
      entity_id: 'sensor.living_room',
      state,
      attributes: { unit_of_measurement: '°C', friendly_name: 'Living "room"', battery: '87 %' },
      time_fired: time,
      last_updated: time,
    });
    expect(write(e('21.5', 1), fields)).toBe(
      '°C,domain=sensor,entity_id=living_room value=21.5,friendly_name_str="Living \\"room\\"",battery_str="87 %",battery=87 1',
    );
    expect(fields.measurement).toBe('°C');
    expect(fields.keys.slice(0, fields.count)).toEqual(['value', 'friendly_name_str', 'battery_str', 'battery']);
    expect(fields.types.slice(0, fields.count)).toEqual(['float', 'string', 'string', 'float']);
    expect(write(e('on', 2), fields)).toBe(
      '°C,domain=sensor,entity_id=living_room state="on",value=1,friendly_name_str="Living \\"room\\"",battery_str="87 %",battery=87 2',
    );
    // Removed entity: no point; other events and colliding keys: the point path.
    expect(write({ ...e('x', 3), state: null }, fields)).toBeUndefined();
    expect(write({ event_type: 'call_service', time_fired: 4, data: {} }, fields)).toBeNull();
    expect(write({ ...e('1', 5), attributes: { state: 'x' } }, fields)).toBeNull();
  });
});
