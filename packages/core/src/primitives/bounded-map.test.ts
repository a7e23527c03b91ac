import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBoundedMap, type BoundedMapEviction } from './bounded-map.js';

const EVICTIONS: readonly BoundedMapEviction[] = ['lru', 'second-chance', 'insertion'];

describe('createBoundedMap', () => {
  describe.each(EVICTIONS)('every eviction order (%s)', (eviction) => {
    it('never holds more than max entries and returns each eviction, oldest first', () => {
      const map = createBoundedMap<string, number>({ max: 3, eviction });
      const evicted = Array.from({ length: 10 }, (_, i) => map.set(`k${i}`, i)).flat();
      expect(map.size()).toBe(3);
      expect(evicted).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => [`k${i}`, i]));
      expect([...map]).toEqual([
        ['k7', 7],
        ['k8', 8],
        ['k9', 9],
      ]);
    });

    it('replacing an existing key neither grows the map nor evicts', () => {
      const map = createBoundedMap<string, number>({ max: 2, eviction });
      map.set('a', 1);
      map.set('b', 1);
      expect(map.set('a', 2)).toEqual([]);
      expect([map.size(), map.get('a')]).toEqual([2, 2]);
    });

    it('holds at most 1000 entries over 50,000 distinct keys', () => {
      const map = createBoundedMap<string, number>({ max: 1000, eviction });
      let evicted = 0;
      for (let i = 0; i < 50_000; i++) evicted += map.set(`k${i}`, i).length;
      expect([map.size(), evicted, map.keys()[0]]).toEqual([1000, 49_000, 'k49000']);
    });

    it('with max 0 keeps nothing, and refuses a negative or fractional max', () => {
      const map = createBoundedMap<string, number>({ max: 0, eviction });
      expect(map.set('a', 1)).toEqual([['a', 1]]);
      expect(map.has('a')).toBe(false);
      expect(() => createBoundedMap({ max: -1, eviction })).toThrow(RangeError);
      expect(() => createBoundedMap({ max: 1.5, eviction })).toThrow(RangeError);
    });

    it('never evicts a pinned entry; with every entry pinned it grows instead of dropping one', () => {
      const pinned = new Set(['a', 'b']);
      const map = createBoundedMap<string, string>({ max: 2, eviction, pinned: (v) => pinned.has(v) });
      map.set('a', 'a');
      map.set('b', 'b');
      expect(map.set('c', 'c')).toEqual([]);
      expect(map.size()).toBe(3);
      pinned.clear();
      expect(map.set('d', 'd')).toHaveLength(2); // back under the cap at once
      expect(map.size()).toBe(2);
      expect(map.get('d')).toBe('d');
    });

    it('keys() and values() are snapshots: deleting while walking them is safe', () => {
      const map = createBoundedMap<string, number>({ max: 5, eviction });
      for (const k of ['a', 'b', 'c']) map.set(k, k.charCodeAt(0));
      for (const k of map.keys()) map.delete(k);
      expect(map.size()).toBe(0);
    });

    it('holds at most max unpinned entries under any sequence of operations, and returns every removal it makes', () => {
      const op = fc.oneof(
        fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 40 }) }),
        fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 40 }) }),
        fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 40 }) }),
      );
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
          const map = createBoundedMap<number, number>({ max, eviction });
          const model = new Set<number>();
          for (const o of ops) {
            if (o.kind === 'set') {
              const expected = !model.has(o.key) && model.size >= max ? 1 : 0; // the one eviction this insert must make
              const evicted = map.set(o.key, o.key);
              if (evicted.length !== expected || evicted.some(([k]) => !model.has(k))) return false;
            } else if (o.kind === 'get') map.get(o.key);
            else map.delete(o.key);
            model.clear();
            for (const v of map.values()) model.add(v);
            if (map.size() > max) return false;
          }
          return true;
        }),
        { seed: 11, numRuns: 300 },
      );
    });
  });

  it("'lru' evicts the least recently used; get and set refresh, peek does not", () => {
    const map = createBoundedMap<string, number>({ max: 2, eviction: 'lru' });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // a is now the most recent
    expect(map.set('c', 3)).toEqual([['b', 2]]);
    expect(map.values()).toEqual([1, 3]);
    expect(map.peek('a')).toBe(1);
    expect(map.keys()).toEqual(['a', 'c']); // peek left a the least recent
    map.set('a', 10);
    expect(map.keys()).toEqual(['c', 'a']);
    expect(map.set('d', 4)).toEqual([['c', 3]]);
  });

  it("'second-chance' keeps names in use through a flood of names seen once", () => {
    const map = createBoundedMap<string, string>({ max: 100, eviction: 'second-chance' });
    const steady = Array.from({ length: 50 }, (_, i) => `sensor.real_${i}`);
    for (const key of steady) map.set(key, key);
    for (let i = 0; i < 10_000; i++) {
      if (i % 50 === 0) for (const key of steady) map.get(key); // the real entities keep reporting
      map.set(`junk/${i}`, 'x');
    }
    expect(steady.every((key) => map.get(key) === key)).toBe(true);
    expect(map.size()).toBe(100);
  });

  it("'second-chance' passes over a used entry once, then evicts it", () => {
    const map = createBoundedMap<string, number>({ max: 2, eviction: 'second-chance' });
    map.set('a', 1);
    map.set('b', 2);
    map.get('a');
    expect(map.set('c', 3)).toEqual([['b', 2]]);
    expect(map.set('d', 4)).toEqual([['a', 1]]); // its second chance was used up
  });

  it("'insertion' evicts in insertion order whatever was read or replaced", () => {
    const map = createBoundedMap<string, boolean>({ max: 2, eviction: 'insertion' });
    map.set('a', true);
    map.set('b', true);
    map.get('a');
    map.set('a', true);
    expect(map.set('c', true)).toEqual([['a', true]]);
  });
});
