import { MAX_JSON_DEPTH } from '@ha-ingestor/core/json';
import type { FieldValue, Point } from '@ha-ingestor/core/line-protocol';
import { createEntityConfigLookup } from './component-config.js';
import { createContextFieldWriter } from './context-fields.js';
import { parsePyFloat, safeJson, SKIPPED_STATES, STATE_AS_NUMBER } from './ha-values.js';
import { tooDeep } from './json-depth.js';
import type { ResolvedSchemaOptions } from './options.js';
import { homeOfEvent, type MappableEvent, type StateView } from './types.js';

/**
 * The `entity` schema: one measurement per domain (template `entityMeasurement`), tags that identify the
 * entity and its place (entity_id in full, domain, device_class, unit, and the registry enricher's area,
 * floor, device, labels, unique_id when present), and fields typed by HA's `state_class`:
 * - `measurement` / `total` / `total_increasing`: a numeric state → `value` (float); anything else → `state`.
 * - no state_class: `state` (string) always, plus `value` (float) when the state is numeric or HA maps
 *   it to a number (on/off, open/closed, home/not_home, …).
 * A number state (an enricher converted it) maps as its numeric text would: `state` stays a string field
 * (`String(n)`), so the field's type never changes when `unitNormalize` is added to a running pipeline.
 * Attributes become fields keeping their JSON type: number → float, boolean → boolean, string → string,
 * list/object → JSON string; null is omitted. Enricher context listed in `contextFields` is added last (see
 * context-fields.ts), so these fields win a name clash. Static `tags` come after the computed ones, and the
 * home tag (`homeTag` = the event's `provenance.home`, when it has one) last of all.
 */
export function createEntityStateMapper(options: ResolvedSchemaOptions): (view: StateView) => Point | undefined {
  const entityConfig = createEntityConfigLookup(options);
  const tagsAttributes = new Set(options.tagsAttributes);
  const globalIgnore = new Set(options.ignoreAttributes);
  const staticTags = Object.entries(options.tags);
  const template = compileTemplate(options.entityMeasurement);
  const writeContext = createContextFieldWriter(options.contextFields);
  const homeTag = options.homeTag;

  return (view) => {
    const stateText = view.state;
    const unavailable = view.numeric === undefined && SKIPPED_STATES.has(stateText);
    if (unavailable && options.skipUnavailable) return undefined;
    const attributes = view.attributes;
    const deviceClass = stringOf(attributes['device_class']);
    const unit = stringOf(attributes['unit_of_measurement']);
    const stateClass = stringOf(attributes['state_class']);

    const config = entityConfig(view.entity_id, view.domain);
    let measurement = config.overrideMeasurement || options.overrideMeasurement;
    if (!measurement) {
      measurement = template({
        domain: view.domain,
        device_class: deviceClass,
        entity_id: view.entity_id,
        object_id: view.object_id,
        unit,
      });
      if (measurement === '') measurement = view.domain || view.entity_id;
    }

    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    tags['entity_id'] = view.entity_id;
    tags['domain'] = view.domain;
    if (deviceClass !== undefined) tags['device_class'] = deviceClass;
    if (unit !== undefined) tags['unit'] = unit;
    if (stateClass !== undefined) tags['state_class'] = stateClass;
    addEnrichedTags(view.event, tags);

    const fields: Record<string, FieldValue> = Object.create(null) as Record<string, FieldValue>;
    const numeric = unavailable ? undefined : (view.numeric ?? parsePyFloat(stateText));
    if (stateClass === 'measurement' || stateClass === 'total' || stateClass === 'total_increasing') {
      if (numeric !== undefined && Number.isFinite(numeric)) fields['value'] = numeric;
      else fields['state'] = stateText;
    } else {
      fields['state'] = stateText;
      const asNumber = numeric ?? (unavailable ? undefined : STATE_AS_NUMBER.get(stateText));
      if (asNumber !== undefined && Number.isFinite(asNumber)) fields['value'] = asNumber;
    }

    const entityIgnore = config.ignoreAttributes;
    for (const key in attributes) {
      if (TAGGED_ATTRIBUTES.has(key)) continue;
      const value = attributes[key];
      if (tagsAttributes.has(key)) {
        if (value !== null && value !== undefined)
          tags[key] = typeof value === 'string' ? value : safeJson(value, `attribute ${JSON.stringify(key)}`);
        continue;
      }
      if (globalIgnore.has(key) || (entityIgnore !== undefined && entityIgnore.includes(key))) continue;
      const field = typedField(value, key);
      if (field === undefined) continue;
      // `value`/`state` are ours and `time` is dropped by InfluxDB: suffix like HA does on collisions.
      const name = key in fields || key === 'time' ? `${key}_` : key;
      fields[name] = field;
    }

    // After the attributes: the schema's own fields win a name clash (see context-fields.ts).
    writeContext?.(view.event, fields);
    for (const [k, v] of staticTags) tags[k] = v;
    // Last: the home is identity (two homes' sensor.power are two series), no other tag may replace it.
    const home = homeOfEvent(view.event);
    if (home !== undefined) tags[homeTag] = home;
    return { measurement, tags, fields, time: view.time };
  };
}

// --- internal ---

/** Attributes already written as tags by this schema. */
const TAGGED_ATTRIBUTES = new Set(['device_class', 'unit_of_measurement', 'state_class']);

/** Registry enricher fields, by tag name, with the event keys tried in order (tolerant of naming). */
const ENRICHED_TAGS: readonly (readonly [string, readonly string[]])[] = [
  ['area', ['area', 'area_name', 'area_id']],
  ['floor', ['floor', 'floor_name', 'floor_id']],
  ['device', ['device_name', 'device', 'device_id']],
  ['labels', ['labels', 'label_names']],
  ['unique_id', ['unique_id']],
];

function addEnrichedTags(event: MappableEvent, tags: Record<string, string>): void {
  const bag = event as unknown as Readonly<Record<string, unknown>>;
  for (const [tag, keys] of ENRICHED_TAGS) {
    for (const key of keys) {
      const text = tagText(bag[key], key, 0);
      if (text !== undefined) {
        tags[tag] = text;
        break;
      }
    }
  }
}

/**
 * Tag text of an enricher value: strings as they are, lists sorted and comma-joined, objects by `name`.
 * Recursive over data an enricher built: bounded by MAX_JSON_DEPTH (a cycle `o.name = o` ends there too).
 */
function tagText(value: unknown, key: string, depth: number): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_JSON_DEPTH) throw tooDeep(`enriched field ${JSON.stringify(key)}`);
  if (Array.isArray(value)) {
    const parts = value.map((v: unknown) => tagText(v, key, depth + 1)).filter((v): v is string => v !== undefined);
    return parts.length === 0 ? undefined : parts.sort().join(',');
  }
  const o = value as Record<string, unknown>;
  return tagText(o['name'] ?? o['id'], key, depth + 1);
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function typedField(value: unknown, key: string): FieldValue | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
    case 'string':
      return value;
    case 'bigint':
      return Number(value);
    case 'object':
      return value === null ? undefined : safeJson(value, `attribute ${JSON.stringify(key)}`);
    default:
      return undefined;
  }
}

type TemplateValues = Readonly<
  Record<'domain' | 'device_class' | 'entity_id' | 'object_id' | 'unit', string | undefined>
>;

function compileTemplate(template: string): (values: TemplateValues) => string {
  if (template === '{domain}') return (v) => v.domain ?? '';
  return (v) =>
    template.replace(
      /\{(domain|device_class|entity_id|object_id|unit)\}/g,
      (_m, name: keyof TemplateValues) => v[name] ?? '',
    );
}
