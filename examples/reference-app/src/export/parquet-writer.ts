import type { Writable } from 'node:stream';
import { ConfigError } from '@ha-ingestor/core';
import type { ExportColumn, RowWriter } from './row-writer.js';

/**
 * The Parquet writer of exports: an adapter over `createParquetStreamWriter` of `@ha-ingestor/sink-parquet`
 * (issue 17 item 2), which is built on another branch. Until that package is merged this throws, so
 * `--format parquet` fails before any query with a clear message. The integrator replaces the body with:
 *
 * ```ts
 * const writer = createParquetStreamWriter(out, { columns: [...columns], compression: 'zstd' });
 * return {
 *   // Parquet cells are typed: the attributes column (JSON layout) holds its object as JSON text.
 *   write: (rows) => writer.write(rows.map((row) => row.map((cell) => (cell !== null && typeof cell === 'object' ? JSON.stringify(cell) : cell)))),
 *   end: () => writer.end(),
 *   get rowsWritten() { return writer.rowsWritten; },
 * };
 * ```
 */
export function createParquetRowWriter(out: Writable, columns: readonly ExportColumn[]): RowWriter {
  void out;
  void columns;
  checkParquetAvailable();
  throw notBuilt();
}

/** Throws while Parquet is not built on this branch (the integrator empties it with the adapter above). */
export function checkParquetAvailable(): void {
  throw notBuilt();
}

// --- internal ---

function notBuilt(): ConfigError {
  return new ConfigError(
    '--format parquet is not built on this branch: it needs @ha-ingestor/sink-parquet (issue 17, item 2); use csv, ndjson, json or lp',
    [{ path: 'format', message: 'parquet is not available yet' }],
  );
}
