import { ErrorCode, isSdkError } from '@ha-ingestor/core';
import type {
  AreaEntry,
  DeviceEntry,
  EntityEntry,
  FloorEntry,
  Guard,
  HaLocationConfig,
  LabelEntry,
  RegistryData,
  RegistryStore,
} from '@ha-ingestor/core';
import type { HaConnection } from './connection/connection.js';
import { isRecord } from './connection/protocol.js';

/** The registries HA lists over the WebSocket API. */
export type RegistryKind = 'area' | 'floor' | 'device' | 'entity' | 'label';

const KINDS: readonly RegistryKind[] = ['area', 'floor', 'device', 'entity', 'label'];

/** Maps an `*_registry_updated` event type to its registry, or `undefined`. */
export function registryOfEvent(eventType: string): RegistryKind | undefined {
  const m = /^(area|floor|device|entity|label)_registry_updated$/.exec(eventType);
  return m === null ? undefined : (m[1] as RegistryKind);
}

/** Options of {@link createRegistrySync}. */
export interface RegistrySyncOptions {
  readonly store: RegistryStore;
  readonly debounceMs: number;
  /**
   * Upper bound of the wait: a registry is re-fetched at most this long after the first update event of a
   * burst, even while updates keep coming (without it a steady stream of updates would starve the re-fetch).
   * @default 10 × debounceMs
   */
  readonly maxWaitMs?: number | undefined;
  /** Runs the debounce timers; a failed re-fetch has no caller and is reported through it. */
  readonly guard: Guard;
}

/** Keeps a RegistryStore in step with HA: full sync on connect, debounced re-fetch on *_registry_updated. */
export interface RegistrySync {
  /** Fetches every registry and `get_config` and replaces the store's content. */
  readonly syncAll: (connection: HaConnection) => Promise<void>;
  /** Schedules a re-fetch of the registry an `*_registry_updated` event concerns. */
  readonly onEvent: (eventType: string, connection: HaConnection) => void;
  readonly stop: () => void;
}

/** Creates the registry sync of one source. */
export function createRegistrySync(options: RegistrySyncOptions): RegistrySync {
  /** Per registry with a re-fetch pending: the debounce timer (reset by every event) and the max-wait timer. */
  const pending = new Map<
    RegistryKind,
    { debounce: ReturnType<typeof setTimeout>; cap: ReturnType<typeof setTimeout> }
  >();
  const maxWaitMs = Math.max(options.maxWaitMs ?? options.debounceMs * 10, options.debounceMs);
  const cancel = (kind: RegistryKind) => {
    const timers = pending.get(kind);
    if (timers === undefined) return;
    clearTimeout(timers.debounce);
    clearTimeout(timers.cap);
    pending.delete(kind);
  };
  const fetchOne = async (connection: HaConnection, kind: RegistryKind): Promise<RegistryData> => {
    const list = await connection.command<unknown>(`config/${kind}_registry/list`);
    return toRegistryData(kind, Array.isArray(list) ? list : []);
  };
  return {
    syncAll: async (connection) => {
      const [config, ...lists] = await Promise.all([
        connection.command<unknown>('get_config'),
        ...KINDS.map((kind) => fetchOne(connection, kind)),
      ]);
      const merged: RegistryData = Object.assign({}, ...lists) as RegistryData;
      const location = mapConfig(config);
      options.store.replace(location === undefined ? merged : { ...merged, config: location });
    },
    onEvent: (eventType, connection) => {
      const kind = registryOfEvent(eventType);
      if (kind === undefined) return;
      // `kinds` is fixed (five registries), so this map is bounded by construction.
      const refetch = options.guard(`${kind} registry re-fetch`, () => {
        cancel(kind);
        return fetchOne(connection, kind).then(
          (data) => options.store.replace(data),
          (error: unknown) => {
            // The connection ended before the re-fetch (a reconnect, or the source stopping): nothing is
            // lost, because every new session re-syncs all registries before it emits. Anything else fails.
            if (isSdkError(error, ErrorCode.CONNECTION_LOST) || isSdkError(error, ErrorCode.ABORTED)) return;
            throw error;
          },
        );
      });
      const timers = pending.get(kind);
      if (timers === undefined) {
        pending.set(kind, { debounce: setTimeout(refetch, options.debounceMs), cap: setTimeout(refetch, maxWaitMs) });
        return;
      }
      clearTimeout(timers.debounce);
      timers.debounce = setTimeout(refetch, options.debounceMs);
    },
    stop: () => {
      for (const kind of [...pending.keys()]) cancel(kind);
    },
  };
}

/** Converts one `config/<kind>_registry/list` answer to core entries (unknown keys ignored, bad rows skipped). */
export function toRegistryData(kind: RegistryKind, rows: readonly unknown[]): RegistryData {
  const records = rows.filter(isRecord);
  switch (kind) {
    case 'area':
      return { areas: pick(records, mapArea) };
    case 'floor':
      return { floors: pick(records, mapFloor) };
    case 'device':
      return { devices: pick(records, mapDevice) };
    case 'entity':
      return { entities: pick(records, mapEntity) };
    case 'label':
      return { labels: pick(records, mapLabel) };
  }
}

/** The location part of `get_config`, or `undefined` when it lacks time zone or coordinates. */
export function mapConfig(raw: unknown): HaLocationConfig | undefined {
  if (!isRecord(raw)) return undefined;
  const { time_zone, latitude, longitude } = raw;
  if (typeof time_zone !== 'string' || typeof latitude !== 'number' || typeof longitude !== 'number') return undefined;
  const unitSystem = isRecord(raw['unit_system'])
    ? Object.fromEntries(
        Object.entries(raw['unit_system']).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    : undefined;
  return {
    time_zone,
    latitude,
    longitude,
    ...(typeof raw['elevation'] === 'number' ? { elevation: raw['elevation'] } : {}),
    ...(typeof raw['location_name'] === 'string' ? { location_name: raw['location_name'] } : {}),
    ...(typeof raw['version'] === 'string' ? { version: raw['version'] } : {}),
    ...(unitSystem === undefined ? {} : { unit_system: unitSystem }),
  };
}

// --- internal ---

type Row = Record<string, unknown>;

function pick<T>(rows: readonly Row[], map: (r: Row) => T | undefined): T[] {
  const out: T[] = [];
  for (const r of rows) {
    const v = map(r);
    if (v !== undefined) out.push(v);
  }
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function mapArea(r: Row): AreaEntry | undefined {
  if (typeof r['area_id'] !== 'string' || typeof r['name'] !== 'string') return undefined;
  return {
    area_id: r['area_id'],
    name: r['name'],
    floor_id: str(r['floor_id']),
    labels: strs(r['labels']),
    aliases: strs(r['aliases']),
    icon: str(r['icon']),
  };
}

function mapFloor(r: Row): FloorEntry | undefined {
  if (typeof r['floor_id'] !== 'string' || typeof r['name'] !== 'string') return undefined;
  return {
    floor_id: r['floor_id'],
    name: r['name'],
    level: typeof r['level'] === 'number' ? r['level'] : null,
    aliases: strs(r['aliases']),
    icon: str(r['icon']),
  };
}

function mapDevice(r: Row): DeviceEntry | undefined {
  if (typeof r['id'] !== 'string') return undefined;
  return {
    id: r['id'],
    name: str(r['name']),
    name_by_user: str(r['name_by_user']),
    manufacturer: str(r['manufacturer']),
    model: str(r['model']),
    model_id: str(r['model_id']),
    area_id: str(r['area_id']),
    labels: strs(r['labels']),
    sw_version: str(r['sw_version']),
    hw_version: str(r['hw_version']),
    via_device_id: str(r['via_device_id']),
    disabled_by: str(r['disabled_by']),
  };
}

function mapEntity(r: Row): EntityEntry | undefined {
  if (typeof r['entity_id'] !== 'string') return undefined;
  return {
    entity_id: r['entity_id'],
    ...(typeof r['id'] === 'string' ? { id: r['id'] } : {}),
    unique_id: str(r['unique_id']),
    platform: str(r['platform']) ?? '',
    device_id: str(r['device_id']),
    area_id: str(r['area_id']),
    labels: strs(r['labels']),
    name: str(r['name']),
    original_name: str(r['original_name']),
    entity_category: str(r['entity_category']),
    disabled_by: str(r['disabled_by']),
    hidden_by: str(r['hidden_by']),
    ...(r['device_class'] === undefined ? {} : { device_class: str(r['device_class']) }),
    ...(r['original_device_class'] === undefined ? {} : { original_device_class: str(r['original_device_class']) }),
  };
}

function mapLabel(r: Row): LabelEntry | undefined {
  if (typeof r['label_id'] !== 'string' || typeof r['name'] !== 'string') return undefined;
  return {
    label_id: r['label_id'],
    name: r['name'],
    color: str(r['color']),
    icon: str(r['icon']),
    description: str(r['description']),
  };
}
