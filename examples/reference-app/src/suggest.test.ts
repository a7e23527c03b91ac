import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from './suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    expect(editDistance('host', 'host')).toBe(0);
    expect(editDistance('hots', 'host')).toBe(1); // swap
    expect(editDistance('prt', 'port')).toBe(1); // insertion
    expect(editDistance('ports', 'port')).toBe(1); // deletion
    expect(editDistance('pert', 'port')).toBe(1); // substitution
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('is symmetric and bounded by the longer length (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d).toBe(editDistance(b, a));
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(d === 0).toBe(a === b);
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('closestName', () => {
  const keys = ['host', 'port', 'apiToken', 'allowedHosts', 'sseMaxClients'];
  it('finds a typo, ignores case and separators, and suggests nothing for unrelated names', () => {
    expect(closestName('hots', keys)).toBe('host');
    expect(closestName('api_token', keys)).toBe('apiToken');
    expect(closestName('SSE-MAX-CLIENTS', keys)).toBe('sseMaxClients');
    expect(closestName('x', keys)).toBeUndefined();
    expect(closestName('database', keys)).toBeUndefined();
  });

  it('honours a tighter maxDistance', () => {
    expect(closestName('sseMaxClnts', keys)).toBe('sseMaxClients');
    expect(closestName('sseMaxClnts', keys, 1)).toBeUndefined();
  });
});
