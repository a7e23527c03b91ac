import type { Writable } from 'node:stream';
import { ErrorCode, SdkError } from '@ha-ingestor/core';

/**
 * A column of an export. The types are the Parquet writer's (`@ha-ingestor/sink-parquet`'s
 * `ParquetColumn`), so its stream writer takes these columns as they are.
 */
export interface ExportColumn {
  readonly name: string;
  readonly type: 'timestamp_us' | 'double' | 'string' | 'boolean' | 'int64';
  readonly nullable?: boolean;
}

/**
 * Writes rows of one export to a stream. Columns are fixed when the writer is made; rows are arrays in
 * column order. `write` resolves when the stream can take more (backpressure), `end` when the stream
 * has flushed everything. The same shape as sink-parquet's `ParquetStreamWriter`.
 */
export interface RowWriter {
  readonly write: (rows: readonly (readonly unknown[])[]) => Promise<void>;
  readonly end: () => Promise<void>;
  readonly rowsWritten: number;
}

/** Makes the writer of a format for `out` and `columns`. */
export type RowWriterFactory = (out: Writable, columns: readonly ExportColumn[]) => RowWriter;

/** How a text format is framed: the text before the first row, each slice of rows, the text at the end. */
export interface TextFraming {
  readonly head?: (columns: readonly ExportColumn[]) => string;
  readonly rows: (rows: readonly (readonly unknown[])[], columns: readonly ExportColumn[], first: boolean) => string;
  readonly tail?: (wroteRows: boolean) => string;
}

/**
 * A text writer over a framing. The head is written with the first rows (or at `end`), so a caller that
 * fails before any row (HTTP: the query failed) can still answer with a proper error status.
 * After a `false` from `out.write` it waits for `drain`; a stream that closes or errors meanwhile
 * rejects the pending write with ABORTED, so the export stops instead of waiting forever.
 */
export function createTextRowWriter(out: Writable, columns: readonly ExportColumn[], framing: TextFraming): RowWriter {
  let rowsWritten = 0;
  let started = false;
  const put = async (text: string): Promise<void> => {
    if (text === '') return;
    if (out.destroyed || out.writableEnded) throw closed();
    if (out.write(text)) return;
    await drained(out);
  };
  const start = () => {
    if (started) return '';
    started = true;
    return framing.head?.(columns) ?? '';
  };
  return {
    write: async (rows) => {
      if (rows.length === 0) return;
      const text = start() + framing.rows(rows, columns, rowsWritten === 0);
      rowsWritten += rows.length;
      await put(text);
    },
    end: async () => {
      await put(start() + (framing.tail?.(rowsWritten > 0) ?? ''));
      await finished(out);
    },
    get rowsWritten() {
      return rowsWritten;
    },
  };
}

// --- internal ---

function closed(): SdkError {
  return new SdkError(ErrorCode.ABORTED, 'export output closed before the export finished', { retryable: false });
}

function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(closed());
    };
    // guard-exempt: resolve/reject and listener removal cannot throw
    out.on('drain', onDrain);
    // guard-exempt: as above
    out.on('close', onClose);
    // guard-exempt: as above
    out.on('error', onClose);
  });
}

function finished(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (out.writableFinished) return resolve();
    if (out.destroyed) return reject(closed());
    const onFinish = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      out.off('finish', onFinish);
      reject(error);
    };
    // guard-exempt: resolve/reject and listener removal cannot throw
    out.once('finish', onFinish);
    // guard-exempt: as above
    out.once('error', onError);
    out.end();
  });
}
