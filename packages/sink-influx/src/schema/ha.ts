import type { FieldValue, Point } from '@ha-ingestor/core/line-protocol';
import { createEntityConfigLookup } from './component-config.js';
import type { EntityConfig } from './component-config.js';
import { createContextFieldWriter } from './context-fields.js';
import {
  pyFloat,
  parsePyFloat,
  pyStr,
  RE_DECIMAL,
  RE_DIGIT_TAIL,
  SKIPPED_STATES,
  STATE_AS_NUMBER,
} from './ha-values.js';
import type { ResolvedSchemaOptions } from './options.js';
import { homeOfEvent, type StateView } from './types.js';

/** Entities whose measurement and tags the `ha` schema keeps at most (see createHaStateMapper). */
export const MAX_CACHED_ENTITIES = 10_000;

/** Bound and eviction counter of the per-entity records of {@link createHaStateMapper}. */
export interface EntityCacheOptions {
  /** @default MAX_CACHED_ENTITIES */
  readonly maxEntities?: number;
  /** Called once per record evicted to stay within the bound. */
  readonly onEvict?: () => void;
}

/** An event's attributes. */
export type Attributes = Readonly<Record<string, unknown>>;

/** What the `ha` schema derives from an entity rather than an event, and what it was derived from. */
export interface EntityRecord {
  /** The home the record belongs to (`provenance.home`): a writer receives many homes with the same entity ids. */
  readonly home: string | undefined;
  readonly domain: string;
  readonly objectId: string;
  readonly measureInput: unknown;
  readonly tagInputs: readonly unknown[];
  readonly measurement: string;
  readonly includeUom: boolean;
  readonly includeDc: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * The escaped series key (measurement and tags) of the line writer (ha-line.ts), computed on its first
   * line; `null` when the serialiser refuses it (that entity's events then take the point path).
   */
  seriesKey: string | null | undefined;
}

/**
 * What the point mapper and the line writer (ha-line.ts) of one `ha` schema share: its options, the
 * per-entity configuration and the per-entity records (one bounded set for both).
 */
export interface HaSchemaParts {
  readonly options: ResolvedSchemaOptions;
  readonly entityConfig: (entityId: string, domain: string) => EntityConfig;
  readonly entityRecord: (view: StateView, attributes: Attributes, config: EntityConfig) => EntityRecord;
  /** Attributes written as tags, never as fields. */
  readonly tagsAttributes: ReadonlySet<string>;
  /** `ignoreAttributes` of the options (an entity's own list is in its {@link EntityConfig}). */
  readonly globalIgnore: ReadonlySet<string>;
}

/**
 * The `ha` schema: a faithful port of HA's `_generate_event_to_json`
 * (homeassistant/components/influxdb/__init__.py), so existing dashboards keep working.
 *
 * Measurement: per-entity override → `overrideMeasurement` → the `measurementAttr` value →
 * `defaultMeasurement` → entity id. Tags: `domain`, `entity_id` (the object id), `tagsAttributes`, then
 * static `tags` (which win), then the home tag (`homeTag` = the event's `provenance.home`, when it has one;
 * it wins over all). Fields: `value` (float) for a numeric state (text, or a number an enricher
 * made of it); `state` + `value` for states
 * HA maps to numbers (on/off, open/closed, …); `state` alone otherwise. Each attribute becomes a float
 * field when Python's `float()` takes it, else `<key>_str` plus a digit-tail number under `<key>`.
 * Enricher context listed in `contextFields` is added last (see context-fields.ts), so these fields win.
 * Differences from HA are listed in docs/schema.md.
 */
export function createHaStateMapper(
  options: ResolvedSchemaOptions,
  cache: EntityCacheOptions = {},
): (view: StateView) => Point | undefined {
  return createHaPointMapper(createHaSchemaParts(options, cache));
}

/** The shared parts of an `ha` schema (see {@link HaSchemaParts}); the mappers are made from them. */
export function createHaSchemaParts(options: ResolvedSchemaOptions, cache: EntityCacheOptions = {}): HaSchemaParts {
  const entityConfig = createEntityConfigLookup(options);
  const tagsAttributes = new Set(options.tagsAttributes);
  const tagList = [...tagsAttributes];
  const globalIgnore = new Set(options.ignoreAttributes);
  const staticTags = Object.entries(options.tags);
  const { measurementAttr, defaultMeasurement, overrideMeasurement } = options;
  const maxEntities = cache.maxEntities ?? MAX_CACHED_ENTITIES;
  const homeTag = options.homeTag;
  // Keyed by entity id, or `<home>\0<entity id>` for events with a home (issue 16): records never mix homes.
  const records = new Map<string, EntityRecord>();

  /** The attribute the measurement is read from for this entity, or undefined when it is not read from one. */
  const measurementKey = (config: EntityConfig): string | undefined => {
    if (config.overrideMeasurement !== undefined && config.overrideMeasurement !== '') return undefined;
    if (overrideMeasurement || measurementAttr === 'entity_id') return undefined;
    return measurementAttr === 'domain__device_class' ? 'device_class' : measurementAttr;
  };

  const measure = (view: StateView, attributes: Attributes, config: EntityConfig) => {
    let includeUom = true;
    let includeDc = true;
    let measurement: string | undefined = config.overrideMeasurement;
    if (measurement === undefined || measurement === '') {
      if (overrideMeasurement) {
        measurement = overrideMeasurement;
      } else {
        if (measurementAttr === 'entity_id') {
          measurement = view.entity_id;
        } else if (measurementAttr === 'domain__device_class') {
          const deviceClass = attributes['device_class'];
          if (deviceClass === undefined || deviceClass === null) {
            measurement = view.domain;
          } else {
            measurement = `${view.domain}__${pyStr(deviceClass, 'attribute "device_class"')}`;
            includeDc = false;
          }
        } else {
          const unit = attributes[measurementAttr];
          measurement =
            unit === undefined || unit === null
              ? undefined
              : pyStr(unit, `attribute ${JSON.stringify(measurementAttr)}`);
        }
        if (measurement === undefined || measurement === '') {
          measurement = defaultMeasurement ? defaultMeasurement : view.entity_id;
        } else {
          includeUom = measurementAttr !== 'unit_of_measurement';
        }
      }
    }
    return { measurement, includeUom, includeDc };
  };

  /** Tags: domain, entity_id (the object id), `tagsAttributes`, static `tags` (which win), the home tag. Frozen. */
  const tagsOf = (
    view: StateView,
    tagInputs: readonly unknown[],
    home: string | undefined,
  ): Readonly<Record<string, string>> => {
    // Null-prototype records: attribute keys such as `__proto__` or `constructor` stay ordinary keys.
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    tags['domain'] = view.domain;
    tags['entity_id'] = view.object_id;
    for (let i = 0; i < tagList.length; i++) {
      const value = tagInputs[i];
      // HA's Python client drops None tags; other values are str()-ed.
      const key = tagList[i] as string;
      if (value !== null && value !== undefined) tags[key] = pyStr(value, `attribute ${JSON.stringify(key)}`);
    }
    for (const [k, v] of staticTags) tags[k] = v;
    if (home !== undefined) tags[homeTag] = home;
    return Object.freeze(tags);
  };

  /**
   * Issue 14, work per entity: the measurement and the (frozen) tags of an entity are kept while what they
   * are made of — domain, object id, the measurement attribute and the tag attributes — stays the same
   * (compared by identity: an object-valued attribute is recomputed every time). The serialiser caches the
   * escaped prefix of a frozen tag record, so an unchanged entity costs neither the tags nor their escaping.
   * Bounded by `maxEntities` (the oldest record is evicted first, and counted).
   */
  const entityRecord = (view: StateView, attributes: Attributes, config: EntityConfig): EntityRecord => {
    const key = measurementKey(config);
    const measureInput = key === undefined ? undefined : attributes[key];
    const home = homeOfEvent(view.event);
    const recordKey = home === undefined ? view.entity_id : `${home}\0${view.entity_id}`;
    const last = records.get(recordKey);
    if (
      last !== undefined &&
      last.home === home &&
      last.domain === view.domain &&
      last.objectId === view.object_id &&
      last.measureInput === measureInput &&
      sameTagInputs(last.tagInputs, attributes)
    )
      return last;
    const tagInputs = tagList.map((k) => (Object.hasOwn(attributes, k) ? attributes[k] : undefined));
    const record: EntityRecord = {
      home,
      domain: view.domain,
      objectId: view.object_id,
      measureInput,
      tagInputs,
      ...measure(view, attributes, config),
      tags: tagsOf(view, tagInputs, home),
      seriesKey: undefined,
    };
    if (last === undefined && records.size >= maxEntities) {
      const oldest = records.keys().next();
      if (oldest.done !== true) {
        records.delete(oldest.value);
        cache.onEvict?.();
      }
    }
    records.set(recordKey, record);
    return record;
  };

  const sameTagInputs = (inputs: readonly unknown[], attributes: Attributes): boolean => {
    for (let i = 0; i < tagList.length; i++) {
      const k = tagList[i] as string;
      if (inputs[i] !== (Object.hasOwn(attributes, k) ? attributes[k] : undefined)) return false;
    }
    return true;
  };

  return { options, entityConfig, entityRecord, tagsAttributes, globalIgnore };
}

/** The point mapper of an `ha` schema (see {@link createHaStateMapper}). */
export function createHaPointMapper(parts: HaSchemaParts): (view: StateView) => Point | undefined {
  const { options, entityConfig, entityRecord, tagsAttributes, globalIgnore } = parts;
  const writeContext = createContextFieldWriter(options.contextFields);
  return (view) => {
    const stateText = view.state;
    // A number state (an enricher converted it) is never one of the skipped texts.
    const unavailable = view.numeric === undefined && SKIPPED_STATES.has(stateText);
    if (unavailable && options.skipUnavailable) return undefined;

    // State fields. Deviation: HA never writes unavailable/unknown/''; we write them as `state` only
    // (state_as_number would turn `unknown` into value 0, which would read as a real measurement).
    let includeState = false;
    let includeValue = false;
    let stateValue = 0;
    if (unavailable) {
      includeState = true;
    } else {
      const numeric = view.numeric ?? parsePyFloat(stateText);
      if (numeric !== undefined) {
        stateValue = numeric;
        includeValue = true;
      } else {
        const mapped = STATE_AS_NUMBER.get(stateText);
        includeState = true;
        if (mapped !== undefined) {
          stateValue = mapped;
          includeValue = true;
        }
      }
    }

    const attributes = view.attributes;
    const config = entityConfig(view.entity_id, view.domain);
    const { measurement, includeUom, includeDc, tags } = entityRecord(view, attributes, config);
    const fields: Record<string, FieldValue> = Object.create(null) as Record<string, FieldValue>;
    if (includeState) fields['state'] = stateText;
    if (includeValue) fields['value'] = stateValue;

    const entityIgnore = config.ignoreAttributes;
    for (const originalKey in attributes) {
      const value = attributes[originalKey];
      if (tagsAttributes.has(originalKey)) continue; // a tag (see tagsOf)
      if (originalKey === 'unit_of_measurement' && !includeUom) continue;
      if (originalKey === 'device_class' && !includeDc) continue;
      if (globalIgnore.has(originalKey) || (entityIgnore !== undefined && entityIgnore.includes(originalKey))) continue;

      const key = originalKey in fields ? `${originalKey}_` : originalKey;
      // InfluxDB silently drops a field named `time`: write HA's numeric `time` as `time_` (deviation;
      // `time_str` stays as HA writes it).
      const numKey = key === 'time' ? 'time_' : key;
      const asFloat = pyFloat(value);
      if (asFloat !== undefined) {
        fields[numKey] = asFloat;
      } else {
        const text = pyStr(value, `attribute ${JSON.stringify(originalKey)}`);
        fields[`${key}_str`] = text;
        if (RE_DIGIT_TAIL.test(text)) {
          const tail = Number(text.replace(RE_DECIMAL, ''));
          // HA's float() cannot fail here (RE_DIGIT_TAIL guarantees digits around ≤1 dot), but be strict.
          if (!Number.isNaN(tail)) fields[numKey] = tail;
        }
      }
      // Infinity and NaN are not valid floats in InfluxDB (HA deletes them; so do we).
      const written = fields[numKey];
      if (typeof written === 'number' && !Number.isFinite(written)) delete fields[numKey];
    }

    // After the attributes: the schema's own fields win a name clash (see context-fields.ts).
    writeContext?.(view.event, fields);
    return { measurement, tags, fields, time: view.time };
  };
}
