import { ErrorCode, SdkError, formatHaTime, isSdkError, millisToMicros, parseHaTime } from '@ha-ingestor/core';
import { backoffDelay, waitOrAbort } from '@ha-ingestor/core/resilience';
import type { HaConnection } from '../connection/connection.js';
import { isRecord } from '../connection/protocol.js';
import {
  isRejection,
  parseStatisticMeta,
  parseStatisticRow,
  type StatisticData,
  type StatisticMeta,
  type StatisticRejection,
} from './statistic-rows.js';

const HOUR_MS = 3_600_000;

/** Gives the current connection; called again after a command failed because the connection was lost. */
export type ConnectionProvider = () => Promise<HaConnection>;

/** Statistics HA knows, with the entries that could not be read. */
export interface StatisticList {
  readonly metas: StatisticMeta[];
  readonly rejected: StatisticRejection[];
}

/**
 * `recorder/list_statistic_ids`: every statistic with its metadata. Entries that do not parse are returned
 * in `rejected` (dead-letter them); the rest are usable.
 */
export async function listStatistics(connection: HaConnection): Promise<StatisticList> {
  const result = await connection.command<unknown>('recorder/list_statistic_ids');
  const metas: StatisticMeta[] = [];
  const rejected: StatisticRejection[] = [];
  if (!Array.isArray(result)) {
    rejected.push({
      reason: 'statistics_reply_invalid',
      message: 'list_statistic_ids did not return a list',
      raw: result,
    });
    return { metas, rejected };
  }
  const seen = new Set<string>();
  for (const raw of result) {
    const parsed = parseStatisticMeta(raw);
    if (isRejection(parsed)) rejected.push(parsed);
    else if (!seen.has(parsed.statistic_id)) {
      seen.add(parsed.statistic_id);
      metas.push(parsed);
    }
  }
  return { metas, rejected };
}

/** One request's outcome: the rows of `ids` in `[windowStart, windowEnd)` and what was refused. */
export interface StatisticChunk {
  readonly ids: readonly string[];
  /** Epoch ms, inclusive. */
  readonly windowStart: number;
  /** Epoch ms, exclusive. */
  readonly windowEnd: number;
  readonly rows: StatisticData[];
  readonly rejected: StatisticRejection[];
  /** Ids whose whole range is read once this chunk is handled. */
  readonly finished: readonly string[];
  /** Ids in this chunk's batch. */
  readonly batchSize: number;
  /** Share of the batch's time range read after this chunk, 0..1. */
  readonly progress: number;
}

/** Options of {@link readStatistics}. */
export interface ReadStatisticsOptions {
  readonly connection: ConnectionProvider;
  readonly metas: readonly StatisticMeta[];
  /** Epoch ms: no row before it (floored to the hour); undefined → from each statistic's first row. */
  readonly since?: number | undefined;
  /** Epoch ms, exclusive (floored to the hour): rows of hours that are not over yet do not exist. */
  readonly until: number;
  /** Per id: epoch ms up to which rows are already stored (a checkpoint); wins over `since` when later. */
  readonly resumeFrom?: (statisticId: string) => number | undefined;
  /** Hours per request. */
  readonly windowHours: number;
  /** Statistic ids per request. */
  readonly batchSize: number;
  /** Attempts per request when the connection drops (the provider reconnects between them). */
  readonly retries?: number;
  readonly signal?: AbortSignal | undefined;
  /** Wait before a retry (tests pass 0). */
  readonly retryDelayMs?: number;
}

/**
 * Reads hourly long-term statistics with `recorder/statistics_during_period`, bounded: `batchSize` ids ×
 * `windowHours` hours per request, one request in flight, so no reply grows large (HA has no server-side
 * cap and answers in one frame). Ids are grouped by unit class and unit, and each request asks with
 * `units` set to the statistics unit, so HA does not convert the rows to the entity's display unit.
 * Without `since` and a checkpoint, a `period: "month"` request finds where each batch's rows begin.
 * A dropped connection retries the request on the provider's next connection.
 */
export async function* readStatistics(options: ReadStatisticsOptions): AsyncGenerator<StatisticChunk, void, undefined> {
  const until = floorHour(options.until);
  const since = options.since === undefined ? undefined : floorHour(options.since);
  const byId = new Map(options.metas.map((m) => [m.statistic_id, m]));
  for (const batch of planBatches(options.metas, options.batchSize)) {
    const starts = new Map<string, number>();
    const unknown: string[] = [];
    for (const meta of batch.metas) {
      const resumed = options.resumeFrom?.(meta.statistic_id);
      const from = Math.max(resumed ?? Number.NEGATIVE_INFINITY, since ?? Number.NEGATIVE_INFINITY);
      if (from === Number.NEGATIVE_INFINITY) unknown.push(meta.statistic_id);
      else starts.set(meta.statistic_id, floorHour(from));
    }
    const probeRejected: StatisticRejection[] = [];
    if (unknown.length > 0) {
      const firsts = await request(options, (connection) => firstRows(connection, unknown, until, batch.units));
      for (const id of unknown) {
        const first = firsts.get(id);
        if (first === null)
          probeRejected.push({
            reason: 'statistics_reply_invalid',
            message: `${id}: its monthly rows have no readable start, so where its hourly rows begin is unknown; the statistic is skipped (pass --since to read it)`,
            statistic_id: id,
            raw: undefined,
          });
        starts.set(id, first ?? until);
      }
    }
    let windowStart = Math.min(...starts.values());
    const batchStart = windowStart;
    const done = { batchSize: batch.ids.length, progress: 1 };
    const step = options.windowHours * HOUR_MS;
    if (windowStart >= until) {
      yield {
        ids: [],
        windowStart: until,
        windowEnd: until,
        rows: [],
        rejected: probeRejected,
        finished: batch.ids,
        ...done,
      };
      continue;
    }
    for (; windowStart < until; windowStart += step) {
      if (options.signal?.aborted === true) return;
      const windowEnd = Math.min(windowStart + step, until);
      const ids = batch.ids.filter((id) => (starts.get(id) ?? until) < windowEnd);
      const last = windowEnd >= until;
      const position = { batchSize: batch.ids.length, progress: (windowEnd - batchStart) / (until - batchStart) };
      if (ids.length === 0) {
        if (last)
          yield {
            ids,
            windowStart,
            windowEnd,
            rows: [],
            rejected: probeRejected.splice(0),
            finished: batch.ids,
            ...position,
          };
        continue;
      }
      const reply = await request(options, async (connection) =>
        connection.command<unknown>('recorder/statistics_during_period', {
          start_time: formatHaTime(millisToMicros(windowStart)),
          end_time: formatHaTime(millisToMicros(windowEnd)),
          statistic_ids: ids,
          period: 'hour',
          ...(batch.units === undefined ? {} : { units: batch.units }),
          types: ['last_reset', 'max', 'mean', 'min', 'state', 'sum'],
        }),
      );
      const { rows, rejected } = readReply(reply, ids, byId, windowStart, windowEnd, starts);
      rejected.unshift(...probeRejected.splice(0));
      yield { ids, windowStart, windowEnd, rows, rejected, finished: last ? batch.ids : [], ...position };
    }
  }
}

/** Ids in request order: grouped by unit class + unit (one `units` value per request), then batched. */
export function planBatches(
  metas: readonly StatisticMeta[],
  batchSize: number,
): { ids: string[]; metas: StatisticMeta[]; units: Record<string, string> | undefined }[] {
  const groups = new Map<string, StatisticMeta[]>();
  for (const meta of metas) {
    const key = `${meta.unit_class ?? ''}\u0000${meta.unit ?? ''}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [meta]);
    else group.push(meta);
  }
  const batches: { ids: string[]; metas: StatisticMeta[]; units: Record<string, string> | undefined }[] = [];
  for (const group of groups.values()) {
    const first = group[0] as StatisticMeta;
    // `units` maps a unit class to the unit rows are converted to; without a class HA converts nothing.
    const units = first.unit_class !== null && first.unit !== null ? { [first.unit_class]: first.unit } : undefined;
    for (let i = 0; i < group.length; i += batchSize) {
      const part = group.slice(i, i + batchSize);
      batches.push({ ids: part.map((m) => m.statistic_id), metas: part, units });
    }
  }
  return batches;
}

/** Floors epoch ms to the hour. */
export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

// --- internal ---

/** Start of the first month with rows, per id (a small `period: "month"` reply over all time). */
async function firstRows(
  connection: HaConnection,
  ids: readonly string[],
  until: number,
  units: Record<string, string> | undefined,
): Promise<Map<string, number | null>> {
  const reply = await connection.command<unknown>('recorder/statistics_during_period', {
    start_time: formatHaTime(0),
    end_time: formatHaTime(millisToMicros(until)),
    statistic_ids: [...ids],
    period: 'month',
    ...(units === undefined ? {} : { units }),
    types: ['sum', 'mean'],
  });
  // id → first month start; null when the id has rows but none with a readable start.
  const firsts = new Map<string, number | null>();
  if (!isRecord(reply)) return firsts;
  for (const id of ids) {
    const list = reply[id];
    if (!Array.isArray(list)) continue;
    let first = Number.POSITIVE_INFINITY;
    for (const row of list) {
      const start = isRecord(row) ? rowStartMs(row['start']) : undefined;
      if (start !== undefined && start < first) first = start;
    }
    // A month row starts at local midnight of the 1st, at or before its first hourly row.
    if (list.length > 0) firsts.set(id, first === Number.POSITIVE_INFINITY ? null : floorHour(first));
  }
  return firsts;
}

function rowStartMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const us = parseHaTime(value);
    return us === undefined ? undefined : Math.floor(us / 1000);
  }
  return undefined;
}

async function request<T>(options: ReadStatisticsOptions, run: (connection: HaConnection) => Promise<T>): Promise<T> {
  const retries = options.retries ?? 10;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run(await options.connection());
    } catch (error) {
      const lost = isSdkError(error, ErrorCode.CONNECTION_LOST) || isSdkError(error, ErrorCode.TIMEOUT);
      if (!lost || attempt >= retries || options.signal?.aborted === true) throw error;
      const delay = backoffDelay(attempt, { minDelayMs: options.retryDelayMs ?? 500, maxDelayMs: 15_000 });
      if (!(await waitOrAbort(delay, options.signal)))
        throw new SdkError(ErrorCode.ABORTED, 'statistics read aborted', { retryable: false, cause: error });
    }
  }
}

function readReply(
  reply: unknown,
  ids: readonly string[],
  metas: ReadonlyMap<string, StatisticMeta>,
  windowStart: number,
  windowEnd: number,
  starts: ReadonlyMap<string, number>,
): { rows: StatisticData[]; rejected: StatisticRejection[] } {
  const rows: StatisticData[] = [];
  const rejected: StatisticRejection[] = [];
  if (!isRecord(reply)) {
    rejected.push({
      reason: 'statistics_reply_invalid',
      message: `statistics_during_period for ${ids.length} ids returned ${Array.isArray(reply) ? 'a list' : typeof reply}, not an object`,
      raw: reply,
    });
    return { rows, rejected };
  }
  const asked = new Set(ids);
  const maxRows = (windowEnd - windowStart) / HOUR_MS;
  for (const [id, list] of Object.entries(reply)) {
    const meta = metas.get(id);
    if (!asked.has(id) || meta === undefined) {
      rejected.push({
        reason: 'statistics_reply_invalid',
        message: `reply has rows of ${JSON.stringify(id)}, which was not asked for`,
        statistic_id: id,
        raw: summary(list),
      });
      continue;
    }
    if (!Array.isArray(list)) {
      rejected.push({
        reason: 'statistics_reply_invalid',
        message: `${id}: rows are not a list`,
        statistic_id: id,
        raw: list,
      });
      continue;
    }
    if (list.length > maxRows) {
      // A window of N hours holds at most N hourly rows: anything more is not HA's hourly table.
      rejected.push({
        reason: 'statistics_reply_too_large',
        message: `${id}: ${list.length} rows for a window of ${maxRows} hours (${new Date(windowStart).toISOString()}…); the reply is not imported`,
        statistic_id: id,
        raw: summary(list),
      });
      continue;
    }
    const seen = new Set<number>();
    const from = Math.max(windowStart, starts.get(id) ?? windowStart);
    for (const raw of list) {
      const row = parseStatisticRow(raw, meta);
      if (isRejection(row)) {
        rejected.push(row);
        continue;
      }
      if (row.start < windowStart || row.start >= windowEnd) {
        rejected.push({
          reason: 'statistics_row_outside_window',
          message: `${id}: row at ${new Date(row.start).toISOString()} is outside the requested window`,
          statistic_id: id,
          raw,
        });
        continue;
      }
      if (row.start < from || seen.has(row.start)) continue;
      seen.add(row.start);
      rows.push(row);
    }
  }
  return { rows, rejected };
}

function summary(list: unknown): unknown {
  return Array.isArray(list) ? { rows: list.length, first: list[0] as unknown } : list;
}
