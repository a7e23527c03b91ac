import type { FieldValue, Point } from '@ha-ingestor/core/line-protocol';
import { safeJson } from './ha-values.js';
import type { ResolvedSchemaOptions } from './options.js';
import { homeOfEvent, type MappableEvent } from './types.js';

/**
 * Non-state events (call_service, automation_triggered, script_started, any other) → one point in
 * `eventsMeasurement`, stamped with `time_fired`:
 * - tags: `event_type`; `domain` and `service` for call_service; `domain` (of the entity) for events
 *   that name an entity (automation_triggered, script_started); plus the static `tags`, then the home tag
 *   (`homeTag` = the event's `provenance.home`, when it has one).
 * - fields: `context_id`, `context_parent_id`, `context_user_id` (when set); call_service →
 *   `service_data` (JSON); automation_triggered → `entity_id`, `name`, `source`; script_started →
 *   `entity_id`, `name`; any other event → `data` (JSON of the whole data object).
 * High-cardinality values (ids, names, JSON) are fields, never tags.
 */
export function createEventMapper(options: ResolvedSchemaOptions): (event: MappableEvent) => Point {
  const staticTags = Object.entries(options.tags);
  const measurement = options.eventsMeasurement;
  const homeTag = options.homeTag;
  return (event) => {
    const data = event.data ?? {};
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    const fields: Record<string, FieldValue> = Object.create(null) as Record<string, FieldValue>;
    tags['event_type'] = event.event_type;
    const context = event.context;
    if (context) {
      if (context.id) fields['context_id'] = context.id;
      if (context.parent_id) fields['context_parent_id'] = context.parent_id;
      if (context.user_id) fields['context_user_id'] = context.user_id;
    }

    switch (event.event_type) {
      case 'call_service': {
        setTag(tags, 'domain', data['domain']);
        setTag(tags, 'service', data['service']);
        fields['service_data'] = safeJson(data['service_data'] ?? {}, 'service_data');
        break;
      }
      case 'automation_triggered':
      case 'script_started': {
        const entityId = data['entity_id'];
        if (typeof entityId === 'string') {
          fields['entity_id'] = entityId;
          const dot = entityId.indexOf('.');
          if (dot > 0) tags['domain'] = entityId.slice(0, dot);
        }
        setString(fields, 'name', data['name']);
        if (event.event_type === 'automation_triggered') setString(fields, 'source', data['source']);
        break;
      }
      default: {
        setTag(tags, 'domain', data['domain']);
        setTag(tags, 'service', data['service']);
        if (typeof data['entity_id'] === 'string') fields['entity_id'] = data['entity_id'];
        fields['data'] = safeJson(data, 'event data');
      }
    }
    // Every point needs a field: a call with no context and no data still records its occurrence.
    if (Object.keys(fields).length === 0) fields['data'] = safeJson(data, 'event data');
    for (const [k, v] of staticTags) tags[k] = v;
    const home = homeOfEvent(event);
    if (home !== undefined) tags[homeTag] = home;
    return { measurement, tags, fields, time: event.time_fired };
  };
}

// --- internal ---

function setTag(tags: Record<string, string>, key: string, value: unknown): void {
  if (typeof value === 'string' && value !== '') tags[key] = value;
}

function setString(fields: Record<string, FieldValue>, key: string, value: unknown): void {
  if (typeof value === 'string') fields[key] = value;
  else if (value !== undefined && value !== null) fields[key] = safeJson(value, key);
}
