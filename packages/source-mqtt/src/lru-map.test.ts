import { describe, expect, it } from 'vitest';
import { createLruMap } from './lru-map.js';

describe('createLruMap', () => {
  it('evicts the least recently used entry once past max and returns it', () => {
    const m = createLruMap<string, number>(2);
    expect(m.set('a', 1)).toEqual([]);
    expect(m.set('b', 2)).toEqual([]);
    expect(m.get('a')).toBe(1); // a is now the most recent
    expect(m.set('c', 3)).toEqual([['b', 2]]);
    expect(m.values()).toEqual([1, 3]);
    expect(m.size()).toBe(2);
  });

  it('peek does not refresh recency; re-setting a key does', () => {
    const m = createLruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.peek('a')).toBe(1);
    expect(m.oldest()).toEqual(['a', 1]);
    m.set('a', 10);
    expect(m.oldest()).toEqual(['b', 2]);
    expect(m.set('c', 3)).toEqual([['b', 2]]);
  });

  it('holds at most max entries over 50,000 distinct keys', () => {
    const m = createLruMap<string, number>(1000);
    let evicted = 0;
    for (let i = 0; i < 50_000; i++) evicted += m.set(`k${i}`, i).length;
    expect(m.size()).toBe(1000);
    expect(evicted).toBe(49_000);
    expect(m.oldest()).toEqual(['k49000', 49_000]);
  });

  it('with max 0 keeps nothing, and refuses a negative capacity', () => {
    const m = createLruMap<string, number>(0);
    expect(m.set('a', 1)).toEqual([['a', 1]]);
    expect(m.has('a')).toBe(false);
    expect(() => createLruMap(-1)).toThrow(RangeError);
  });
});
