import type { ParquetColumn } from './columns.js';

/**
 * The columns of the Parquet archive, one row per event (the row shape of `ha-ingestor export`):
 * `time` is the event time (`time_fired`: `last_updated` for state changes), `value` the state as a number
 * when it is numeric, `attributes` the state's attributes (state changes) or the event `data` (other
 * events) as JSON text, `key` the event's deterministic identity, for de-duplicating in queries, and `home` the
 * home the event came from (`provenance.home`, set by a scaled-out edge; null in a single-home setup).
 */
export const ARCHIVE_COLUMNS: readonly ParquetColumn[] = [
  { name: 'time', type: 'timestamp_us' },
  { name: 'event_type', type: 'string' },
  { name: 'entity_id', type: 'string', nullable: true },
  { name: 'domain', type: 'string', nullable: true },
  { name: 'state', type: 'string', nullable: true },
  { name: 'value', type: 'double', nullable: true },
  { name: 'unit', type: 'string', nullable: true },
  { name: 'attributes', type: 'string', nullable: true },
  { name: 'context_id', type: 'string', nullable: true },
  { name: 'context_parent_id', type: 'string', nullable: true },
  { name: 'context_user_id', type: 'string', nullable: true },
  { name: 'source', type: 'string', nullable: true },
  { name: 'key', type: 'string', nullable: true },
  { name: 'home', type: 'string', nullable: true },
];

/**
 * The number of columns before `home` was added (issue 16): a staging file written by an older version holds
 * rows of this length, which are completed with a null `home` when their hour becomes a part file.
 */
export const ARCHIVE_COLUMNS_BEFORE_HOME = 13;

/** What the Parquet sink needs of an event: HA's event type and its time (epoch µs). Other fields are read if present. */
export interface ParquetSinkEvent {
  /** HA's event type, e.g. `state_changed`. */
  readonly event_type: string;
  /** Event time, integer epoch µs: the row's `time` and the hour it is archived under. */
  readonly time_fired: number;
}

/** One archive row, in {@link ARCHIVE_COLUMNS} order; `time` as integer epoch µs. */
export type ArchiveRow = [
  time: number,
  event_type: string,
  entity_id: string | null,
  domain: string | null,
  state: string | null,
  value: number | null,
  unit: string | null,
  attributes: string | null,
  context_id: string | null,
  context_parent_id: string | null,
  context_user_id: string | null,
  source: string | null,
  key: string | null,
  home: string | null,
];

/** Why an event cannot become a row (its reason and message for the dead-letter file). */
export interface RowProblem {
  readonly reason: string;
  readonly message: string;
}

/** The archive row of `event`, or the problem that keeps it out (bad time, attributes JSON cannot hold). */
export function eventToRow(event: ParquetSinkEvent): ArchiveRow | RowProblem {
  const e = event as unknown as Readonly<Record<string, unknown>>;
  const time = e['time_fired'];
  if (typeof time !== 'number' || !Number.isSafeInteger(time))
    return { reason: 'invalid_time', message: `time_fired must be an integer epoch µs, got ${String(time)}` };
  if (typeof e['event_type'] !== 'string' || e['event_type'].length === 0)
    return { reason: 'invalid_event', message: 'event_type must be a non-empty string' };
  const stateChange = e['event_type'] === 'state_changed';
  const data = record(e['data']);
  const entityId = str(stateChange ? e['entity_id'] : data?.['entity_id']);
  const domain = str(stateChange ? e['domain'] : data?.['domain']) ?? domainOf(entityId);
  const rawState = stateChange ? e['state'] : undefined;
  const state = typeof rawState === 'number' ? String(rawState) : str(rawState);
  const attributes = stateChange ? record(e['attributes']) : data;
  let json: string | null = null;
  if (attributes !== undefined) {
    try {
      json = JSON.stringify(attributes);
    } catch (error) {
      return {
        reason: 'not_serialisable',
        message: `${stateChange ? 'attributes' : 'data'} cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
  const context = record(e['context']);
  return [
    time,
    e['event_type'],
    entityId,
    domain,
    state,
    numeric(rawState),
    str(attributes?.['unit_of_measurement']),
    json,
    str(context?.['id']),
    str(context?.['parent_id']),
    str(context?.['user_id']),
    str(record(e['provenance'])?.['source']),
    str(e['key']),
    str(record(e['provenance'])?.['home']),
  ];
}

/** True when `value` is a {@link RowProblem} rather than a row. */
export function isRowProblem(value: ArchiveRow | RowProblem): value is RowProblem {
  return !Array.isArray(value);
}

// --- internal ---

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function numeric(state: unknown): number | null {
  if (typeof state === 'number') return Number.isFinite(state) ? state : null;
  if (typeof state !== 'string' || !NUMERIC.test(state.trim())) return null;
  const n = Number(state);
  return Number.isFinite(n) ? n : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Readonly<Record<string, unknown>>)
    : undefined;
}

function domainOf(entityId: string | null): string | null {
  const dot = entityId?.indexOf('.') ?? -1;
  return entityId !== null && dot > 0 ? entityId.slice(0, dot) : null;
}
