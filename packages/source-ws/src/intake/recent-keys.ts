/**
 * A bounded set of recently emitted event keys (insertion order, oldest evicted first): the identity
 * dedupe at the live/backfill seam. Live events whose key came through backfill are skipped, and
 * backfill rows already delivered live are skipped.
 */
export interface RecentKeys {
  readonly has: (key: string) => boolean;
  readonly add: (key: string) => void;
  readonly delete: (key: string) => void;
  readonly size: () => number;
}

/** Creates a set that remembers at most `capacity` keys. */
export function createRecentKeys(capacity: number): RecentKeys {
  const keys = new Set<string>();
  return {
    has: (key) => keys.has(key),
    add: (key) => {
      if (keys.has(key)) return;
      keys.add(key);
      if (keys.size > capacity) {
        const oldest = keys.values().next();
        if (oldest.done !== true) keys.delete(oldest.value);
      }
    },
    delete: (key) => {
      keys.delete(key);
    },
    size: () => keys.size,
  };
}
