/**
 * HA registry metadata (areas, floors, devices, entities, labels) and HA's location config, behind a small
 * provider interface: the WebSocket source feeds a {@link RegistryStore}; enrichers read a
 * {@link RegistryProvider}, so they never depend on the source's internals.
 */

export interface AreaEntry {
  readonly area_id: string;
  readonly name: string;
  readonly floor_id: string | null;
  readonly labels: readonly string[];
  readonly aliases?: readonly string[];
  readonly icon?: string | null;
}

/** One entry of HA's floor registry (`config/floor_registry/list`). */
export interface FloorEntry {
  readonly floor_id: string;
  readonly name: string;
  /** May be null or negative (basements). */
  readonly level: number | null;
  readonly aliases?: readonly string[];
  readonly icon?: string | null;
}

/** One entry of HA's device registry (`config/device_registry/list`), the fields the SDK uses. */
export interface DeviceEntry {
  readonly id: string;
  readonly name: string | null;
  readonly name_by_user: string | null;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly model_id?: string | null;
  readonly area_id: string | null;
  readonly labels: readonly string[];
  readonly sw_version?: string | null;
  readonly hw_version?: string | null;
  readonly via_device_id?: string | null;
  readonly disabled_by?: string | null;
}

/** One entry of HA's entity registry (`config/entity_registry/list`), the fields the SDK uses. */
export interface EntityEntry {
  readonly entity_id: string;
  /** Registry entry id (stable across renames, like unique_id). */
  readonly id?: string;
  readonly unique_id: string | null;
  readonly platform: string;
  readonly device_id: string | null;
  readonly area_id: string | null;
  readonly labels: readonly string[];
  readonly name: string | null;
  readonly original_name?: string | null;
  readonly entity_category?: string | null;
  readonly disabled_by?: string | null;
  readonly hidden_by?: string | null;
  /** From `config/entity_registry/get` or entity options, when known. */
  readonly device_class?: string | null;
  readonly original_device_class?: string | null;
  readonly unit_of_measurement?: string | null;
  readonly state_class?: string | null;
}

/** One entry of HA's label registry (`config/label_registry/list`). */
export interface LabelEntry {
  readonly label_id: string;
  readonly name: string;
  readonly color?: string | null;
  readonly icon?: string | null;
  readonly description?: string | null;
}

/** The parts of HA's `get_config` the SDK uses. */
export interface HaLocationConfig {
  readonly time_zone: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly elevation?: number;
  readonly location_name?: string;
  readonly version?: string;
  readonly unit_system?: Readonly<Record<string, string>>;
}

/** An immutable view of every registry at one moment. */
export interface RegistrySnapshot {
  readonly areas: ReadonlyMap<string, AreaEntry>;
  readonly floors: ReadonlyMap<string, FloorEntry>;
  readonly devices: ReadonlyMap<string, DeviceEntry>;
  readonly entities: ReadonlyMap<string, EntityEntry>;
  readonly labels: ReadonlyMap<string, LabelEntry>;
  readonly config: HaLocationConfig | undefined;
  /** Incremented on every change, so consumers can cache derived lookups per version. */
  readonly version: number;
}

/** Read side: what enrichers use. */
export interface RegistryProvider {
  /** The current registries (an immutable snapshot; cheap to call per event). */
  readonly snapshot: () => RegistrySnapshot;
  /** Calls `listener` after every change; returns an unsubscribe function. */
  readonly subscribe: (listener: (snapshot: RegistrySnapshot) => void) => () => void;
}

/** Plain-array form used to replace registries (e.g. the answer to `config/*_registry/list`). */
export interface RegistryData {
  readonly areas?: readonly AreaEntry[];
  readonly floors?: readonly FloorEntry[];
  readonly devices?: readonly DeviceEntry[];
  readonly entities?: readonly EntityEntry[];
  readonly labels?: readonly LabelEntry[];
  readonly config?: HaLocationConfig;
}

/** Write side: what the WebSocket source (or a test, or a static config) feeds. */
export interface RegistryStore extends RegistryProvider {
  /** Replaces the registries present in `data` (absent ones are kept) and notifies subscribers once. */
  readonly replace: (data: RegistryData) => void;
  /** Inserts or updates one entity (keyed by entity_id); `previousEntityId` handles renames. */
  readonly upsertEntity: (entry: EntityEntry, previousEntityId?: string) => void;
  /** Removes one entity entry and notifies subscribers. */
  readonly removeEntity: (entityId: string) => void;
  /** Entries refused so far because a registry held `maxEntries` (see {@link RegistryStoreOptions}). */
  readonly dropped: () => number;
}

/** Which registry an entry was refused from. */
export type RegistryKind = 'areas' | 'floors' | 'devices' | 'entities' | 'labels';

/** Options of {@link createRegistryStore}. */
export interface RegistryStoreOptions {
  /**
   * Entries kept per registry. HA sends these lists, but their size is still outside input: past the cap new
   * entries are refused (the ones already known keep their metadata), counted and passed to `onDrop`.
   * @default 100000
   */
  readonly maxEntries?: number;
  /** Called with the registry and the number of entries refused (wire it to a counter or a log). */
  readonly onDrop?: (registry: RegistryKind, count: number) => void;
}

/** Default of {@link RegistryStoreOptions.maxEntries}: far above the largest HA installs (tens of thousands of entities). */
export const REGISTRY_MAX_ENTRIES = 100_000;

/** Creates an in-memory registry store, optionally pre-filled (e.g. from a static file). */
export function createRegistryStore(initial: RegistryData = {}, options: RegistryStoreOptions = {}): RegistryStore {
  const maxEntries = options.maxEntries ?? REGISTRY_MAX_ENTRIES;
  let dropped = 0;
  const refuse = (registry: RegistryKind, count: number) => {
    if (count <= 0) return;
    dropped += count;
    options.onDrop?.(registry, count);
  };
  let snap: RegistrySnapshot = {
    areas: new Map(),
    floors: new Map(),
    devices: new Map(),
    entities: new Map(),
    labels: new Map(),
    config: undefined,
    version: 0,
  };
  const listeners = new Set<(s: RegistrySnapshot) => void>();
  const publish = (next: Omit<RegistrySnapshot, 'version'>) => {
    snap = { ...next, version: snap.version + 1 };
    for (const l of [...listeners]) l(snap);
  };
  // Issue 11: keyed by names from outside, so bounded: the first maxEntries are kept, the rest counted.
  const index = <T>(
    registry: RegistryKind,
    items: readonly T[] | undefined,
    key: (t: T) => string,
    current: ReadonlyMap<string, T>,
  ) => {
    if (items === undefined) return current;
    const map = new Map<string, T>();
    for (const item of items) {
      const k = key(item);
      if (map.size < maxEntries || map.has(k)) map.set(k, item);
      else refuse(registry, 1);
    }
    return map;
  };

  const store: RegistryStore = {
    snapshot: () => snap,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    replace: (data) =>
      publish({
        areas: index('areas', data.areas, (a) => a.area_id, snap.areas),
        floors: index('floors', data.floors, (f) => f.floor_id, snap.floors),
        devices: index('devices', data.devices, (d) => d.id, snap.devices),
        entities: index('entities', data.entities, (e) => e.entity_id, snap.entities),
        labels: index('labels', data.labels, (l) => l.label_id, snap.labels),
        config: data.config ?? snap.config,
      }),
    upsertEntity: (entry, previousEntityId) => {
      const entities = new Map(snap.entities);
      if (previousEntityId !== undefined && previousEntityId !== entry.entity_id) entities.delete(previousEntityId);
      if (!entities.has(entry.entity_id) && entities.size >= maxEntries) return refuse('entities', 1);
      entities.set(entry.entity_id, entry);
      publish({ ...snap, entities });
    },
    removeEntity: (entityId) => {
      if (!snap.entities.has(entityId)) return;
      const entities = new Map(snap.entities);
      entities.delete(entityId);
      publish({ ...snap, entities });
    },
    dropped: () => dropped,
  };
  if (Object.keys(initial).length > 0) store.replace(initial);
  return store;
}
