import { createHash } from 'node:crypto';

/** The level under the prefix that holds events other than state changes: `<prefix>/_events/<event_type>`. HA domains never start with `_`. */
export const EVENTS_LEVEL = '_events';

/** What the topic of an event is made of. */
export interface TopicEvent {
  /** `state_changed` goes to the entity's topic; any other type to `<prefix>/_events/<event_type>`. */
  readonly event_type: string;
  /** `domain.object_id` of a state change. */
  readonly entity_id?: string;
  /** The entity's domain (default: from `entity_id`). */
  readonly domain?: string;
  /** The entity's object id (default: from `entity_id`). */
  readonly object_id?: string;
}

// `/` would add a level, `+`/`#` are wildcards a broker refuses in a PUBLISH topic, and control characters
// (NUL above all: MQTT 3.1.1 §1.5.3 forbids U+0000) break subscribers; lone surrogates are not UTF-8.
// eslint-disable-next-line no-control-regex -- control characters are what is replaced
const UNSAFE = /[/+#\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Makes one topic level safe: `/`, `+`, `#`, control characters (NUL included) and lone surrogates become
 * `_`; an empty level becomes `_`; a level longer than `maxBytes` UTF-8 bytes is cut at a character
 * boundary and ends in `~` plus 8 hex digits of the SHA-256 of the original, so two long names that share
 * a beginning stay apart. Names that are already safe (every HA entity id) pass unchanged.
 */
export function sanitiseLevel(level: string, maxBytes: number): string {
  let safe = level.replace(UNSAFE, '_');
  if (safe === '') safe = '_';
  if (Buffer.byteLength(safe, 'utf8') <= maxBytes) return safe;
  const suffix = `~${createHash('sha256').update(level).digest('hex').slice(0, 8)}`;
  return `${cutToBytes(safe, maxBytes - suffix.length)}${suffix}`;
}

/**
 * The topic of an event: `<prefix>/<domain>/<object_id>` for a state change (domain and object id from
 * `entity_id` when the event has none), `<prefix>/_events/<event_type>` for every other event.
 */
export function topicOf(event: TopicEvent, prefix: string, maxLevelBytes: number): string {
  if (event.event_type === 'state_changed' && typeof event.entity_id === 'string') {
    const dot = event.entity_id.indexOf('.');
    const domain = event.domain ?? (dot === -1 ? '' : event.entity_id.slice(0, dot));
    const objectId = event.object_id ?? (dot === -1 ? event.entity_id : event.entity_id.slice(dot + 1));
    return `${prefix}/${sanitiseLevel(domain, maxLevelBytes)}/${sanitiseLevel(objectId, maxLevelBytes)}`;
  }
  return `${prefix}/${EVENTS_LEVEL}/${sanitiseLevel(event.event_type, maxLevelBytes)}`;
}

// --- internal ---

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that does not split a character. */
function cutToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
