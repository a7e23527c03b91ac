import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBoundedMap } from './bounded-map.js';

describe('createBoundedMap', () => {
  it('never holds more than max entries and reports each eviction', () => {
    const evicted: string[] = [];
    const map = createBoundedMap<number>({ max: 3, onEvict: (key) => evicted.push(key) });
    for (let i = 0; i < 10; i++) map.set(`k${i}`, i);
    expect(map.size()).toBe(3);
    expect(evicted).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
    expect([...map]).toEqual([
      ['k7', 7],
      ['k8', 8],
      ['k9', 9],
    ]);
  });

  it('keeps names in use through a flood of names seen once (second chance)', () => {
    const map = createBoundedMap<string>({ max: 100 });
    const steady = Array.from({ length: 50 }, (_, i) => `sensor.real_${i}`);
    for (const key of steady) map.set(key, key);
    for (let i = 0; i < 10_000; i++) {
      if (i % 50 === 0) for (const key of steady) map.get(key); // the real entities keep reporting
      map.set(`junk/${i}`, 'x');
    }
    expect(steady.every((key) => map.get(key) === key)).toBe(true);
    expect(map.size()).toBe(100);
  });

  it('never evicts a pinned entry; with every entry pinned it grows instead of dropping one', () => {
    const pinned = new Set(['a', 'b']);
    const evicted: string[] = [];
    const map = createBoundedMap<string>({ max: 2, pinned: (v) => pinned.has(v), onEvict: (key) => evicted.push(key) });
    map.set('a', 'a');
    map.set('b', 'b');
    map.set('c', 'c');
    expect(evicted).toEqual([]);
    expect(map.size()).toBe(3);
    pinned.clear();
    map.set('d', 'd'); // back under the cap at once
    expect(evicted).toHaveLength(2);
    expect(map.size()).toBe(2);
    expect(map.get('d')).toBe('d');
  });

  it('replacing an existing key neither grows the map nor evicts', () => {
    const evicted: string[] = [];
    const map = createBoundedMap<number>({ max: 2, onEvict: (key) => evicted.push(key) });
    map.set('a', 1);
    map.set('b', 1);
    map.set('a', 2);
    expect([map.size(), map.get('a'), evicted]).toEqual([2, 2, []]);
  });

  it('holds at most max unpinned entries under any sequence of operations, and counts every removal it makes', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
        let evictions = 0;
        const map = createBoundedMap<number>({ max, onEvict: () => evictions++ });
        const model = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            if (!model.has(o.key) && model.size >= max) evictions--; // the one eviction this insert must make
            map.set(String(o.key), o.key);
          } else if (o.kind === 'get') map.get(String(o.key));
          else map.delete(String(o.key));
          model.clear();
          for (const v of map.values()) model.add(v);
          if (map.size() > max || evictions !== 0) return false;
        }
        return true;
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});
