import { isValidEntityId } from '../parser.js';
import { isJsonObject } from '../payload.js';
import { slugify, topicNameProblem } from '../topic.js';

/** A discovery config reduced to what ingestion needs. */
export interface DiscoveredEntity {
  /** `<component>/[<node_id>/]<object_id>` from the config topic. */
  readonly discoveryId: string;
  readonly component: string;
  readonly entityId: string;
  readonly stateTopic: string;
  readonly jsonAttributesTopic?: string;
  /** How the state is taken from the payload. */
  readonly value: ValueExtractor;
  /** Static attributes every event gets: unit, device_class, state_class, friendly_name, device. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** binary_sensor: payload_on/off → `on`/`off`. */
  readonly payloadMap?: Readonly<Record<string, string>>;
}

/** `value` (raw payload), or a property path into the JSON payload (`value_json.a.b`). */
export type ValueExtractor = { readonly kind: 'raw' } | { readonly kind: 'json'; readonly path: readonly string[] };

/** Result of reading a config: the entity, or why the config is unusable. */
export type DiscoveryConfigResult =
  | { readonly ok: true; readonly entity: DiscoveredEntity }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/**
 * Reads one discovery config payload (abbreviated keys expanded, `~` applied). Entity id rules, in order
 * (HA's own rules where they can be known from MQTT; HA may still suffix `_2` on collisions or the user
 * may rename the entity — neither is visible over MQTT):
 * 1. `default_entity_id` (`def_ent_id`, HA ≥ 2025.10) as written, when it is a valid entity id;
 * 2. `object_id` (`obj_id`) → `<component>.<slug(object_id)>`;
 * 3. device name + entity name (HA's has_entity_name naming): `<component>.<slug(device.name + ' ' + name)>`;
 *    name `null` → the device name alone; no device → `slug(name)`;
 * 4. `unique_id` → `<component>.<slug(unique_id)>`; 5. the topic's object_id.
 * Refused (issue 11): a `state_topic` / `json_attributes_topic` that is not a plain topic name
 * (`discovery_wildcard_topic` for `+`/`#`, `discovery_invalid_topic` for `$…`, U+0000, too long) and a
 * result that is not a valid entity id (`invalid_entity_id`, e.g. from a component level `Sen sor`).
 */
export function readDiscoveryConfig(
  discoveryId: string,
  component: string,
  topicObjectId: string,
  payload: unknown,
): DiscoveryConfigResult {
  if (!isJsonObject(payload))
    return { ok: false, reason: 'invalid_discovery_config', message: 'config is not a JSON object' };
  const config = expandConfig(payload);
  const stateTopic = config['state_topic'];
  if (typeof stateTopic !== 'string' || stateTopic === '') {
    return {
      ok: false,
      reason: 'discovery_missing_key',
      message: 'config has no state_topic (stat_t): nothing to ingest',
    };
  }
  // The source subscribes these topics on the config's word: a filter would subscribe to everything
  // (issue 11: `#` in a state_topic copied foreign payloads into the dead-letter file).
  const jsonAttributesTopic = config['json_attributes_topic'];
  for (const [key, topic] of [
    ['state_topic', stateTopic],
    ['json_attributes_topic', jsonAttributesTopic],
  ] as const) {
    if (typeof topic !== 'string' || (key === 'json_attributes_topic' && topic === '')) continue;
    const problem = topicNameProblem(topic);
    if (problem !== undefined) {
      const reason = problem.wildcard ? 'discovery_wildcard_topic' : 'discovery_invalid_topic';
      return { ok: false, reason, message: `${key} ${problem.message}: refusing to subscribe to it` };
    }
  }
  const value = readTemplate(config['value_template']);
  if (value === undefined) {
    return {
      ok: false,
      reason: 'discovery_unsupported_template',
      message: 'value_template is not of the supported form {{ value }} / {{ value_json.a.b }} / {{ value_json["a"] }}',
    };
  }
  const device = isJsonObject(config['device']) ? config['device'] : undefined;
  const entityId = entityIdOf(component, topicObjectId, config, device);
  if (!isValidEntityId(entityId)) {
    return {
      ok: false,
      reason: 'invalid_entity_id',
      message: `config gives "${entityId.slice(0, 200)}", not a valid entity id`,
    };
  }
  const attributes: Record<string, unknown> = {};
  const copy = (from: string, to = from) => {
    const v = config[from];
    if (v !== undefined && v !== null) attributes[to] = v;
  };
  copy('unit_of_measurement');
  copy('device_class');
  copy('state_class');
  copy('icon');
  const friendly = friendlyName(config, device);
  if (friendly !== undefined) attributes['friendly_name'] = friendly;
  if (device !== undefined) attributes['device'] = device;
  const payloadMap = component === 'binary_sensor' ? binaryPayloads(config) : undefined;
  return {
    ok: true,
    entity: {
      discoveryId,
      component,
      entityId,
      stateTopic,
      ...(typeof jsonAttributesTopic === 'string' && jsonAttributesTopic !== '' ? { jsonAttributesTopic } : {}),
      value,
      attributes,
      ...(payloadMap === undefined ? {} : { payloadMap }),
    },
  };
}

/** Expands HA's abbreviated keys (top level, `device`, `origin`) and the `~` base topic. */
export function expandConfig(payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) out[ABBREVIATIONS[key] ?? key] = value;
  for (const key of ['device', 'origin']) {
    const nested = out[key];
    if (isJsonObject(nested)) {
      const expanded: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(nested)) expanded[DEVICE_ABBREVIATIONS[k] ?? k] = v;
      out[key] = expanded;
    }
  }
  const base = out['~'];
  if (typeof base === 'string') {
    // HA: a `~` at the start or end of a *topic* value is replaced by the base topic.
    for (const [key, value] of Object.entries(out)) {
      if (typeof value !== 'string' || value === '' || !key.endsWith('topic')) continue;
      let v = value;
      if (v.startsWith('~')) v = `${base}${v.slice(1)}`;
      if (v.endsWith('~')) v = `${v.slice(0, -1)}${base}`;
      out[key] = v;
    }
  }
  return out;
}

// --- internal ---

const ABBREVIATIONS: Readonly<Record<string, string>> = {
  stat_t: 'state_topic',
  unit_of_meas: 'unit_of_measurement',
  dev_cla: 'device_class',
  stat_cla: 'state_class',
  dev: 'device',
  o: 'origin',
  val_tpl: 'value_template',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  uniq_id: 'unique_id',
  obj_id: 'object_id',
  def_ent_id: 'default_entity_id',
  pl_on: 'payload_on',
  pl_off: 'payload_off',
  stat_val_tpl: 'state_value_template',
  avty_t: 'availability_topic',
  cmd_t: 'command_topic',
  ic: 'icon',
  ent_cat: 'entity_category',
  en: 'enabled_by_default',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  sug_dsp_prc: 'suggested_display_precision',
};

const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  ids: 'identifiers',
  cns: 'connections',
  mf: 'manufacturer',
  mdl: 'model',
  mdl_id: 'model_id',
  sw: 'sw_version',
  hw: 'hw_version',
  sa: 'suggested_area',
  sn: 'serial_number',
  cu: 'configuration_url',
  via_device: 'via_device',
  name: 'name',
  url: 'url',
};

const TEMPLATE_RE =
  /^\{\{\s*(value_json((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*(?:'[^']*'|"[^"]*"|\d+)\s*\])*)|value)\s*\}\}$/;
const PATH_PART_RE = /\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'([^']*)'|"([^"]*)"|(\d+))\s*\]/g;

function readTemplate(template: unknown): ValueExtractor | undefined {
  if (template === undefined || template === null) return { kind: 'raw' };
  if (typeof template !== 'string') return undefined;
  const m = TEMPLATE_RE.exec(template.trim());
  if (!m) return undefined;
  if (m[1] === 'value') return { kind: 'raw' };
  const path: string[] = [];
  for (const part of (m[2] ?? '').matchAll(PATH_PART_RE)) path.push(part[1] ?? part[2] ?? part[3] ?? part[4] ?? '');
  return { kind: 'json', path };
}

function entityIdOf(
  component: string,
  topicObjectId: string,
  config: Readonly<Record<string, unknown>>,
  device: Readonly<Record<string, unknown>> | undefined,
): string {
  const explicit = config['default_entity_id'];
  // HA ≥ 2025.10 takes it as written; one that is not a valid entity id falls through to the other rules.
  if (typeof explicit === 'string' && isValidEntityId(explicit)) return explicit;
  const objectId = config['object_id'];
  if (typeof objectId === 'string' && slugify(objectId) !== '') return `${component}.${slugify(objectId)}`;
  const named = friendlyName(config, device);
  if (named !== undefined && slugify(named) !== '') return `${component}.${slugify(named)}`;
  const uniqueId = config['unique_id'];
  if (typeof uniqueId === 'string' && slugify(uniqueId) !== '') return `${component}.${slugify(uniqueId)}`;
  return `${component}.${slugify(topicObjectId) || 'unnamed'}`;
}

function friendlyName(
  config: Readonly<Record<string, unknown>>,
  device: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  const name = config['name'];
  const deviceName = typeof device?.['name'] === 'string' ? device['name'] : undefined;
  if (name === null) return deviceName;
  if (typeof name === 'string') return deviceName !== undefined && name !== deviceName ? `${deviceName} ${name}` : name;
  return undefined;
}

function binaryPayloads(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const on = config['payload_on'];
  const off = config['payload_off'];
  return { [typeof on === 'string' ? on : 'ON']: 'on', [typeof off === 'string' ? off : 'OFF']: 'off' };
}
