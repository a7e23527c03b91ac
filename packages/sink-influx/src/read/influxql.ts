import { ErrorCode, SdkError } from '@ha-ingestor/core';
import { influxqlEntityCondition } from './entity-match.js';
import type { ResolvedReadRangeOptions } from './options.js';
import type { StoredValue } from './rows.js';
import { record, type StoredPoint } from './stored-point.js';

/**
 * The InfluxQL of one window: every measurement, tags as series (`GROUP BY *`, so tags and fields stay
 * apart), times as integer µs (`epoch=u` on the request). Entity patterns are pushed down as tag
 * conditions; the non-state measurement is skipped by the caller.
 */
export function influxqlWindowQuery(o: ResolvedReadRangeOptions, start: number, end: number): string {
  const condition = influxqlEntityCondition(o.schema, o.entities);
  return `SELECT * FROM /.*/ WHERE time >= ${start}u AND time < ${end}u${condition === undefined ? '' : ` AND ${condition}`} GROUP BY *`;
}

/** Path and query of a v1 `/query` request (chunked when `chunkSize` is given). */
export function influxqlPath(o: ResolvedReadRangeOptions, q: string, chunkSize?: number): string {
  const params = new URLSearchParams({ db: o.database ?? '', q, epoch: 'u' });
  if (o.retentionPolicy !== undefined) params.set('rp', o.retentionPolicy);
  if (chunkSize !== undefined) {
    params.set('chunked', 'true');
    params.set('chunk_size', String(chunkSize));
  }
  return `/query?${params.toString()}`;
}

/**
 * The points of one line of a (chunked) `/query` response. A statement error is a COMMAND_FAILED with
 * the server's text; a line that is not the documented JSON is a PROTOCOL_ERROR.
 */
export function parseInfluxqlChunk(line: string, stage: string): StoredPoint[] {
  if (line.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new SdkError(ErrorCode.PROTOCOL_ERROR, `InfluxDB /query answered a line that is not JSON`, {
      stage,
      retryable: false,
    });
  }
  const top = asRecord(parsed);
  if (typeof top?.['error'] === 'string') throw queryFailed(top['error'], stage);
  const points: StoredPoint[] = [];
  for (const statement of asArray(top?.['results'])) {
    const s = asRecord(statement);
    if (typeof s?.['error'] === 'string') throw queryFailed(s['error'], stage);
    for (const series of asArray(s?.['series'])) {
      const sr = asRecord(series);
      const name = sr?.['name'];
      if (typeof name !== 'string') continue;
      const tags = record<string>();
      const rawTags = asRecord(sr?.['tags']);
      if (rawTags !== undefined)
        for (const key of Object.keys(rawTags)) {
          const v = rawTags[key];
          if (typeof v === 'string' && v !== '') tags[key] = v;
        }
      const columns = asArray(sr?.['columns']);
      const timeCol = columns.indexOf('time');
      for (const row of asArray(sr?.['values'])) {
        const cells = asArray(row);
        const time = cells[timeCol];
        if (typeof time !== 'number' || !Number.isSafeInteger(time)) continue;
        const fields = record<StoredValue>();
        for (let c = 0; c < columns.length; c++) {
          if (c === timeCol) continue;
          const v = cells[c];
          const key = columns[c];
          if (typeof key === 'string' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
            fields[key] = v;
        }
        points.push({ measurement: name, tags, fields, time });
      }
    }
  }
  return points;
}

// --- internal ---

function queryFailed(message: string, stage: string): SdkError {
  return new SdkError(ErrorCode.COMMAND_FAILED, `InfluxDB query failed: ${message.slice(0, 300)}`, {
    stage,
    retryable: false,
  });
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
