import type { ServerResponse } from 'node:http';
import type { Guard } from '@ha-ingestor/core';
import { globToRegExp } from '@ha-ingestor/core/stages';
import { csvRows, lpSlices, ndjsonLines } from '../export-formats.js';
import type { QueryResult } from '../http-query.js';
import { streamBody } from '../http-stream.js';
import type { RecentEvent, RecentEvents } from '../recent.js';
import { parseRange } from './store-options.js';

/** What the ring export reads from and answers with. */
export interface RingExportDeps {
  readonly recent: RecentEvents;
  readonly toLineProtocol: (events: readonly Readonly<Record<string, unknown>>[]) => string;
  readonly guard: Guard;
  readonly onStall: () => void;
  readonly sendJson: (res: ServerResponse, status: number, body: unknown) => void;
}

/**
 * `/api/v1/export` without a database: the recent-events ring (the last events this process handled),
 * oldest first, as before issue 17, plus `json` and the `start`/`end`/`entities` filters of the database
 * export. `parquet` is refused (database export only).
 */
export async function exportRing(
  res: ServerResponse,
  url: URL,
  query: Extract<QueryResult, { ok: true }>,
  deps: RingExportDeps,
): Promise<void> {
  const startText = url.searchParams.get('start');
  const endText = url.searchParams.get('end');
  let within: (e: RecentEvent) => boolean = () => true;
  if (startText !== null || endText !== null) {
    if (startText === null || endText === null)
      return deps.sendJson(res, 400, { error: 'start and end go together (ISO 8601 times)' });
    let range: { start: number; end: number };
    try {
      range = parseRange(startText, endText);
    } catch (error) {
      return deps.sendJson(res, 400, { error: (error as Error).message });
    }
    within = (e) => e.time_fired >= range.start && e.time_fired < range.end;
  }
  const patterns = (url.searchParams.get('entities') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (patterns.length > 1000 || patterns.some((p) => p.length > 255))
    return deps.sendJson(res, 400, { error: 'entities takes at most 1000 ids or globs of at most 255 characters' });
  const matchers = patterns.map(globToRegExp);
  const wanted = (e: RecentEvent) =>
    within(e) &&
    (matchers.length === 0 || (e.entity_id !== undefined && matchers.some((re) => re.test(e.entity_id as string))));
  if (query.format === 'parquet')
    return deps.sendJson(res, 400, {
      error:
        'format parquet exports from the database: set INFLUXDB_URL (the recent ring offers ndjson, json, csv, lp)',
    });
  const events = deps.recent.list(query.filter, query.limit).reverse().filter(wanted);
  const pieces =
    query.format === 'csv'
      ? csvRows(events)
      : query.format === 'lp'
        ? lpSlices(events, deps.toLineProtocol)
        : query.format === 'json'
          ? jsonArray(events)
          : ndjsonLines(events);
  const type =
    query.format === 'csv'
      ? 'text/csv'
      : query.format === 'lp'
        ? 'text/plain'
        : query.format === 'json'
          ? 'application/json'
          : 'application/x-ndjson';
  res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'x-content-type-options': 'nosniff' });
  await streamBody(res, pieces, { guard: deps.guard, onStall: deps.onStall });
}

// --- internal ---

function* jsonArray(events: readonly RecentEvent[]): Generator<string> {
  yield '[';
  for (let i = 0; i < events.length; i++)
    yield `${i === 0 ? '' : ','}${JSON.stringify((events[i] as RecentEvent).event)}`;
  yield ']\n';
}
