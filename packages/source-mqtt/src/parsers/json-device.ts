import type { z } from 'zod';
import { parseHaTime, parseOptions, secondsToMicros, type EpochMicros } from '@ha-ingestor/core';
import { createBoundedMap } from '@ha-ingestor/core/resilience';
import { JsonDeviceOptionsSchema } from '../options.js';
import type { MqttParser, ParseResult } from '../parser.js';
import { buildStateEvent, isValidEntityId, stableJson, stateText } from '../parser.js';
import { isJsonObject, parseJson } from '../payload.js';
import { slugify, topicMatches } from '../topic.js';

/** Options of {@link createJsonDeviceParser}: a subscription's `json` options (defaults from the schema). */
export type JsonDeviceParserOptions = z.input<typeof JsonDeviceOptionsSchema>;

/** Device sub-topics that are commands or status, not state (zigbee2mqtt). */
const NON_STATE_SUFFIXES = ['/set', '/get', '/availability'];

/**
 * JSON device parser (zigbee2mqtt and similar): `<base>/<friendly_name>` (the name may contain `/`)
 * carries a JSON object. `device` mode emits `<domain>.<slug(name)>` with the properties as attributes and
 * `stateProperty` as the state (`unknown` when absent); `property` mode emits `<domain>.<slug(name)>_<slug(property)>`
 * per property. Times are receipt times unless `timeProperty` names a field holding the reading time (then that
 * field is the time, not a value). A retained message identical to the last one is dropped (the
 * last retained payload is remembered for at most `maxDevices` topics, least recently used forgotten).
 */
export function createJsonDeviceParser(input: JsonDeviceParserOptions = {}): MqttParser {
  const options = parseOptions(JsonDeviceOptionsSchema, input, 'mqtt json parser');
  const base = `${options.baseTopic.replace(/\/+$/, '')}/`;
  // Keyed by device topics from the broker: bounded, least recently used forgotten and counted (issue 11).
  const lastRetained = createBoundedMap<string, string>({ max: options.maxDevices, eviction: 'lru' });
  return {
    name: 'json',
    parse: (message, ctx): ParseResult => {
      if (options.ignoreTopics.some((f) => topicMatches(f, message.topic)))
        return { kind: 'ignored', reason: 'ignored_topic' };
      if (NON_STATE_SUFFIXES.some((s) => message.topic.endsWith(s)))
        return { kind: 'ignored', reason: 'ignored_topic' };
      if (!message.topic.startsWith(base) || message.topic.length === base.length) {
        return { kind: 'invalid', reason: 'unexpected_topic', message: `not a device topic under "${base}"` };
      }
      const name = message.topic.slice(base.length);
      const parsed = parseJson(message.text);
      if (!parsed.ok) return { kind: 'invalid', reason: parsed.error.reason, message: parsed.error.message };
      if (!isJsonObject(parsed.value))
        return { kind: 'invalid', reason: 'not_an_object', message: 'device payload is not a JSON object' };
      const { properties, time } = splitTime(parsed.value, options.timeProperty);
      if (message.retain) {
        const fingerprint = stableJson(parsed.value);
        if (fingerprint === undefined)
          return {
            kind: 'invalid',
            reason: 'json_too_deep',
            message: 'device payload cannot be fingerprinted (too deep)',
          };
        if (lastRetained.get(message.topic) === fingerprint) return { kind: 'ignored', reason: 'duplicate_replay' };
        const evicted = lastRetained.set(message.topic, fingerprint);
        if (evicted.length > 0) ctx.evicted('json_replay', evicted.length);
      }
      const device = slugify(name);
      const entityBase = `${options.domain}.${device}`;
      if (!isValidEntityId(entityBase)) {
        return {
          kind: 'invalid',
          reason: 'invalid_entity_id',
          message: `device name "${name}" gives no valid entity id`,
        };
      }
      const friendly = { friendly_name: name };
      const at = time === undefined ? {} : { lastUpdated: time };
      if (options.mode === 'device') {
        const { [options.stateProperty]: state, ...attributes } = properties;
        return {
          kind: 'events',
          events: [
            buildStateEvent({
              entityId: entityBase,
              state: stateText(state),
              attributes: { ...attributes, ...friendly },
              ...at,
              message,
              source: ctx.source,
            }),
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
            ...at,
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

// --- internal ---

/** Earliest and latest reading times taken from a payload: 2000-01-01 … 2100-01-01 (epoch µs). */
const MIN_TIME = 946_684_800_000_000;
const MAX_TIME = 4_102_444_800_000_000;

/**
 * Takes the time field out of a payload. Text must be ISO 8601 with an offset (`Z`, `+01:00`): a local
 * time without one is ambiguous, so it is not guessed. A number is epoch seconds. A time outside
 * 2000–2100 (a meter's clock reset, a millisecond value) is not used either; the receipt time stands.
 */
function splitTime(
  payload: Record<string, unknown>,
  timeProperty: string | undefined,
): { properties: Record<string, unknown>; time: EpochMicros | undefined } {
  if (timeProperty === undefined || !Object.hasOwn(payload, timeProperty))
    return { properties: payload, time: undefined };
  const { [timeProperty]: raw, ...properties } = payload;
  let time: EpochMicros | undefined;
  if (typeof raw === 'string' && /(?:Z|[+-]\d{2}(?::?\d{2})?)$/.test(raw)) time = parseHaTime(raw);
  else if (typeof raw === 'number' && Number.isFinite(raw)) time = secondsToMicros(raw);
  return { properties, time: time !== undefined && time >= MIN_TIME && time <= MAX_TIME ? time : undefined };
}
