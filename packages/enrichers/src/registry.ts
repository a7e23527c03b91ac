import { z } from 'zod';
import { defineEnricher, registryCapability, resolveNeed } from '@ha-ingestor/core';
import type { Enricher, RegistryProvider, RegistrySnapshot } from '@ha-ingestor/core';

const ENRICHER_NAME = 'registry';

/** Every field the registry enricher can add, in its default name. */
export const REGISTRY_FIELDS = [
  'area',
  'area_id',
  'floor',
  'floor_id',
  'floor_level',
  'device_id',
  'device_name',
  'device_manufacturer',
  'device_model',
  'labels',
  'platform',
  'unique_id',
  'device_class',
  'state_class',
  'unit_of_measurement',
] as const;
/** A field {@link registryEnricher} can add (see `fields`). */
export type RegistryField = (typeof REGISTRY_FIELDS)[number];

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'registryEnricher()': RegistryField;
  }
}

/** The value type of each registry field. */
export interface RegistryFieldTypes {
  area: string;
  area_id: string;
  floor: string;
  floor_id: string;
  floor_level: number;
  device_id: string;
  device_name: string;
  device_manufacturer: string;
  device_model: string;
  labels: readonly string[];
  platform: string;
  unique_id: string;
  device_class: string;
  state_class: string;
  unit_of_measurement: string;
}

/** Options of {@link registryEnricher}. */
export const RegistryEnricherOptionsSchema = z.object({
  fields: z
    .array(z.enum(REGISTRY_FIELDS))
    .default([...REGISTRY_FIELDS])
    .describe('Which fields to add (each is omitted when HA does not know it for the entity)'),
  rename: z
    .partialRecord(z.enum(REGISTRY_FIELDS), z.string().min(1))
    .default({})
    .describe('Output names for fields, e.g. { "area": "room" }'),
  attributeFallback: z
    .boolean()
    .default(true)
    .describe(
      'Take device_class / state_class / unit_of_measurement from the state attributes when the registry lacks them',
    ),
});
/** Options of {@link registryEnricher} as a user writes them. */
export type RegistryEnricherOptions = z.input<typeof RegistryEnricherOptionsSchema>;
/** Options of {@link registryEnricher} with every default applied. */
export type ResolvedRegistryEnricherOptions = z.output<typeof RegistryEnricherOptionsSchema>;

/**
 * Hooks of {@link registryEnricher}: where registry snapshots come from. Leave them out to use the
 * registry the pipeline provides (the WebSocket source's); given, they win.
 */
export interface RegistryEnricherHooks {
  readonly registry: RegistryProvider;
}

/** What {@link registryEnricher} needs from the pipeline when its `registry` hook is left out. */
export type RegistryEnricherNeeds = { registry: typeof registryCapability };

/** What the registry enricher reads: state changes carry `entity_id`, other events may carry `data.entity_id`. */
export interface RegistryEnricherInput {
  readonly entity_id?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly data?: unknown;
}

type Renamed<K extends RegistryField, R> = R extends { readonly [P in K]?: infer N } ? (N extends string ? N : K) : K;

/** The fields added for a given `fields`/`rename` choice (all optional: HA may not know them). */
export type RegistryAdded<F extends RegistryField = RegistryField, R = object> = {
  readonly [K in F as Renamed<K, R>]?: RegistryFieldTypes[K];
};

/** {@link RegistryAdded} computed from literal options. */
export type RegistryAddedFor<O> = RegistryAdded<
  O extends { readonly fields: readonly (infer F extends RegistryField)[] } ? F : RegistryField,
  O extends { readonly rename: infer R } ? R : object
>;

/**
 * Adds HA registry metadata to every event with an entity: area, floor, device, labels, platform,
 * unique_id and the entity's device_class / state_class / unit. The area is the entity's own, else its
 * device's (HA's rule). Reads the latest snapshot per event, so registry changes apply at once.
 *
 * Without hooks it uses the registry the pipeline provides (`haWebSocketSource` provides the one it
 * syncs): a pipeline with no provider does not compile, and `build()` throws CONFIG_INVALID. With
 * `{ registry }` it uses that one (e.g. a static store next to an MQTT source).
 *
 * @example
 * pipeline(haWebSocketSource({ url, token })).use(registryEnricher({ fields: ['area', 'floor', 'unique_id'] })).to(sink);
 * pipeline(mqttSource(opts)).use(registryEnricher({}, { registry: createRegistryStore(staticData) })).to(sink);
 */
export const registryEnricher = Object.assign(registryEnricherCall, {
  componentName: ENRICHER_NAME,
  optionsSchema: RegistryEnricherOptionsSchema,
});

// --- internal ---

function registryEnricherCall<const O extends RegistryEnricherOptions = Record<never, never>>(
  options: O | undefined,
  hooks: RegistryEnricherHooks,
): Enricher<RegistryEnricherInput, RegistryAddedFor<O>>;
function registryEnricherCall<const O extends RegistryEnricherOptions = Record<never, never>>(
  options?: O,
): Enricher<RegistryEnricherInput, RegistryAddedFor<O>, RegistryEnricherNeeds>;
function registryEnricherCall<const O extends RegistryEnricherOptions = Record<never, never>>(
  options?: O,
  hooks?: RegistryEnricherHooks,
): Enricher<RegistryEnricherInput, RegistryAddedFor<O>, RegistryEnricherNeeds> {
  return defineRegistryEnricher<RegistryAddedFor<O>>()(options, hooks);
}

/**
 * The definition behind {@link registryEnricher}, for the fields `A` that a call's literal `fields` and
 * `rename` select. A function of `A` because one module-level factory can't type its output by its options.
 */
function defineRegistryEnricher<A extends object>() {
  return defineEnricher({
    name: ENRICHER_NAME,
    options: RegistryEnricherOptionsSchema,
    needs: { registry: registryCapability },
    create: (opts, hooks: Partial<RegistryEnricherHooks>) => {
      // Given hook: used from the start. Left out: the pipeline's, taken in start() (issue 12).
      let provider = hooks?.registry;
      const site = { consumer: ENRICHER_NAME, hook: 'registry' };
      const { fieldsOf } = createFieldLookup(
        opts,
        () => (provider ??= resolveNeed(undefined, {}, registryCapability, site)),
      );
      // The record's keys are `rename[f] ?? f` for each chosen field, computed at run time; `A` spells out
      // the same at compile time. TypeScript can't follow run-time keys, so this is where the two meet.
      const enrich = (event: RegistryEnricherInput) => fieldsOf(event) as A;
      if (provider !== undefined) return { enrich };
      return {
        enrich,
        start: (ctx) => {
          provider = resolveNeed(hooks?.registry, ctx, registryCapability, site);
        },
      };
    },
  });
}

type Fields = Readonly<Record<string, unknown>>;

/**
 * {@link createFieldLookup}: the lookup, and how many entities it keeps derived records for (tests).
 * @internal
 */
export interface FieldLookup {
  readonly fieldsOf: (event: RegistryEnricherInput) => Fields;
  /** Entities with a cached lookup or merged fallback record: never more than the registry's entities. */
  readonly cachedEntities: () => number;
}

/**
 * The registry fields of an event's entity (cached per snapshot version), with attribute fallbacks.
 * `provider()` is the hook's or the pipeline's registry (it throws CONFIG_INVALID when there is none).
 *
 * Issue 14 (memory): records are kept only for entities the registry snapshot has, so these caches are bounded
 * by the registry store (whose bound counts what it refuses) and emptied by every registry change. An entity
 * HA has no registry entry for (YAML-only, or not synced yet) gets the shared empty record; its attribute
 * fallbacks are merged per event, reusing the last merged result while the values stay the same. Before, each
 * such entity id ever seen added two map entries until the next registry change: with a static registry and a
 * stream of new entity ids (the simulator's BLE tags), memory grew without bound.
 * @internal exported for the registry tests, not part of the public API.
 */
export function createFieldLookup(
  opts: ResolvedRegistryEnricherOptions,
  provider: () => RegistryProvider,
): FieldLookup {
  const fields = new Set<RegistryField>(opts.fields);
  const name = (f: RegistryField): string => opts.rename[f] ?? f;
  const fallbacks = opts.attributeFallback
    ? (['device_class', 'state_class', 'unit_of_measurement'] as const)
        .filter((f) => fields.has(f))
        .map((f) => [f, name(f)] as const)
    : [];
  // Derived lookups are cached per snapshot version: a registry change invalidates them at once.
  let cachedVersion = -1;
  const cache = new Map<string, Fields>();
  // Attribute fallbacks change rarely per entity: the last merged result is reused while they stay the same.
  const merged = new Map<string, Merged>();
  // Entities without a registry entry share one memo: the last fallback values merged and their result.
  let unregistered: Merged | undefined;
  const EMPTY: Fields = Object.freeze({});

  /** The entity's registry record, or undefined when the snapshot has no entry for it. */
  const resolve = (entityId: string): Fields | undefined => {
    const snap = provider().snapshot();
    if (snap.version !== cachedVersion) {
      cachedVersion = snap.version;
      cache.clear();
      merged.clear();
      unregistered = undefined;
    }
    let found = cache.get(entityId);
    if (found === undefined) {
      if (!snap.entities.has(entityId)) return undefined;
      found = Object.freeze(lookup(snap, entityId, fields, name));
      cache.set(entityId, found);
    }
    return found;
  };

  const mergeFallbacks = (base: Fields, attributes: Readonly<Record<string, unknown>>): Merged => {
    let out: Record<string, unknown> | undefined;
    for (const [f, outName] of fallbacks) {
      const v = attributes[f];
      if (base[outName] !== undefined || typeof v !== 'string' || v === '') continue;
      out ??= { ...base };
      out[outName] = v;
    }
    const value = out === undefined ? base : Object.freeze(out);
    return { base, values: fallbacks.map(([f]) => attributes[f]), value };
  };

  const fieldsOf = (event: RegistryEnricherInput): Fields => {
    const entityId = entityIdOf(event);
    if (entityId === undefined) return EMPTY;
    const found = resolve(entityId);
    const attributes = event.attributes;
    if (found === undefined) {
      if (fallbacks.length === 0 || attributes === undefined) return EMPTY;
      if (unregistered === undefined || !sameFallbacks(unregistered.values, attributes, fallbacks))
        unregistered = mergeFallbacks(EMPTY, attributes);
      return unregistered.value;
    }
    if (fallbacks.length === 0 || attributes === undefined) return found;
    const last = merged.get(entityId);
    if (last !== undefined && last.base === found && sameFallbacks(last.values, attributes, fallbacks))
      return last.value;
    const next = mergeFallbacks(found, attributes);
    merged.set(entityId, next);
    return next.value;
  };
  return { fieldsOf, cachedEntities: () => Math.max(cache.size, merged.size) };
}

interface Merged {
  readonly base: Fields;
  readonly values: readonly unknown[];
  readonly value: Fields;
}

function sameFallbacks(
  values: readonly unknown[],
  attributes: Readonly<Record<string, unknown>>,
  fallbacks: readonly (readonly [string, string])[],
): boolean {
  for (let i = 0; i < fallbacks.length; i++)
    if (values[i] !== attributes[(fallbacks[i] as readonly [string, string])[0]]) return false;
  return true;
}

function entityIdOf(event: RegistryEnricherInput): string | undefined {
  if (typeof event.entity_id === 'string') return event.entity_id;
  const data = event.data;
  if (data !== null && typeof data === 'object') {
    const id = (data as { entity_id?: unknown }).entity_id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

function lookup(
  snap: RegistrySnapshot,
  entityId: string,
  fields: ReadonlySet<RegistryField>,
  name: (f: RegistryField) => string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (f: RegistryField, value: unknown) => {
    if (value !== undefined && value !== null && value !== '' && fields.has(f)) out[name(f)] = value;
  };
  const entity = snap.entities.get(entityId);
  if (entity === undefined) return out;
  const device = entity.device_id === null ? undefined : snap.devices.get(entity.device_id);
  const areaId = entity.area_id ?? device?.area_id ?? null;
  const area = areaId === null ? undefined : snap.areas.get(areaId);
  const floor = area?.floor_id == null ? undefined : snap.floors.get(area.floor_id);

  put('area_id', areaId);
  put('area', area?.name);
  put('floor_id', area?.floor_id);
  put('floor', floor?.name);
  put('floor_level', floor?.level);
  put('device_id', entity.device_id);
  put('device_name', device ? (device.name_by_user ?? device.name) : undefined);
  put('device_manufacturer', device?.manufacturer);
  put('device_model', device?.model);
  if (fields.has('labels') && entity.labels.length > 0) {
    out[name('labels')] = Object.freeze(entity.labels.map((id) => snap.labels.get(id)?.name ?? id));
  }
  put('platform', entity.platform);
  put('unique_id', entity.unique_id);
  put('device_class', entity.device_class ?? entity.original_device_class);
  put('state_class', entity.state_class);
  put('unit_of_measurement', entity.unit_of_measurement);
  return out;
}
