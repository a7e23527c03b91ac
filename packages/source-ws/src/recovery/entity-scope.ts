import type { EpochMicros } from '@ha-ingestor/core';

/**
 * The backfill scope beyond `get_states`: every entity known to exist since the checkpoint. HA's history
 * API needs entity ids, and an entity removed during a gap (or removed live before the backfill of an
 * earlier gap runs) is no longer in `get_states` although the recorder still has its changes. A removed
 * entity stays in scope until the checkpoint has passed its removal.
 */
export interface EntityScope {
  /** Records a live state change (`removed` for `new_state: null`) at HA time `time`. */
  readonly seen: (entityId: string, time: EpochMicros, removed: boolean) => void;
  readonly addAll: (entityIds: Iterable<string>) => void;
  readonly has: (entityId: string) => boolean;
  /** Entity ids in scope, after dropping removed entities whose removal is at or before `watermark`. */
  readonly ids: (watermark: EpochMicros | undefined) => string[];
}

/** Creates the scope, seeded from the persisted checkpoint. */
export function createEntityScope(initial: Iterable<string> = []): EntityScope {
  const known = new Set<string>(initial);
  const removedAt = new Map<string, EpochMicros>();
  return {
    seen: (entityId, time, removed) => {
      known.add(entityId);
      if (removed) removedAt.set(entityId, time);
      else removedAt.delete(entityId);
    },
    addAll: (entityIds) => {
      for (const id of entityIds) {
        known.add(id);
        removedAt.delete(id);
      }
    },
    has: (entityId) => known.has(entityId),
    ids: (watermark) => {
      if (watermark !== undefined) {
        for (const [id, time] of removedAt) {
          if (time > watermark) continue;
          removedAt.delete(id);
          known.delete(id);
        }
      }
      return [...known];
    },
  };
}
