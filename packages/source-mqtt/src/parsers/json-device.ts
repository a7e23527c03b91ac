import type { MqttParser, ParseResult } from '../parser.js';
import { buildStateEvent, isValidEntityId, stableJson, stateText } from '../parser.js';
import { isJsonObject, parseJson } from '../payload.js';
import { slugify, topicMatches } from '../topic.js';

/** Options of {@link createJsonDeviceParser}. */
export interface JsonDeviceParserOptions {
  /** Base topic; `<base>/<friendly_name>` carries one JSON object per message. */
  readonly baseTopic: string;
  /** `device`: one event per message; `property`: one event per property. */
  readonly mode: 'device' | 'property';
  /** Entity domain of the events. */
  readonly domain: string;
  /** In `device` mode, the property that becomes the state. */
  readonly stateProperty: string;
  /** Topic filters that are acknowledged and ignored (e.g. `zigbee2mqtt/bridge/#`). */
  readonly ignoreTopics: readonly string[];
}

/** Device sub-topics that are commands or status, not state (zigbee2mqtt). */
const NON_STATE_SUFFIXES = ['/set', '/get', '/availability'];

/**
 * JSON device parser (zigbee2mqtt and similar): `<base>/<friendly_name>` (the name may contain `/`)
 * carries a JSON object. `device` mode emits `<domain>.<slug(name)>` with the properties as attributes and
 * `stateProperty` as the state (`unknown` when absent); `property` mode emits `<domain>.<slug(name)>_<slug(property)>`
 * per property. Times are receipt times. A retained message identical to the last one is dropped.
 */
export function createJsonDeviceParser(options: JsonDeviceParserOptions): MqttParser {
  const base = `${options.baseTopic.replace(/\/+$/, '')}/`;
  const lastRetained = new Map<string, string>();
  return {
    name: 'json',
    parse: (message, ctx): ParseResult => {
      if (options.ignoreTopics.some((f) => topicMatches(f, message.topic))) return { kind: 'ignored', reason: 'ignored_topic' };
      if (NON_STATE_SUFFIXES.some((s) => message.topic.endsWith(s))) return { kind: 'ignored', reason: 'ignored_topic' };
      if (!message.topic.startsWith(base) || message.topic.length === base.length) {
        return { kind: 'invalid', reason: 'unexpected_topic', message: `not a device topic under "${base}"` };
      }
      const name = message.topic.slice(base.length);
      const parsed = parseJson(message.text);
      if (!parsed.ok) return { kind: 'invalid', reason: parsed.error.reason, message: parsed.error.message };
      if (!isJsonObject(parsed.value)) return { kind: 'invalid', reason: 'not_an_object', message: 'device payload is not a JSON object' };
      const properties = parsed.value;
      if (message.retain) {
        const fingerprint = stableJson(properties);
        if (lastRetained.get(message.topic) === fingerprint) return { kind: 'ignored', reason: 'duplicate_replay' };
        lastRetained.set(message.topic, fingerprint);
      }
      const device = slugify(name);
      const entityBase = `${options.domain}.${device}`;
      if (!isValidEntityId(entityBase)) {
        return { kind: 'invalid', reason: 'invalid_entity_id', message: `device name "${name}" gives no valid entity id` };
      }
      const friendly = { friendly_name: name };
      if (options.mode === 'device') {
        const { [options.stateProperty]: state, ...attributes } = properties;
        return {
          kind: 'events',
          events: [
            buildStateEvent({ entityId: entityBase, state: stateText(state), attributes: { ...attributes, ...friendly }, message, source: ctx.source }),
          ],
        };
      }
      const events = Object.entries(properties)
        .filter(([property]) => slugify(property) !== '')
        .map(([property, value]) =>
          buildStateEvent({
            entityId: `${entityBase}_${slugify(property)}`,
            state: stateText(value),
            attributes: { friendly_name: `${name} ${property}` },
            message,
            source: ctx.source,
          }),
        );
      if (events.length === 0) return { kind: 'ignored', reason: 'no_value' };
      return { kind: 'events', events };
    },
    close: () => lastRetained.clear(),
  };
}
