import type { Writable } from 'node:stream';
import { ErrorCode, SdkError, errorMessage } from '@ha-ingestor/core';
import { ByteWriter, ParquetWriter, type Writer } from 'hyparquet-writer';
import { convertValue, schemaFor, type ParquetColumn } from './columns.js';
import { codecFor, type ParquetCompression } from './compression.js';
import { createSerial } from './serial.js';

/** Options of {@link createParquetStreamWriter}. */
export interface ParquetStreamWriterOptions {
  /** The columns, in the order of the values of every row. */
  columns: ParquetColumn[];
  /**
   * Rows per row group: rows are buffered until this many are collected, then encoded and written as one
   * row group, so memory is bounded by one row group whatever the total. @default 10000
   */
  rowGroupRows?: number;
  /** Page compression. `zstd` needs a Node with `zlib.zstdCompressSync` (22.15+). @default 'snappy' */
  compression?: ParquetCompression;
}

/** A Parquet file being written to a stream, row group by row group. */
export interface ParquetStreamWriter {
  /**
   * Buffers `rows` (arrays in column order) and writes every full row group. Every value is checked
   * first: a value of the wrong type rejects with EVENT_INVALID naming the column and the row, and none
   * of the batch is kept. Resolves once the written bytes are accepted by the stream (backpressure).
   */
  write(rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Writes the last row group and the footer, then ends the stream (not `process.stdout`/`stderr`). */
  end(): Promise<void>;
  /** Rows accepted so far (buffered or written). */
  readonly rowsWritten: number;
}

const STAGE = 'parquet-writer';
const DEFAULT_ROW_GROUP_ROWS = 10_000;
const MAX_ROW_GROUP_ROWS = 1_000_000;

/**
 * Writes a Parquet file to `out` as a stream: typed columns (TIMESTAMP µs, DOUBLE, STRING, BOOLEAN,
 * INT64), snappy/zstd pages, one row group per `rowGroupRows` rows, so memory stays bounded by one row
 * group. Encoding is hyparquet-writer's (pure JS); this adds the typed columns, the checks and the stream.
 *
 * @example
 * const writer = createParquetStreamWriter(createWriteStream('out.parquet'), {
 *   columns: [{ name: 'time', type: 'timestamp_us' }, { name: 'value', type: 'double', nullable: true }],
 * });
 * await writer.write([[1_700_000_000_000_000n, 21.5], [1_700_000_001_000_000n, null]]);
 * await writer.end();
 */
export function createParquetStreamWriter(
  out: NodeJS.WritableStream | Writable,
  options: ParquetStreamWriterOptions,
): ParquetStreamWriter {
  const columns = options.columns.map((c) => ({ ...c }));
  const schema = schemaFor(columns);
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1 || rowGroupRows > MAX_ROW_GROUP_ROWS)
    throw new SdkError(
      ErrorCode.CONFIG_INVALID,
      `${STAGE}: rowGroupRows must be an integer from 1 to ${MAX_ROW_GROUP_ROWS}, got ${String(rowGroupRows)}`,
      { stage: STAGE },
    );
  const { codec, compressors } = codecFor(options.compression ?? 'snappy');

  const bytes = collectingWriter();
  const parquet = new ParquetWriter({
    writer: bytes.writer,
    schema,
    codec,
    compressors,
    createdBy: 'ha-ingestor (hyparquet-writer)',
  });
  let buffered: unknown[][] = columns.map(() => []);
  let bufferedRows = 0;
  let rowsWritten = 0;
  let state: 'open' | 'ending' | 'ended' | 'failed' = 'open';
  const serial = createSerial();

  const flushGroup = async (): Promise<void> => {
    if (bufferedRows === 0) return;
    const columnData = columns.map((c, i) => ({ name: c.name, data: buffered[i] as unknown[] }));
    buffered = columns.map(() => []);
    const rows = bufferedRows;
    bufferedRows = 0;
    await Promise.resolve(parquet.write({ columnData, rowGroupSize: rows }));
    await send(out, bytes.take());
  };

  const fail = (error: unknown): never => {
    state = 'failed';
    throw error instanceof SdkError
      ? error
      : new SdkError(ErrorCode.INTERNAL, `${STAGE}: writing failed: ${errorMessage(error)}`, {
          stage: STAGE,
          cause: error,
        });
  };

  return {
    get rowsWritten() {
      return rowsWritten;
    },
    write: (rows) =>
      serial(async () => {
        if (state !== 'open') throw notOpen(state);
        const converted = convertRows(columns, rows, rowsWritten);
        try {
          for (const row of converted) {
            for (let c = 0; c < columns.length; c++) (buffered[c] as unknown[]).push(row[c]);
            bufferedRows++;
            rowsWritten++;
            if (bufferedRows >= rowGroupRows) await flushGroup();
          }
        } catch (error) {
          fail(error);
        }
      }),
    end: () =>
      serial(async () => {
        if (state === 'ended') return;
        if (state !== 'open') throw notOpen(state);
        state = 'ending';
        try {
          await flushGroup();
          await Promise.resolve(parquet.finish());
          await send(out, bytes.take());
          await endStream(out);
          state = 'ended';
        } catch (error) {
          fail(error);
        }
      }),
  };
}

// --- internal ---

/** Checks and converts a whole batch before any of it is buffered, so a bad row leaves the file as it was. */
function convertRows(
  columns: readonly ParquetColumn[],
  rows: readonly (readonly unknown[])[],
  first: number,
): unknown[][] {
  if (!Array.isArray(rows))
    throw new SdkError(ErrorCode.EVENT_INVALID, `${STAGE}: rows must be an array of row arrays`, { stage: STAGE });
  const out: unknown[][] = new Array<unknown[]>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row: unknown = rows[r];
    const index = first + r;
    if (!Array.isArray(row) || row.length !== columns.length)
      throw new SdkError(
        ErrorCode.EVENT_INVALID,
        `${STAGE}: row ${index}: expected an array of ${columns.length} values (one per column), got ${Array.isArray(row) ? `${row.length} values` : typeof row}`,
        { stage: STAGE, retryable: false },
      );
    const values: readonly unknown[] = row;
    const converted = new Array<unknown>(columns.length);
    for (let c = 0; c < columns.length; c++) converted[c] = convertValue(columns[c] as ParquetColumn, values[c], index);
    out[r] = converted;
  }
  return out;
}

function notOpen(state: string): SdkError {
  return new SdkError(
    ErrorCode.INTERNAL,
    `${STAGE}: the writer is ${state === 'failed' ? 'failed (an earlier write failed)' : 'ended'}`,
    { stage: STAGE, retryable: false },
  );
}

/**
 * A hyparquet-writer `Writer` that keeps what was encoded since the last `take()`: ParquetWriter calls
 * `flush()` after each row group and `finish()` at the end; the bytes are handed to the stream between.
 */
function collectingWriter(): { writer: Writer; take: () => Uint8Array[] } {
  const bytes = new ByteWriter();
  const writer: Writer = bytes;
  let chunks: Uint8Array[] = [];
  const drain = () => {
    if (bytes.index === 0) return;
    // A copy: the ByteWriter reuses its buffer once `index` is reset.
    chunks.push(new Uint8Array(bytes.buffer.slice(0, bytes.index)));
    bytes.index = 0;
  };
  writer.flush = drain;
  writer.finish = drain;
  return {
    writer,
    take: () => {
      drain();
      const taken = chunks;
      chunks = [];
      return taken;
    },
  };
}

/** Writes `chunks` to `out`, resolving once the stream took each (its callback: errors and backpressure). */
async function send(out: NodeJS.WritableStream | Writable, chunks: readonly Uint8Array[]): Promise<void> {
  for (const chunk of chunks) {
    await new Promise<void>((resolve, reject) => {
      out.write(chunk, (error?: Error | null) => (error ? reject(error) : resolve()));
    });
  }
}

async function endStream(out: NodeJS.WritableStream | Writable): Promise<void> {
  // Ending stdout/stderr would close the process's own output; their bytes are already accepted.
  if (out === process.stdout || out === process.stderr) return;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    // guard-exempt: onError only rejects a promise the caller awaits; it cannot throw
    out.once('error', onError);
    out.end(() => {
      out.removeListener('error', onError);
      resolve();
    });
  });
}
