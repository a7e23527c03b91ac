import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSdkError } from '../model/errors.js';
import {
  lineFieldKey,
  lineSeriesKey,
  serializePoint,
  serializePoints,
  type Point,
  type SerializeOptions,
} from './serialize.js';

// Issue 14: the escaped `measurement,tags` prefix of a frozen tag record is computed once per record.
// These tests hold the cached path to the uncached one (the same record, not frozen).

const hostileChar = fc.oneof(
  fc.constantFrom('\n', '\r', '#', '"', '\\', ',', '=', ' ', '\t', '\0', 'a', 'z', 'é', '°', '🌡', '\u2028', 'time'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileString = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });

const TARGETS: readonly SerializeOptions[] = [{}, { stringNewlines: 'escape' }, { target: 'file' }];

/** The line, or the reason it was refused (serializePoint throws EVENT_INVALID with data.reason). */
function outcome(point: Point, options: SerializeOptions): string {
  try {
    return serializePoint(point, 'us', options);
  } catch (error) {
    if (isSdkError(error, 'EVENT_INVALID')) return `refused: ${String(error.data?.['reason'])}: ${error.message}`;
    throw error;
  }
}

describe('serializer: cached prefix of frozen tag records', () => {
  it('writes exactly what the uncached path writes, for hostile names and values, in every target', () => {
    fc.assert(
      fc.property(
        hostileString(8),
        fc.dictionary(hostileString(6), hostileString(6), { maxKeys: 4 }),
        hostileString(6),
        (measurement, tagEntries, otherMeasurement) => {
          const frozen = Object.freeze({ ...tagEntries });
          for (const options of TARGETS) {
            const uncached = (m: string) =>
              outcome({ measurement: m, tags: { ...tagEntries }, fields: { f: 1 }, time: 1 }, options);
            const cached = (m: string) => outcome({ measurement: m, tags: frozen, fields: { f: 1 }, time: 1 }, options);
            // First use fills the cache, the second reads it; another measurement on the same record too.
            expect(cached(measurement)).toBe(uncached(measurement));
            expect(cached(measurement)).toBe(uncached(measurement));
            expect(cached(otherMeasurement)).toBe(uncached(otherMeasurement));
            expect(cached(measurement)).toBe(uncached(measurement));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps write and file targets apart: a CR in a tag is written to a write API, refused in a file', () => {
    const tags = Object.freeze({ room: 'a\rb' });
    const point: Point = { measurement: 'm', tags, fields: { f: 1 }, time: 1 };
    expect(serializePoint(point, 'us')).toBe('m,room=a\rb f=1 1');
    expect(() => serializePoint(point, 'us', { target: 'file' })).toThrow(/carriage return/);
    expect(serializePoint(point, 'us')).toBe('m,room=a\rb f=1 1');
  });

  it('refuses the same frozen record every time (a cached failure is still a failure)', () => {
    const tags = Object.freeze({ time: 'x' });
    const points: Point[] = [1, 2, 3].map((t) => ({ measurement: 'm', tags, fields: { f: 1 }, time: t }));
    const out = serializePoints(points, 'us');
    expect(out.lines).toEqual([]);
    expect(out.rejected.map((r) => r.reason)).toEqual(['time_tag', 'time_tag', 'time_tag']);
  });

  it('does not cache a frozen record with an accessor: each line reads its current value', () => {
    let room = 'kitchen';
    const tags = Object.freeze(
      Object.defineProperty({}, 'room', { get: () => room, enumerable: true }) as Record<string, string>,
    );
    const point: Point = { measurement: 'm', tags, fields: { f: 1 }, time: 1 };
    expect(serializePoint(point, 'us')).toBe('m,room=kitchen f=1 1');
    room = 'hall';
    expect(serializePoint(point, 'us')).toBe('m,room=hall f=1 1');
  });
});

// Issue 14: writers that build lines without a Point (sink-influx's line path) take their series key and field
// keys from these; a line built of them must be the one serializePoint writes, and a refusal a refusal.
describe('lineSeriesKey / lineFieldKey', () => {
  it('are the pieces of the line serializePoint writes, or undefined where it refuses', () => {
    fc.assert(
      fc.property(
        hostileString(8),
        fc.dictionary(hostileString(6), hostileString(6), { maxKeys: 4 }),
        hostileString(6),
        (measurement, tags, key) => {
          for (const options of TARGETS) {
            const series = lineSeriesKey(measurement, tags, options);
            const bySeries = outcome({ measurement, tags, fields: { f: 1 }, time: 1 }, options);
            expect(series === undefined ? bySeries.startsWith('refused') : `${series} f=1 1` === bySeries).toBe(true);
            const field = lineFieldKey(key, options);
            const byField = outcome({ measurement: 'm', tags: {}, fields: { [key]: 1 }, time: 1 }, options);
            expect(field === undefined ? byField.startsWith('refused') : `m ${field}=1 1` === byField).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('escape what must be escaped and refuse what cannot be written', () => {
    expect(lineSeriesKey('°C', { entity_id: 'living room', domain: 'sensor' })).toBe(
      '°C,domain=sensor,entity_id=living\\ room',
    );
    expect(lineSeriesKey('#m', {})).toBeUndefined();
    expect(lineSeriesKey('m', { room: 'a\rb' })).toBe('m,room=a\rb');
    expect(lineSeriesKey('m', { room: 'a\rb' }, { target: 'file' })).toBeUndefined();
    expect(lineFieldKey('a b=c')).toBe('a\\ b\\=c');
    expect(lineFieldKey('time')).toBeUndefined();
    expect(lineFieldKey('a\nb')).toBeUndefined();
  });
});
