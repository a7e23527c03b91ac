import { ErrorCode, isSdkError, parseOptions, SdkError, splitEntityId, errorMessage } from '@ha-ingestor/core';
import type { Point, Precision, SerializeOptions } from '@ha-ingestor/core/line-protocol';
import { createEntityStateMapper } from './entity.js';
import { createEventMapper } from './events.js';
import { createHaPointMapper, createHaSchemaParts } from './ha.js';
import { createHaLineWriter } from './ha-line.js';
import type { LineFields } from './ha-line.js';
import type { EntityCacheOptions } from './ha.js';
import { createStatisticMapper, STATISTIC_EVENT_TYPE } from './statistics.js';
import { SchemaOptionsSchema, type ResolvedSchemaOptions, type SchemaOptions } from './options.js';
import type { MappableEvent, StateView } from './types.js';

/** An event the mapper could not turn into points (index into the input batch). */
export interface MappingRejection {
  readonly index: number;
  readonly reason: string;
  readonly message: string;
}

/** Points of a batch, with `owners[i]` = index of the event point `i` came from. */
export interface PointsBatch {
  readonly points: Point[];
  readonly owners: number[];
  /** Events that could not be mapped (malformed input); events that map to no point are not listed. */
  readonly rejected: MappingRejection[];
}

/** Maps one event to its points (0 or 1 today: skipped states and removed entities give none). */
export interface SchemaMapper {
  (event: MappableEvent): Point[];
  /** Maps a batch; never throws for one bad event. */
  readonly toPointsBatch: (events: readonly MappableEvent[]) => PointsBatch;
}

/** Reason of a state_changed event that has no usable entity id or state. */
export const MAPPING_INVALID = 'mapping_invalid';

/**
 * Creates the event → point mapper for a schema (`ha` by default).
 * Removed entities (`state: null`) produce no point, as in HA. Non-state events go to `eventsMeasurement`,
 * long-term statistics rows (`ha_statistic`) to their own series (see statistics.ts).
 * @throws ConfigError (CONFIG_INVALID) when the options do not parse.
 * @example
 * const map = createSchemaMapper({ kind: 'ha', tags: { instance: 'home' } });
 * const { points, owners } = map.toPointsBatch(batch);
 */
export function createSchemaMapper(options: SchemaOptions = {}): SchemaMapper {
  return createSchemaMapperWith(options, {});
}

/**
 * {@link createSchemaMapper} with the bound and eviction counter of the `ha` schema's per-entity records
 * (the sink counts evictions in a metric). Not exported from the package.
 */
export function createSchemaMapperWith(options: SchemaOptions, cache: EntityCacheOptions): SchemaMapper {
  return createSchemaCodec(options, cache).mapper;
}

/**
 * Writes one event straight to its line (issue 14): the line, `undefined` when the schema writes no point
 * for it, or `null` when the event takes the point path (`mapper`, then the serialiser). `fields` receives
 * the line's field names and types (see {@link LineFields}).
 */
export type EventLineWriter = (event: MappableEvent, fields: LineFields) => string | undefined | null;

/** How a {@link createSchemaCodec} line writer writes lines (the sink's settings). */
export interface LineSettings {
  readonly precision: Precision;
  readonly serializeOptions: SerializeOptions;
}

/**
 * The point mapper of a schema and, for the `ha` schema when `line` is given, its line writer (ha-line.ts),
 * sharing one set of per-entity records. Not exported from the package.
 */
export function createSchemaCodec(
  options: SchemaOptions,
  cache: EntityCacheOptions,
  line?: LineSettings,
): { readonly mapper: SchemaMapper; readonly toLine: EventLineWriter | undefined } {
  const resolved = parseOptions(SchemaOptionsSchema, options, 'influx-schema');
  const haParts = resolved.kind === 'ha' ? createHaSchemaParts(resolved, cache) : undefined;
  const mapState = haParts === undefined ? createEntityStateMapper(resolved) : createHaPointMapper(haParts);
  const mapEvent = createEventMapper(resolved);
  const mapStatistic = createStatisticMapper(resolved);
  const timeSource = resolved.timeSource;

  const mapOne = (event: MappableEvent): Point[] => {
    if (event.event_type === STATISTIC_EVENT_TYPE) return [mapStatistic(event)];
    if (event.event_type !== 'state_changed') {
      if (!Number.isSafeInteger(event.time_fired)) throw invalid(`${event.event_type} event has no integer time_fired`);
      return [mapEvent(event)];
    }
    const view = stateViewOf(event, timeSource);
    if (view === undefined) return []; // entity removed: HA writes nothing, nor do we
    const point = mapState(view);
    return point === undefined ? [] : [point];
  };

  const toPointsBatch = (events: readonly MappableEvent[]): PointsBatch => {
    const points: Point[] = [];
    const owners: number[] = [];
    const rejected: MappingRejection[] = [];
    for (let i = 0; i < events.length; i++) {
      try {
        for (const p of mapOne(events[i] as MappableEvent)) {
          points.push(p);
          owners.push(i);
        }
      } catch (error) {
        // One malformed event must not cost the batch: report it with its reason, carry on.
        rejected.push({ index: i, reason: rejectionReason(error, MAPPING_INVALID), message: errorMessage(error) });
      }
    }
    return { points, owners, rejected };
  };

  const mapper = Object.assign(mapOne, { toPointsBatch });
  if (haParts === undefined || line === undefined) return { mapper, toLine: undefined };
  const writeLine = createHaLineWriter(haParts, line.precision, line.serializeOptions);
  const toLine: EventLineWriter = (event, fields) => {
    if (event.event_type !== 'state_changed') return null;
    try {
      const view = stateViewOf(event, timeSource);
      return view === undefined ? undefined : writeLine(view, fields);
    } catch {
      return null; // the point path throws the same error and turns it into the event's rejection
    }
  };
  return { mapper, toLine };
}

/** The dead-letter reason of an error that refused an event: the SdkError's `data.reason`, else `fallback`. */
export function rejectionReason(error: unknown, fallback: string): string {
  return isSdkError(error) && typeof error.data?.['reason'] === 'string' ? error.data['reason'] : fallback;
}

/**
 * The view the state mappers read of a `state_changed` event, or undefined for a removed entity (`state: null`).
 * @throws SdkError EVENT_INVALID (`mapping_invalid`) when the event has no entity id, state or integer time.
 */
export function stateViewOf(
  event: MappableEvent,
  timeSource: ResolvedSchemaOptions['timeSource'],
): StateView | undefined {
  const state = event.state;
  if (state === null) return undefined;
  const entityId = event.entity_id;
  if (typeof entityId !== 'string' || entityId === '') throw invalid('state_changed event has no entity_id');
  if (typeof state !== 'string' && typeof state !== 'number')
    throw invalid(`state_changed event for ${entityId} has no state`);
  const split = event.domain === undefined || event.object_id === undefined ? splitEntityId(entityId) : undefined;
  const time = timeSource === 'time_fired' ? event.time_fired : (event[timeSource] ?? event.time_fired);
  if (!Number.isSafeInteger(time)) throw invalid(`state_changed event for ${entityId} has no integer ${timeSource}`);
  const domain = event.domain ?? split?.domain ?? '';
  const objectId = event.object_id ?? split?.object_id ?? entityId;
  if (typeof state === 'number') {
    const n = numberState(state, event);
    return { entity_id: entityId, domain, object_id: objectId, ...n, time, event };
  }
  return { entity_id: entityId, domain, object_id: objectId, state, attributes: event.attributes ?? {}, time, event };
}

// --- internal ---

/**
 * A state an enricher made a number (issue 20: `unitNormalize` before this sink). The schemas then write it
 * as they write the numeric text it came from; its text form is `String(n)`. `unitNormalize` also converts
 * the unit and puts the new one in `unit` while `attributes.unit_of_measurement` keeps HA's: the point is
 * labelled with the unit of the number it holds (`unit` wins), never `°F` over a value in °C.
 */
function numberState(state: number, event: MappableEvent): Pick<StateView, 'state' | 'numeric' | 'attributes'> {
  const attributes = event.attributes ?? {};
  const unit = 'unit' in event && typeof event.unit === 'string' && event.unit !== '' ? event.unit : undefined;
  return {
    state: String(state),
    numeric: state,
    attributes:
      unit === undefined || attributes['unit_of_measurement'] === unit
        ? attributes
        : { ...attributes, unit_of_measurement: unit },
  };
}

function invalid(message: string): SdkError {
  return new SdkError(ErrorCode.EVENT_INVALID, message, { data: { reason: MAPPING_INVALID } });
}
