import { isSdkError } from '@ha-ingestor/core';
import { serializePoint } from '@ha-ingestor/core/line-protocol';
import type { Precision, SerializeOptions } from '@ha-ingestor/core/line-protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventOf, precision, schemaOptions, serializeOptions } from '../../test/fixtures/arbitrary-events.js';
import { fieldTypeOf } from '../field-types.js';
import { createLineFields } from './ha-line.js';
import { createSchemaCodec, createSchemaMapper } from './mapper.js';
import type { MappableEvent } from './types.js';

// Issue 14: the `ha` schema's line writer must write exactly what the point path (mapper, then the
// serialiser) writes. These properties hold it to that, for hostile keys and values, every precision and
// newline mode; where it leaves an event to the point path (`null`) nothing is claimed but the share.

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
