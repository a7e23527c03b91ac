import type { AreaSpec, DeviceSpec, EntitySpec, FloorSpec, LabelSpec } from './catalog-types.js';
import type { Rng } from './prng.js';
import { hexId, ulidAt } from './ulid.js';

/** `RegistryEntry.as_partial_dict` (config/entity_registry/list), alphabetical as HA sends it. */
export interface EntityRegistryEntry {
  area_id: string | null;
  categories: Record<string, string>;
  config_entry_id: string | null;
  config_subentry_id: string | null;
  created_at: number;
  device_id: string | null;
  disabled_by: string | null;
  entity_category: string | null;
  entity_id: string;
  has_entity_name: boolean;
  hidden_by: string | null;
  icon: string | null;
  id: string;
  labels: string[];
  modified_at: number;
  name: string | null;
  options: Record<string, unknown>;
  original_name: string | null;
  platform: string;
  translation_key: string | null;
  unique_id: string;
}

/** `DeviceEntry.dict_repr` (config/device_registry/list). */
export interface DeviceRegistryEntry {
  area_id: string | null;
  configuration_url: string | null;
  config_entries: string[];
  config_entries_subentries: Record<string, (string | null)[]>;
  connections: [string, string][];
  created_at: number;
  disabled_by: string | null;
  entry_type: string | null;
  hw_version: string | null;
  id: string;
  identifiers: [string, string][];
  labels: string[];
  manufacturer: string | null;
  model: string | null;
  model_id: string | null;
  modified_at: number;
  name_by_user: string | null;
  name: string | null;
  primary_config_entry: string | null;
  serial_number: string | null;
  sw_version: string | null;
  via_device_id: string | null;
}

/** `AreaEntry.json_fragment`. */
export interface AreaRegistryEntry {
  aliases: string[];
  area_id: string;
  floor_id: string | null;
  humidity_entity_id: string | null;
  icon: string | null;
  labels: string[];
  name: string;
  picture: string | null;
  temperature_entity_id: string | null;
  created_at: number;
  modified_at: number;
}

/** config/floor_registry/list entry. */
export interface FloorRegistryEntry {
  aliases: string[];
  created_at: number;
  floor_id: string;
  icon: string | null;
  level: number | null;
  name: string;
  modified_at: number;
}

/** config/label_registry/list entry. */
export interface LabelRegistryEntry {
  color: string | null;
  created_at: number;
  description: string | null;
  icon: string | null;
  label_id: string;
  name: string;
  modified_at: number;
}

/** The five registries, as mutable maps keyed by their ids (insertion order = HA's list order). */
export interface Registries {
  readonly floors: Map<string, FloorRegistryEntry>;
  readonly areas: Map<string, AreaRegistryEntry>;
  readonly labels: Map<string, LabelRegistryEntry>;
  readonly devices: Map<string, DeviceRegistryEntry>;
  readonly entities: Map<string, EntityRegistryEntry>;
  /** Display precision per entity (sensor options), for list_for_display's `dp`. */
  readonly displayPrecision: Map<string, number>;
  /** Config entry id per platform. */
  readonly configEntries: Map<string, string>;
}

/** Builds the registries from the catalog. `createdAtS` is float epoch seconds. */
export function buildRegistries(
  specs: {
    floors: readonly FloorSpec[];
    areas: readonly AreaSpec[];
    labels: readonly LabelSpec[];
    devices: readonly DeviceSpec[];
    entities: readonly EntitySpec[];
  },
  createdAtS: number,
  rng: Rng,
): { registries: Registries; deviceIdByKey: Map<string, string> } {
  const t = createdAtS;
  const configEntries = new Map<string, string>();
  const entryFor = (platform: string): string => {
    let id = configEntries.get(platform);
    if (id === undefined) {
      id = ulidAt(t * 1000 - 86_400_000 * 30, rng);
      configEntries.set(platform, id);
    }
    return id;
  };
  const floors = new Map(
    specs.floors.map((f) => [
      f.floorId,
      {
        aliases: [...f.aliases],
        created_at: t,
        floor_id: f.floorId,
        icon: f.icon,
        level: f.level,
        name: f.name,
        modified_at: t,
      },
    ]),
  );
  const areas = new Map(
    specs.areas.map((a) => [
      a.areaId,
      {
        aliases: [...a.aliases],
        area_id: a.areaId,
        floor_id: a.floorId,
        humidity_entity_id: null,
        icon: a.icon,
        labels: [...a.labels],
        name: a.name,
        picture: null,
        temperature_entity_id: null,
        created_at: t,
        modified_at: t,
      },
    ]),
  );
  const labels = new Map(
    specs.labels.map((l) => [
      l.labelId,
      {
        color: l.color,
        created_at: t,
        description: l.description,
        icon: l.icon,
        label_id: l.labelId,
        name: l.name,
        modified_at: t,
      },
    ]),
  );
  const deviceIdByKey = new Map<string, string>();
  for (const d of specs.devices) deviceIdByKey.set(d.key, hexId(rng));
  const devices = new Map<string, DeviceRegistryEntry>();
  for (const d of specs.devices) {
    const id = deviceIdByKey.get(d.key) ?? hexId(rng);
    const entry = entryFor(d.platform);
    devices.set(id, {
      area_id: d.areaId,
      configuration_url: d.platform === 'shelly' ? `http://192.168.1.${rng.int(20, 250)}` : null,
      config_entries: [entry],
      config_entries_subentries: { [entry]: [null] },
      connections: d.mac ? [['mac', d.mac.toLowerCase()]] : [],
      created_at: t,
      disabled_by: null,
      entry_type: d.entryType ?? null,
      hw_version: d.hwVersion,
      id,
      identifiers: [[d.platform, d.key]],
      labels: [...(d.labels ?? [])],
      manufacturer: d.manufacturer,
      model: d.model,
      model_id: d.modelId,
      modified_at: t,
      name_by_user: null,
      name: d.name,
      primary_config_entry: entry,
      serial_number: d.serialNumber ?? null,
      sw_version: d.swVersion,
      via_device_id: d.viaKey ? (deviceIdByKey.get(d.viaKey) ?? null) : null,
    });
  }
  const entities = new Map<string, EntityRegistryEntry>();
  const displayPrecision = new Map<string, number>();
  for (const e of specs.entities) {
    if (e.uniqueId === null) continue; // YAML entity: state, no registry entry
    entities.set(
      e.entityId,
      entityEntry(
        e,
        e.deviceKey === null ? null : (deviceIdByKey.get(e.deviceKey) ?? null),
        entryFor(e.platform),
        t,
        rng,
      ),
    );
    if (e.displayPrecision !== undefined) displayPrecision.set(e.entityId, e.displayPrecision);
  }
  return { registries: { floors, areas, labels, devices, entities, displayPrecision, configEntries }, deviceIdByKey };
}

/** A registry entry for one entity spec. */
export function entityEntry(
  e: EntitySpec,
  deviceId: string | null,
  configEntryId: string | null,
  t: number,
  rng: Rng,
): EntityRegistryEntry {
  return {
    area_id: e.areaId,
    categories: {},
    config_entry_id: configEntryId,
    config_subentry_id: null,
    created_at: t,
    device_id: deviceId,
    disabled_by: e.disabledBy ?? null,
    entity_category: e.entityCategory ?? null,
    entity_id: e.entityId,
    has_entity_name: e.hasEntityName ?? false,
    hidden_by: e.hiddenBy ?? null,
    icon: e.icon ?? null,
    id: hexId(rng),
    labels: [...e.labels],
    modified_at: t,
    name: null,
    options:
      e.displayPrecision === undefined
        ? { conversation: { should_expose: false } }
        : { sensor: { suggested_display_precision: e.displayPrecision } },
    original_name: e.originalName ?? null,
    platform: e.platform,
    translation_key: e.translationKey ?? null,
    unique_id: e.uniqueId ?? e.entityId,
  };
}

const ENTITY_CATEGORIES: Record<string, number> = { config: 0, diagnostic: 1 };

/** config/entity_registry/list_for_display: compact keys, disabled entities omitted. */
export function listForDisplay(registries: Registries): {
  entity_categories: Record<string, string>;
  entities: Record<string, unknown>[];
} {
  const entities: Record<string, unknown>[] = [];
  for (const e of registries.entities.values()) {
    if (e.disabled_by !== null) continue;
    const row: Record<string, unknown> = { ei: e.entity_id, pl: e.platform };
    if (e.area_id !== null) row.ai = e.area_id;
    row.lb = e.labels;
    if (e.device_id !== null) row.di = e.device_id;
    if (e.icon !== null) row.ic = e.icon;
    if (e.translation_key !== null) row.tk = e.translation_key;
    if (e.entity_category !== null) row.ec = ENTITY_CATEGORIES[e.entity_category];
    if (e.hidden_by !== null) row.hb = true;
    if (e.has_entity_name && e.name === null && e.original_name !== null) row.en = e.original_name;
    const dp = registries.displayPrecision.get(e.entity_id);
    if (dp !== undefined) row.dp = dp;
    entities.push(row);
  }
  return { entity_categories: { '0': 'config', '1': 'diagnostic' }, entities };
}
