import { ErrorCode, SdkError } from '@ha-ingestor/core';
import type { FieldValue, Point } from '@ha-ingestor/core/line-protocol';
import type { ResolvedSchemaOptions } from './options.js';
import { homeOfEvent, type MappableEvent } from './types.js';

/** `event_type` of a long-term statistics row (what `@ha-ingestor/source-ws`'s statistics sources emit). */
export const STATISTIC_EVENT_TYPE = 'ha_statistic';

/**
 * Field names of a statistics point. `mean`/`min`/`max`/`sum` are floats; the meter reading (HA's `state`)
 * and the last reset are renamed, because live points already have `state` (a string field) and
 * `last_reset` (an attribute, string or float by schema): reusing them would be a field-type conflict.
 */
export const STATISTIC_FIELDS = {
  mean: 'mean',
  min: 'min',
  max: 'max',
  sum: 'sum',
  /** HA's `state` column: the meter reading at the end of the hour. */
  state: 'reading',
  /** HA's `last_reset`: epoch seconds (float), as HA's own `last_reset_ts` column. */
  last_reset: 'last_reset_ts',
} as const;

/** Reason of a statistics event that cannot be written (dead-lettered by the sink). */
export const STATISTIC_INVALID = 'statistic_invalid';

/**
 * Maps one hourly statistics row to its point: stamped with the row's `start`, in a series of its own
 * (tag `period=hour`, plus `statistic_id`), so it never mixes with live points and the same row always lands
 * on the same series and timestamp (a re-import overwrites, never duplicates).
 * - `ha` schema: measurement = the statistics unit (else `defaultMeasurement`, else the statistic id), tags
 *   `domain`, `entity_id` (the object id, as live points; absent for external statistics), `statistic_id`,
 *   `period`.
 * - `entity` schema: measurement from `entityMeasurement` (`{domain}` by default; `{unit}` = statistics unit),
 *   tags `entity_id` (full id; absent for external statistics), `domain`, `unit`, `statistic_id`, `period`.
 * Static `tags` are added last in both, then the home tag (`homeTag` = the event's `provenance.home`).
 */
export function createStatisticMapper(options: ResolvedSchemaOptions): (event: MappableEvent) => Point {
  const staticTags = Object.entries(options.tags);
  const homeTag = options.homeTag;
  return (event) => {
    const data = event.data ?? {};
    const statisticId = data['statistic_id'];
    if (typeof statisticId !== 'string' || statisticId === '') throw invalid('statistics row has no statistic_id');
    const start = data['start'];
    if (typeof start !== 'number' || !Number.isSafeInteger(start))
      throw invalid(`statistics row of ${statisticId} has no integer start`);
    const domain = typeof data['domain'] === 'string' && data['domain'] !== '' ? data['domain'] : undefined;
    if (domain === undefined) throw invalid(`statistics row of ${statisticId} has no domain`);
    const entityId = typeof data['entity_id'] === 'string' && data['entity_id'] !== '' ? data['entity_id'] : undefined;
    const unit = typeof data['unit'] === 'string' && data['unit'] !== '' ? data['unit'] : undefined;
    const period = typeof data['period'] === 'string' && data['period'] !== '' ? data['period'] : 'hour';

    const fields: Record<string, FieldValue> = Object.create(null) as Record<string, FieldValue>;
    for (const key of ['mean', 'min', 'max', 'sum', 'state'] as const) {
      const value = data[key];
      if (typeof value === 'number' && Number.isFinite(value)) fields[STATISTIC_FIELDS[key]] = value;
    }
    const lastReset = data['last_reset'];
    if (typeof lastReset === 'number' && Number.isFinite(lastReset))
      fields[STATISTIC_FIELDS.last_reset] = lastReset / 1000;
    if (Object.keys(fields).length === 0) throw invalid(`statistics row of ${statisticId} has no value`);

    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    let measurement: string;
    if (options.kind === 'entity') {
      if (entityId !== undefined) tags['entity_id'] = entityId;
      tags['domain'] = domain;
      if (unit !== undefined) tags['unit'] = unit;
      measurement = renderEntityMeasurement(options.entityMeasurement, { domain, entityId, unit }) || domain;
    } else {
      tags['domain'] = domain;
      if (entityId !== undefined) tags['entity_id'] = entityId.slice(entityId.indexOf('.') + 1);
      measurement = unit ?? (options.defaultMeasurement ? options.defaultMeasurement : statisticId);
    }
    tags['statistic_id'] = statisticId;
    tags['period'] = period;
    for (const [k, v] of staticTags) tags[k] = v;
    const home = homeOfEvent(event);
    if (home !== undefined) tags[homeTag] = home;
    return { measurement, tags, fields, time: start * 1000 };
  };
}

// --- internal ---

function renderEntityMeasurement(
  template: string,
  v: { domain: string; entityId: string | undefined; unit: string | undefined },
): string {
  return template.replace(/\{(domain|device_class|entity_id|object_id|unit)\}/g, (_m, name: string) => {
    switch (name) {
      case 'domain':
        return v.domain;
      case 'entity_id':
        return v.entityId ?? '';
      case 'object_id':
        return v.entityId === undefined ? '' : v.entityId.slice(v.entityId.indexOf('.') + 1);
      case 'unit':
        return v.unit ?? '';
      default:
        return '';
    }
  });
}

function invalid(message: string): SdkError {
  return new SdkError(ErrorCode.EVENT_INVALID, message, { data: { reason: STATISTIC_INVALID } });
}
