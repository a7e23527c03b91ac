/** Options of {@link createBoundedMap}. */
export interface BoundedMapOptions<V> {
  /** Entries kept at most (more only while every candidate is pinned). */
  readonly max: number;
  /** Entries that must not be evicted now (e.g. with work in flight); they are skipped. */
  readonly pinned?: (value: V) => boolean;
  /** Called once per evicted entry, for the eviction counter. */
  readonly onEvict?: (key: string, value: V) => void;
}

/** A Map with a size cap for keys that come from outside (entity ids, topics): see {@link createBoundedMap}. */
export interface BoundedMap<V> extends Iterable<[string, V]> {
  /** The value, marking the entry as recently used. */
  readonly get: (key: string) => V | undefined;
  /** Inserts or replaces; inserting into a full map evicts one entry first. */
  readonly set: (key: string, value: V) => void;
  readonly delete: (key: string) => boolean;
  readonly size: () => number;
  readonly values: () => IterableIterator<V>;
  readonly clear: () => void;
}

/**
 * Creates a map bounded to `max` entries, evicting with the second-chance (clock) rule, an O(1) amortised
 * approximation of least-recently-used: the oldest entry goes, unless it was used since it was inserted or
 * last passed over (then it moves to the back once) or is pinned. A flood of names seen once (a hostile or
 * broken peer) therefore evicts itself before the names in steady use. Every eviction is reported through
 * `onEvict` so it can be counted. Issue 11: maps keyed by outside names must be bounded and count evictions.
 *
 * @example
 * const series = createBoundedMap<Ring>({ max: 100_000, pinned: (r) => r.flying > 0, onEvict: () => evicted.inc() });
 */
export function createBoundedMap<V>(options: BoundedMapOptions<V>): BoundedMap<V> {
  const entries = new Map<string, Entry<V>>();

  /** Evicts one entry; false when every entry was pinned (the map may then exceed `max`). */
  const evictOne = (): boolean => {
    let budget = entries.size * 2 + 1; // every entry gets at most one second chance per eviction
    for (const [key, entry] of entries) {
      if (budget-- <= 0) return false;
      const pinned = options.pinned?.(entry.value) === true;
      if (pinned || entry.hot) {
        entry.hot = false;
        entries.delete(key);
        entries.set(key, entry); // to the back: not passed over again this round
        continue;
      }
      entries.delete(key);
      options.onEvict?.(key, entry.value);
      return true;
    }
    return false;
  };

  return {
    get: (key) => {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entry.hot = true;
      return entry.value;
    },
    set: (key, value) => {
      const entry = entries.get(key);
      if (entry !== undefined) {
        entry.value = value;
        entry.hot = true;
        return;
      }
      // A loop, not one eviction: after a time with every entry pinned the map may be over its cap.
      while (entries.size >= options.max && evictOne());
      entries.set(key, { value, hot: false });
    },
    delete: (key) => entries.delete(key),
    size: () => entries.size,
    values: () => valuesOf(entries),
    clear: () => entries.clear(),
    [Symbol.iterator]: () => pairsOf(entries),
  };
}

// --- internal ---

interface Entry<V> {
  value: V;
  /** Used since it was inserted or last passed over by the evictor. */
  hot: boolean;
}

function* valuesOf<V>(entries: Map<string, Entry<V>>): IterableIterator<V> {
  for (const entry of entries.values()) yield entry.value;
}

function* pairsOf<V>(entries: Map<string, Entry<V>>): IterableIterator<[string, V]> {
  for (const [key, entry] of entries) yield [key, entry.value];
}
