/**
 * A map with a fixed capacity that evicts its least recently used entries. Every map this package keys by
 * names that come from the broker (topics, entities, devices) is one of these (issue 11: 50,000 distinct
 * statestream topics grew the per-entity maps without end). Eviction is the caller's business: `set`
 * returns what it pushed out, so the caller can settle, unsubscribe and count it where it has the context.
 */
export interface LruMap<K, V> {
  /** Capacity: `set` evicts once more than this many entries are held. */
  readonly max: number;
  /** The value, marked as most recently used. */
  readonly get: (key: K) => V | undefined;
  /** The value, without touching its recency. */
  readonly peek: (key: K) => V | undefined;
  readonly has: (key: K) => boolean;
  /** Stores the value as most recently used; returns the entries evicted to stay within `max` (oldest first). */
  readonly set: (key: K, value: V) => readonly (readonly [K, V])[];
  readonly delete: (key: K) => boolean;
  readonly size: () => number;
  readonly clear: () => void;
  /** Keys from least to most recently used (a snapshot: safe to delete while iterating). */
  readonly keys: () => readonly K[];
  /** Values from least to most recently used (a snapshot: safe to delete while iterating). */
  readonly values: () => readonly V[];
  /** The least recently used entry. */
  readonly oldest: () => readonly [K, V] | undefined;
}

/**
 * Creates an {@link LruMap} holding at most `max` entries (`max` ≥ 0; 0 keeps nothing). A JavaScript
 * `Map` iterates in insertion order, so re-inserting on every use keeps the least recently used first:
 * O(1) per operation, no linked list of our own.
 *
 * @example
 * const seen = createLruMap<string, number>(2);
 * seen.set('a', 1); seen.set('b', 2); seen.get('a');
 * seen.set('c', 3); // → [['b', 2]]
 */
export function createLruMap<K, V>(max: number): LruMap<K, V> {
  if (!Number.isInteger(max) || max < 0) throw new RangeError(`LruMap capacity must be a non-negative integer, got ${max}`);
  const map = new Map<K, V>();
  return {
    max,
    get: (key) => {
      if (!map.has(key)) return undefined;
      const value = map.get(key) as V;
      map.delete(key);
      map.set(key, value);
      return value;
    },
    peek: (key) => map.get(key),
    has: (key) => map.has(key),
    set: (key, value) => {
      map.delete(key);
      map.set(key, value);
      const evicted: (readonly [K, V])[] = [];
      while (map.size > max) {
        const first = map.entries().next();
        if (first.done === true) break;
        map.delete(first.value[0]);
        evicted.push(first.value);
      }
      return evicted;
    },
    delete: (key) => map.delete(key),
    size: () => map.size,
    clear: () => map.clear(),
    keys: () => [...map.keys()],
    values: () => [...map.values()],
    oldest: () => {
      const first = map.entries().next();
      return first.done === true ? undefined : first.value;
    },
  };
}
