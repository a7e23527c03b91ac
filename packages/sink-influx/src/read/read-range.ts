import { parseOptions } from '@ha-ingestor/core';
import { checkEntityPatterns, entityMatcher } from './entity-match.js';
import { createAnnotatedCsvParser, fluxRequestBody, fluxWindowQuery } from './flux.js';
import { influxqlPath, influxqlWindowQuery, parseInfluxqlChunk } from './influxql.js';
import {
  authHeaders,
  ReadRangeOptionsSchema,
  type ReadRangeOptions,
  type ResolvedReadRangeOptions,
} from './options.js';
import { queryLines, type QueryRequest } from './query-http.js';
import { toStoredRow, type StoredStateRow } from './rows.js';
import type { StoredPoint } from './stored-point.js';

const STAGE = 'influx-read';

/** Rows of one step of a read, and how far through the time range the read is. */
export interface StoredRowBatch {
  /** State rows of the current window, in the server's order (by series, then time). */
  readonly rows: readonly StoredStateRow[];
  /** Fraction of the time range fully read (0–1), for progress and ETA. */
  readonly fraction: number;
}

/**
 * Reads the state points of a time range back from InfluxDB as rows: the inverse of the sink's state
 * schemas (see {@link toStoredRow}). v1 runs InfluxQL on `/query` with `chunked=true`; v2 runs Flux on
 * `/api/v2/query` and reads its annotated CSV. The range is read window by window (`windowUs`), and each
 * response is parsed as it streams: memory holds one chunk (v1: `chunkSize` points) or one CSV record
 * (v2) at a time, never the range, and the next bytes are read only when the consumer asks for the next
 * batch. Breaking out of the loop or aborting `signal` cancels the running query.
 * @throws ConfigError on bad options or entity patterns; SdkError AUTH_FAILED (401/403), COMMAND_FAILED
 *   (a query the server refused), CONNECTION_LOST / TIMEOUT / SINK_UNAVAILABLE (retryable), ABORTED.
 *   Messages carry the masked URL and the server's text, never the token or password.
 * @example
 * for await (const { rows } of readInfluxRange({ url, apiVersion: '1', database: 'ha', start, end })) {
 *   for (const row of rows) console.log(row.entity_id, row.value);
 * }
 */
export async function* readInfluxRange(
  options: ReadRangeOptions,
  signal: AbortSignal = new AbortController().signal,
): AsyncGenerator<StoredRowBatch> {
  const o = parseOptions(ReadRangeOptionsSchema, options, STAGE);
  checkEntityPatterns(o.entities);
  const wanted = entityMatcher(o.entities);
  const span = o.end - o.start;
  for (let windowStart = o.start; windowStart < o.end; windowStart += o.windowUs) {
    const windowEnd = Math.min(o.end, windowStart + o.windowUs);
    const before = (windowStart - o.start) / span;
    for await (const points of windowPoints(o, windowStart, windowEnd, signal)) {
      const rows: StoredStateRow[] = [];
      for (const p of points) {
        if (p.measurement === o.eventsMeasurement) continue;
        const row = toStoredRow(o.schema, p.measurement, p.tags, p.fields, p.time);
        if (row !== undefined && wanted(row.entity_id)) rows.push(row);
      }
      if (rows.length > 0) yield { rows, fraction: before };
    }
    yield { rows: [], fraction: (windowEnd - o.start) / span };
  }
}

// --- internal ---

async function* windowPoints(
  o: ResolvedReadRangeOptions,
  start: number,
  end: number,
  signal: AbortSignal,
): AsyncGenerator<StoredPoint[]> {
  const common: Omit<QueryRequest, 'path' | 'method' | 'headers' | 'body'> = {
    baseUrl: o.url,
    signal,
    timeoutMs: o.timeoutMs,
    maxLineBytes: o.maxLineBytes,
    stage: STAGE,
  };
  if (o.apiVersion === '1') {
    const lines = queryLines({
      ...common,
      method: 'GET',
      path: influxqlPath(o, influxqlWindowQuery(o, start, end), o.chunkSize),
      headers: { accept: 'application/json', ...authHeaders(o) },
    });
    for await (const line of lines) {
      const points = parseInfluxqlChunk(line, STAGE);
      if (points.length > 0) yield points;
    }
    return;
  }
  const parse = createAnnotatedCsvParser(STAGE, o.maxLineBytes);
  const lines = queryLines({
    ...common,
    method: 'POST',
    path: `/api/v2/query${o.org === undefined || o.org === '' ? '' : `?org=${encodeURIComponent(o.org)}`}`,
    headers: { accept: 'application/csv', 'content-type': 'application/json', ...authHeaders(o) },
    body: fluxRequestBody(fluxWindowQuery(o, start, end)),
  });
  // One yield per CSV line would cost a promise per point: gather up to 1000 points per step.
  let batch: StoredPoint[] = [];
  for await (const line of lines) {
    const points = parse(line);
    for (const p of points) batch.push(p);
    if (batch.length >= 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
