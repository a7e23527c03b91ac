import { millisToMicros, parseHaTime } from '@ha-ingestor/core';
import type { EpochMicros, GenericHaEvent } from '@ha-ingestor/core';
import { isRecord } from '../connection/protocol.js';

/** `event_type` of the events a statistics reader emits: one per hourly long-term statistics row. */
export const STATISTIC_EVENT_TYPE = 'ha_statistic';

/** HA's `StatisticMeanType` (2025.4+): 0 none, 1 arithmetic, 2 circular (e.g. wind direction). */
export type StatisticMeanType = 0 | 1 | 2;

/** One entry of `recorder/list_statistic_ids` / `recorder/get_statistics_metadata`, normalised. */
export interface StatisticMeta {
  readonly statistic_id: string;
  /** `recorder` for entity statistics, the integration's domain for external ones. */
  readonly source: string;
  readonly name: string | null;
  /** The unit the rows are stored in (`statistics_unit_of_measurement`); what the reader asks for. */
  readonly unit: string | null;
  readonly unit_class: string | null;
  /** `mean_type` when the server sends it, else derived from `has_mean` (older servers). */
  readonly mean_type: StatisticMeanType;
  readonly has_sum: boolean;
  /** True for `domain:name` ids (external statistics: no entity). */
  readonly external: boolean;
}

/** The data of a {@link StatisticEvent}: one hourly row with its statistic's identity and unit. */
export interface StatisticData extends Readonly<Record<string, unknown>> {
  readonly statistic_id: string;
  /** Entity id for entity statistics; absent for external ones. */
  readonly entity_id?: string;
  /** The part before `.` (entity) or `:` (external). */
  readonly domain: string;
  readonly source: string;
  readonly period: 'hour';
  readonly unit: string | null;
  readonly mean_type: StatisticMeanType;
  /** Row start, epoch ms (the point time). */
  readonly start: number;
  readonly mean?: number;
  readonly min?: number;
  readonly max?: number;
  readonly sum?: number;
  /** The meter reading at the end of the hour (HA's `state`). */
  readonly state?: number;
  /** Epoch ms of the meter's last reset, or null. */
  readonly last_reset?: number | null;
}

/** A long-term statistics row as a pipeline event (`event_type` {@link STATISTIC_EVENT_TYPE}). */
export interface StatisticEvent extends GenericHaEvent {
  readonly event_type: typeof STATISTIC_EVENT_TYPE;
  /** `statistic:<id>@<start µs>#<values>`: a re-read row is a duplicate, a rewritten row is new. */
  readonly key: string;
  readonly data: StatisticData;
}

/** Why a metadata entry or row was refused (a dead-letter reason). */
export type StatisticProblem =
  | 'statistics_meta_invalid'
  | 'statistics_row_invalid'
  | 'statistics_row_outside_window'
  | 'statistics_reply_invalid'
  | 'statistics_reply_too_large';

/** A refused input with its reason and a human-readable message. */
export interface StatisticRejection {
  readonly reason: StatisticProblem;
  readonly message: string;
  readonly statistic_id?: string;
  readonly raw: unknown;
}

/** Parses one metadata entry; `mean_type` wins over the legacy `has_mean` (a circular mean says has_mean false). */
export function parseStatisticMeta(raw: unknown): StatisticMeta | StatisticRejection {
  if (!isRecord(raw) || typeof raw['statistic_id'] !== 'string' || raw['statistic_id'] === '')
    return reject('statistics_meta_invalid', 'metadata entry has no statistic_id', raw);
  const id = raw['statistic_id'];
  const external = id.includes(':');
  if (!external && !id.includes('.'))
    return reject(
      'statistics_meta_invalid',
      `statistic_id ${JSON.stringify(id)} is neither domain.name nor domain:name`,
      raw,
      id,
    );
  const meanTypeRaw = raw['mean_type'];
  let meanType: StatisticMeanType;
  if (meanTypeRaw === 0 || meanTypeRaw === 1 || meanTypeRaw === 2) meanType = meanTypeRaw;
  else if (meanTypeRaw === undefined || meanTypeRaw === null) meanType = raw['has_mean'] === true ? 1 : 0;
  else
    return reject(
      'statistics_meta_invalid',
      `${id}: mean_type ${JSON.stringify(meanTypeRaw)} is not 0, 1 or 2`,
      raw,
      id,
    );
  const unit = raw['statistics_unit_of_measurement'] ?? raw['unit_of_measurement'] ?? null;
  const unitClass = raw['unit_class'] ?? null;
  if (unit !== null && typeof unit !== 'string')
    return reject('statistics_meta_invalid', `${id}: statistics_unit_of_measurement is not a string`, raw, id);
  return {
    statistic_id: id,
    source: typeof raw['source'] === 'string' ? raw['source'] : external ? id.slice(0, id.indexOf(':')) : 'recorder',
    name: typeof raw['name'] === 'string' ? raw['name'] : null,
    unit,
    unit_class: typeof unitClass === 'string' ? unitClass : null,
    mean_type: meanType,
    has_sum: raw['has_sum'] === true,
    external,
  };
}

/** True when the rejection type guard matches. */
export function isRejection(value: StatisticMeta | StatisticRejection | StatisticData): value is StatisticRejection {
  return 'reason' in value && 'raw' in value;
}

/**
 * Parses one row of `recorder/statistics_during_period`. Times come as integer epoch ms (HA 2022.12+) or
 * ISO strings (older); values as numbers or null. A statistic with a mean needs a numeric `mean`, one with
 * a sum a numeric `sum`; otherwise the row is refused with the missing field named.
 */
export function parseStatisticRow(raw: unknown, meta: StatisticMeta): StatisticData | StatisticRejection {
  const id = meta.statistic_id;
  if (!isRecord(raw)) return reject('statistics_row_invalid', `${id}: row is not an object`, raw, id);
  const start = timeMs(raw['start']);
  if (start === undefined)
    return reject('statistics_row_invalid', `${id}: row start ${describe(raw['start'])} is not a time`, raw, id);
  if (start % 3_600_000 !== 0)
    return reject(
      'statistics_row_invalid',
      `${id}: row start ${new Date(start).toISOString()} is not on the hour`,
      raw,
      id,
    );
  const values: { -readonly [K in 'mean' | 'min' | 'max' | 'sum' | 'state']?: number } = {};
  for (const key of ['mean', 'min', 'max', 'sum', 'state'] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v))
      return reject('statistics_row_invalid', `${id}: ${key} ${describe(v)} is not a finite number`, raw, id);
    values[key] = v;
  }
  if (meta.mean_type !== 0 && values.mean === undefined && meta.has_sum === false)
    return reject('statistics_row_invalid', `${id}: row at ${iso(start)} has no mean`, raw, id);
  if (meta.has_sum && values.sum === undefined && meta.mean_type === 0)
    return reject('statistics_row_invalid', `${id}: row at ${iso(start)} has no sum`, raw, id);
  let lastReset: number | null | undefined;
  if (raw['last_reset'] === null) lastReset = null;
  else if (raw['last_reset'] !== undefined) {
    lastReset = timeMs(raw['last_reset']);
    if (lastReset === undefined)
      return reject(
        'statistics_row_invalid',
        `${id}: last_reset ${describe(raw['last_reset'])} is not a time`,
        raw,
        id,
      );
  }
  const split = splitStatisticId(id);
  return {
    statistic_id: id,
    ...(meta.external ? {} : { entity_id: id }),
    domain: split,
    source: meta.source,
    period: 'hour',
    unit: meta.unit,
    mean_type: meta.mean_type,
    start,
    ...values,
    ...(lastReset === undefined ? {} : { last_reset: lastReset }),
  };
}

/**
 * The event of a row. Its key is the statistic, the row start and its values: the same row read twice is
 * one key (dedupe drops it; the write would be a no-op anyway), a row HA rewrote (adjusted sum, late
 * external row) is a new key, so it passes dedupe and overwrites its point (same series, same time).
 */
export function statisticEvent(data: StatisticData, source: string, receivedAt: EpochMicros): StatisticEvent {
  const time = millisToMicros(data.start);
  const valueKey = [data.mean, data.min, data.max, data.sum, data.state, data.last_reset].map((v) => v ?? '').join(',');
  return {
    event_type: STATISTIC_EVENT_TYPE,
    time_fired: time,
    context: null,
    provenance: { source, mode: 'import', receivedAt },
    key: `statistic:${data.statistic_id}@${time}#${valueKey}`,
    data,
  };
}

/** The domain of a statistic id (`sensor.x` → `sensor`, `tibber:energy` → `tibber`). */
export function splitStatisticId(id: string): string {
  const colon = id.indexOf(':');
  const dot = id.indexOf('.');
  const at = colon !== -1 && (dot === -1 || colon < dot) ? colon : dot;
  return at === -1 ? id : id.slice(0, at);
}

// --- internal ---

function timeMs(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) ? value : Number.isFinite(value) ? Math.round(value) : undefined;
  if (typeof value === 'string') {
    const us = parseHaTime(value);
    return us === undefined ? undefined : Math.round(us / 1000);
  }
  return undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function reject(reason: StatisticProblem, message: string, raw: unknown, id?: string): StatisticRejection {
  return { reason, message, raw, ...(id === undefined ? {} : { statistic_id: id }) };
}
