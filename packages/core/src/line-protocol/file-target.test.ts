import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineProtocolReason } from './escape.js';
import { serializePoint, serializePoints, intField, type FieldValue, type Point } from './serialize.js';
import { parseLineProtocolLine, type ReadFieldValue } from '../testing/line-protocol-reader.js';

const T = 1_700_000_000_123_456;
const pt = (partial: Partial<Point>): Point => ({ measurement: 'm', tags: {}, fields: { f: 1 }, time: T, ...partial });
const file = { target: 'file' } as const;

describe("serializePoints({ target: 'file' })", () => {
  it('writes LF and CR in string fields as \\n and \\r, so the point stays one physical line', () => {
    const out = serializePoints([pt({ fields: { s: 'a\nb\r\nc"\\' } })], 'us', file);
    expect(out.text).toBe(`m s="a\\nb\\r\\nc\\"\\\\" ${T}`);
    expect(out.text).not.toMatch(/[\r\n]/);
  });

  it('ignores stringNewlines: literal for files', () => {
    expect(serializePoint(pt({ fields: { s: 'a\nb' } }), 'us', { ...file, stringNewlines: 'literal' })).toBe(
      `m s="a\\nb" ${T}`,
    );
  });

  it.each([
    ['measurement', pt({ measurement: 'a\rb' })],
    ['tag key', pt({ tags: { 'k\r': 'v' } })],
    ['tag value', pt({ tags: { k: 'v\r' } })],
    ['field key', pt({ fields: { 'f\r': 1 } })],
  ])('rejects a CR in a %s with reason newline (names have no escape for it)', (_kind, point) => {
    expect(serializePoints([point], 'us', file).rejected).toEqual([
      { index: 0, reason: 'newline', message: expect.stringContaining('carriage return') },
    ]);
    // The write API path keeps its verified behaviour: a CR in a name is stored literally by InfluxDB 1.x.
    expect(serializePoints([point], 'us').rejected).toEqual([]);
  });

  it('rejects a measurement starting with NUL or # on every path (the server skips NUL, then reads # as a comment)', () => {
    for (const options of [{}, file]) {
      const out = serializePoints([pt({ measurement: '\0#x' }), pt({ measurement: '#x' })], 'us', options);
      expect(out.rejected.map((r) => r.reason)).toEqual(['invalid_measurement', 'hash_measurement']);
    }
  });

  it('property: every point is rejected with a known reason or is one line that reads back identically', () => {
    const reasons = new Set<string>(Object.values(LineProtocolReason));
    fc.assert(
      fc.property(fc.array(arbitraryPoint(), { minLength: 1, maxLength: 8 }), (points) => {
        const out = serializePoints(points, 'us', file);
        const physical = out.text === '' ? [] : out.text.split('\n');
        expect(physical).toEqual(out.lines);
        for (const line of physical) expect(line.startsWith('#')).toBe(false);
        for (const r of out.rejected) expect(reasons.has(r.reason)).toBe(true);
        expect([...out.indices, ...out.rejected.map((r) => r.index)].sort((a, b) => a - b)).toEqual(
          points.map((_, i) => i),
        );
        out.lines.forEach((line, k) => {
          const point = points[out.indices[k] as number] as Point;
          expect(parseLineProtocolLine(line)).toEqual(expected(point));
        });
        // No over-rejection: a point with plain names and a finite field is always written.
        points.forEach((point, i) => {
          if (isPlain(point)) expect(out.rejected.find((r) => r.index === i)).toBeUndefined();
        });
      }),
      { seed: 11, numRuns: 400 },
    );
  });
});

// --- internal ---

// Biased toward the characters that matter to line protocol and influx -import, plus any code point.
const hostileChar = fc.oneof(
  fc.constantFrom('\n', '\r', '#', '"', '\\', ',', '=', ' ', '\t', '\0', 'a', 'z', 'é', '°', '🌡', '\u2028', '\u0085'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileString = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });

function arbitraryPoint(): fc.Arbitrary<Point> {
  const field: fc.Arbitrary<FieldValue> = fc.oneof(
    hostileString(16),
    fc.double(),
    fc.boolean(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => intField(v)),
  );
  return fc.record({
    measurement: hostileString(8),
    tags: fc.dictionary(hostileString(6), hostileString(6), { maxKeys: 3 }),
    fields: fc.dictionary(hostileString(6), field, { minKeys: 1, maxKeys: 3 }),
    time: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  });
}

/** What the reader must return for a written point: empty tags and non-finite floats are not written. */
function expected(point: Point): ReturnType<typeof parseLineProtocolLine> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(point.tags)) if (v !== '') tags[k] = v;
  const fields: Record<string, ReadFieldValue> = {};
  for (const [k, v] of Object.entries(point.fields)) {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) fields[k] = v === 0 ? 0 : v; // -0 is written as 0
    } else if (typeof v === 'object') fields[k] = { type: 'integer', value: BigInt(v.value) };
    else fields[k] = v;
  }
  return { measurement: point.measurement, tags, fields, time: String(point.time) };
}

/** Names without anything the serialiser refuses, and at least one finite field. */
function isPlain(point: Point): boolean {
  const plain = (s: string) => s !== '' && !/[\\\n\r]/.test(s);
  const m = point.measurement;
  if (!plain(m) || m.startsWith('#') || m.startsWith('\t') || m.startsWith('\0')) return false;
  const tags = Object.entries(point.tags).filter(([, v]) => v !== '');
  if (tags.some(([k, v]) => !plain(k) || !plain(v) || k === 'time')) return false;
  const fields = Object.entries(point.fields);
  if (fields.some(([k]) => !plain(k) || k === 'time')) return false;
  return fields.some(([, v]) => typeof v !== 'number' || Number.isFinite(v));
}
