/**
 * Which entry a full {@link BoundedMap} evicts:
 * - `'lru'`: the least recently used; `get` and `set` make an entry the most recent (a `Map` re-insert).
 * - `'second-chance'`: the oldest, unless it was used since it was inserted or last passed over (then it
 *   moves to the back once): the clock approximation of LRU, whose `get` only sets a flag, for hot paths
 *   that read far more often than they insert.
 * - `'insertion'`: the oldest inserted; reads and replacements do not change the order.
 */
export type BoundedMapEviction = 'lru' | 'second-chance' | 'insertion';

/** Options of {@link createBoundedMap}. */
export interface BoundedMapOptions<V> {
  /** Entries kept at most (more only while every candidate is pinned); 0 keeps nothing. */
  readonly max: number;
  readonly eviction: BoundedMapEviction;
  /** Entries that must not be evicted now (e.g. with work in flight); they are passed over (moved to the back). */
  readonly pinned?: (value: V) => boolean;
}

/** A Map with a size cap for keys that come from outside (entity ids, topics): see {@link createBoundedMap}. */
export interface BoundedMap<K, V> extends Iterable<[K, V]> {
  /** The value, marking the entry as used (`'lru'`, `'second-chance'`). */
  readonly get: (key: K) => V | undefined;
  /** The value, without marking it as used. */
  readonly peek: (key: K) => V | undefined;
  /** Whether `key` is held (does not count as a use for LRU or second-chance eviction). */
  readonly has: (key: K) => boolean;
  /**
   * Inserts or replaces; returns the entries evicted to make room, oldest first (the same empty array when
   * none), so the caller can count, settle or unsubscribe them where it has the context.
   */
  readonly set: (key: K, value: V) => readonly (readonly [K, V])[];
  /** Removes `key`; true when it was held. Not counted as an eviction. */
  readonly delete: (key: K) => boolean;
  /** How many entries are held (at most `max`). */
  readonly size: () => number;
  /** Removes every entry. Not counted as evictions. */
  readonly clear: () => void;
  /** Keys in eviction order, first to go first (a snapshot: safe to change the map meanwhile). */
  readonly keys: () => readonly K[];
  /** Values in eviction order, first to go first (a snapshot: safe to change the map meanwhile). */
  readonly values: () => readonly V[];
}

/**
 * Creates a map bounded to `max` entries. Every map keyed by names that come from outside (entity ids,
 * topics, event keys) is one of these, so a flood of new names (a hostile or broken peer) costs a bounded
 * amount of memory and every eviction is reported to the caller for its drop counter (issue 11). With
 * `'second-chance'` or `'lru'`, names seen once in a flood evict themselves before the names in steady use.
 * Iterating the map (`for…of`) is live and tolerates `delete` of the current entry.
 *
 * @example
 * const series = createBoundedMap<string, Ring>({ max: 100_000, eviction: 'second-chance', pinned: (r) => r.flying > 0 });
 * evicted.inc(series.set(name, ring).length);
 */
export function createBoundedMap<K, V>(options: BoundedMapOptions<V>): BoundedMap<K, V> {
  const { max, eviction, pinned } = options;
  if (!Number.isInteger(max) || max < 0)
    throw new RangeError(`bounded map: max must be a non-negative integer, got ${max}`);
  const entries = new Map<K, Entry<V>>();
  const moveToBack = (key: K, entry: Entry<V>) => {
    entries.delete(key);
    entries.set(key, entry);
  };
  const touch = (key: K, entry: Entry<V>) => {
    if (eviction === 'lru') moveToBack(key, entry);
    else if (eviction === 'second-chance') entry.used = true;
  };

  /** Evicts one entry into `out`; false when every entry was pinned (the map may then exceed `max`). */
  const evictOne = (out: (readonly [K, V])[]): boolean => {
    let budget = entries.size * 2 + 1; // every entry gets at most one second chance per eviction
    for (const [key, entry] of entries) {
      if (budget-- <= 0) return false;
      if (entry.used || pinned?.(entry.value) === true) {
        entry.used = false;
        moveToBack(key, entry); // not passed over again this round
        continue;
      }
      entries.delete(key);
      out.push([key, entry.value]);
      return true;
    }
    return false;
  };

  return {
    get: (key) => {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      touch(key, entry);
      return entry.value;
    },
    peek: (key) => entries.get(key)?.value,
    has: (key) => entries.has(key),
    set: (key, value) => {
      const entry = entries.get(key);
      if (entry !== undefined) {
        entry.value = value;
        touch(key, entry);
        return NONE;
      }
      if (max === 0) return [[key, value]];
      // Evict before inserting, so the new entry is never the one to go. A loop, not one eviction: after a
      // time with every entry pinned the map may be over its cap.
      let evicted: (readonly [K, V])[] | undefined;
      while (entries.size >= max && evictOne((evicted ??= [])));
      entries.set(key, { value, used: false });
      return evicted ?? NONE;
    },
    delete: (key) => entries.delete(key),
    size: () => entries.size,
    clear: () => entries.clear(),
    keys: () => [...entries.keys()],
    values: () => Array.from(entries.values(), (entry) => entry.value),
    [Symbol.iterator]: () => pairsOf(entries),
  };
}

// --- internal ---

const NONE: readonly never[] = Object.freeze([]);

interface Entry<V> {
  value: V;
  /** `'second-chance'`: used since it was inserted or last passed over by the evictor. */
  used: boolean;
}

function* pairsOf<K, V>(entries: Map<K, Entry<V>>): IterableIterator<[K, V]> {
  for (const [key, entry] of entries) yield [key, entry.value];
}
