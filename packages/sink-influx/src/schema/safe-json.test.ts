import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeJson } from './ha-values.js';

/** safeJson before issue 14 (always the guarded replacer path): the reference for the flat fast path. */
function guarded(value: unknown): string {
  try {
    const seen = new WeakSet<object>();
    return (
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return String(v);
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }) ?? 'null'
    );
  } catch (error) {
    return `[unserialisable: ${error instanceof Error ? error.message : String(error)}]`;
  }
}

const scalar = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
);

describe('safeJson flat fast path (issue 14)', () => {
  it('writes exactly what the guarded path writes for flat lists and records of scalars', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(scalar, { maxLength: 6 }),
          fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 6 }),
        ),
        (value) => {
          expect(safeJson(value)).toBe(guarded(value));
          const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { ...value });
          expect(safeJson(nullProto)).toBe(guarded(nullProto));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('matches it for holes, toJSON, a throwing toJSON and a Date', () => {
    // eslint-disable-next-line no-sparse-arrays -- a hole is what this test is about
    const holes = [1, , 3];
    const withToJson = { a: 1, toJSON: () => ({ replaced: true }) };
    const throwing = {
      a: 1,
      toJSON: () => {
        throw new Error('nope');
      },
    };
    for (const value of [holes, withToJson, throwing, new Date(0), [], {}])
      expect(safeJson(value)).toBe(guarded(value));
  });

  it('still marks repeated objects and refuses deep ones (not flat: the guarded path)', () => {
    const shared = { x: 1 };
    expect(safeJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":"[Circular]"}');
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => safeJson(deep, 'attribute "x"')).toThrow(/nests deeper than/);
  });
});
