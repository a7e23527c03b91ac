import type { Writable } from 'node:stream';
import { createParquetStreamWriter } from '@ha-ingestor/sink-parquet';
import type { ExportColumn, RowWriter } from './row-writer.js';

/**
 * The Parquet writer of exports: an adapter over `createParquetStreamWriter` of `@ha-ingestor/sink-parquet`
 * (typed columns, snappy pages, row groups of 10,000 rows so memory stays bounded whatever the range).
 * Parquet cells are typed: the attributes column (JSON layout) holds its object as JSON text.
 */
export function createParquetRowWriter(out: Writable, columns: readonly ExportColumn[]): RowWriter {
  const writer = createParquetStreamWriter(out, { columns: [...columns], compression: 'snappy' });
  return {
    write: (rows) => writer.write(rows.map((row) => row.map(parquetCell))),
    end: () => writer.end(),
    get rowsWritten() {
      return writer.rowsWritten;
    },
  };
}

// --- internal ---

function parquetCell(cell: unknown): unknown {
  return cell !== null && typeof cell === 'object' ? JSON.stringify(cell) : cell;
}
