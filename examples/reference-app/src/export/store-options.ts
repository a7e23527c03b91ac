import { ConfigError, parseHaTime } from '@ha-ingestor/core';
import type { AppConfig } from '../config.js';
import { createLineProtocolExporter } from '../lp-export.js';
import type { StoreExportService } from './http-export.js';
import type { StoreExportContext } from './store-export.js';

// What `run` needs of the export at start: the reader options and the range check. The export itself
// (store-export.ts, the InfluxDB reader, the format writers and with them `hyparquet-writer`) is loaded by the
// `export` command and by the first `/api/v1/export` request (issue 14, memory).

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
