import type { Writable } from 'node:stream';
import { ConfigError, parseHaTime } from '@ha-ingestor/core';
import { readInfluxAttributeKeys, readInfluxRange, type ReadRangeOptions } from '@ha-ingestor/sink-influx';
import type { AppConfig } from '../config.js';
import { createLineProtocolExporter } from '../lp-export.js';
import type { StoreExportService } from './http-export.js';
import { chooseLayout, exportColumns, rowCells } from './columns.js';
import { createRowWriter, FORMAT_INFO, type ExportFormat } from './formats.js';

/** A range export request, as the CLI and the HTTP API take it. */
export interface StoreExportRequest {
  readonly start: number;
  readonly end: number;
  readonly entities: readonly string[];
  readonly format: ExportFormat;
}

/** What {@link exportFromStore} needs besides the request. */
export interface StoreExportContext {
  /** Reader options of the configured database, without range and entities. */
  readonly database: Omit<ReadRangeOptions, 'start' | 'end' | 'entities'>;
  readonly toLineProtocol: (events: readonly Readonly<Record<string, unknown>>[]) => string;
  readonly signal: AbortSignal;
  /** After each step: rows so far and the fraction of the time range read. */
  readonly onProgress?: (rows: number, fraction: number) => void;
}

/**
 * Exports a time range from the configured database to `out`: the attribute layout is decided first
 * (see columns.ts), the writer made (so an unavailable format fails before any query), then rows are
 * streamed batch by batch, each written before the next is read. Resolves with the row count.
 */
export async function exportFromStore(
  request: StoreExportRequest,
  out: Writable,
  ctx: StoreExportContext,
): Promise<number> {
  const info = FORMAT_INFO[request.format];
  const options: ReadRangeOptions = {
    ...ctx.database,
    start: request.start,
    end: request.end,
    entities: [...request.entities],
  };
  const keys = info.tabular ? await readInfluxAttributeKeys(options, { signal: ctx.signal }) : undefined;
  const layout = chooseLayout(info.tabular, keys);
  const writer = createRowWriter(request.format, out, exportColumns(layout, keys), ctx.toLineProtocol);
  let rows = 0;
  for await (const batch of readInfluxRange(options, ctx.signal)) {
    if (batch.rows.length > 0) {
      await writer.write(batch.rows.map((row) => rowCells(row, layout)));
      rows += batch.rows.length;
    }
    ctx.onProgress?.(rows, batch.fraction);
  }
  await writer.end();
  return rows;
}

/** Reader options of the app's InfluxDB config, or a ConfigError when no database is configured. */
export function storeOptionsOf(config: AppConfig): StoreExportContext['database'] {
  const influx = config.influx;
  if (influx.url === undefined)
    throw new ConfigError('export needs a database: set INFLUXDB_URL (and INFLUXDB_DATABASE or INFLUXDB_BUCKET)', [
      { path: 'influx.url', message: 'required for export' },
    ]);
  return {
    url: influx.url,
    apiVersion: influx.apiVersion,
    schema: influx.schema,
    ...(influx.database === undefined ? {} : { database: influx.database }),
    ...(influx.bucket === undefined ? {} : { bucket: influx.bucket }),
    ...(influx.org === undefined ? {} : { org: influx.org }),
    ...(influx.token === undefined ? {} : { token: influx.token }),
    ...(influx.username === undefined ? {} : { username: influx.username }),
    ...(influx.password === undefined ? {} : { password: influx.password }),
  };
}

/** The `storeExport` dependency of the HTTP API: set when a database is configured, else nothing. */
export function storeExportOf(config: AppConfig): { storeExport?: StoreExportService } {
  if (config.influx.url === undefined) return {};
  return {
    storeExport: {
      database: storeOptionsOf(config),
      toLineProtocol: createLineProtocolExporter({ kind: config.influx.schema }, config.influx.precision),
    },
  };
}

/** Parses `--start`/`--end` (ISO 8601) into epoch µs; clear ConfigErrors for bad or reversed times. */
export function parseRange(startText: string, endText: string): { start: number; end: number } {
  const start = parseHaTime(startText);
  const end = parseHaTime(endText);
  if (start === undefined)
    throw new ConfigError(`start ${quote(startText)} is not an ISO 8601 time (e.g. 2026-01-31T00:00:00Z)`, [
      { path: 'start', message: 'not an ISO 8601 time' },
    ]);
  if (end === undefined)
    throw new ConfigError(`end ${quote(endText)} is not an ISO 8601 time (e.g. 2026-02-01T00:00:00Z)`, [
      { path: 'end', message: 'not an ISO 8601 time' },
    ]);
  if (end <= start) throw new ConfigError('end must be after start', [{ path: 'end', message: 'must be after start' }]);
  return { start, end };
}

// --- internal ---

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
