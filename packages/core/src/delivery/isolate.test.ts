import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unfitEvent } from './isolate.js';
import { MAX_EVENT_DEPTH } from '../json/parse.js';

const nested = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
};

describe('unfitEvent', () => {
  it(`accepts ${MAX_EVENT_DEPTH} levels and refuses one more as json_too_deep`, () => {
    expect(unfitEvent(nested(MAX_EVENT_DEPTH), true)).toBeUndefined();
    expect(unfitEvent(nested(MAX_EVENT_DEPTH + 1), true)).toMatchObject({ reason: 'json_too_deep' });
  });

  it('refuses 100,000 levels without overflowing the stack', () => {
    expect(unfitEvent(nested(100_000), false)).toMatchObject({ reason: 'json_too_deep' });
  });

  it('refuses a cycle as too deep (a walk would never end), with or without serialise', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(unfitEvent(cycle, false)).toMatchObject({
      reason: 'json_too_deep',
      message: expect.stringMatching(/cycle/),
    });
  });

  it('with serialise, refuses what JSON cannot hold: bigints, a bare undefined', () => {
    expect(unfitEvent({ n: 1n }, true)).toMatchObject({ reason: 'not_serialisable' });
    expect(unfitEvent(undefined, true)).toMatchObject({ reason: 'not_serialisable' });
    expect(unfitEvent({ n: 1n }, false)).toBeUndefined(); // without serialise only depth is checked
  });

  it('accepts every JSON value of a realistic depth', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ depthSize: 'medium', maxDepth: 20 }),
        (value) => unfitEvent(value, true) === undefined,
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});
