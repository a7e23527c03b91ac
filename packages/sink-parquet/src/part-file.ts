import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCHIVE_COLUMNS, ARCHIVE_COLUMNS_BEFORE_HOME } from './event-row.js';
import type { ParquetCompression } from './compression.js';
import { exists, readStagedRows, syncDir, type HourKey, type StagedPart } from './staging.js';
import { createParquetStreamWriter } from './stream-writer.js';

/** How a part file is written. */
export interface PartFileOptions {
  /** Archive root. */
  readonly dir: string;
  readonly compression: ParquetCompression;
  readonly rowGroupRows: number;
  /** A damaged staging line that was skipped. */
  readonly onBadLine: (part: StagedPart, lineNumber: number, problem: string) => void;
}

/** The hive partition directory of `hour`: `<dir>/date=YYYY-MM-DD/hour=HH`. */
export function partitionDir(dir: string, hour: HourKey): string {
  return join(dir, `date=${hour.date}`, `hour=${hour.hour}`);
}

/** The final path of the part file a staged part becomes. */
export function partPath(dir: string, part: Pick<StagedPart, 'id' | 'hour'>): string {
  return join(partitionDir(dir, part.hour), `part-${part.id}.parquet`);
}

/**
 * Converts a staged part into its part file: rows are streamed from the staging file into a temporary
 * `.part-<id>.parquet.tmp` (a name DuckDB's `*.parquet` globs skip) one row group at a time, the file is
 * fsynced, renamed to `part-<id>.parquet` and the directory fsynced. A crash at any point leaves either
 * no part file (the staging file is still there) or a complete one. Returns the part file (none for a staging file without rows).
 */
export async function writePartFile(part: StagedPart, options: PartFileOptions): Promise<PartFileResult> {
  const target = partPath(options.dir, part);
  // A previous run renamed the part but crashed before deleting the staging file: the part is complete.
  if (await exists(target)) return { file: target, rows: 0, existed: true };
  const folder = partitionDir(options.dir, part.hour);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.part-${part.id}.parquet.tmp`);
  const writer = createParquetStreamWriter(createWriteStream(temp), {
    columns: [...ARCHIVE_COLUMNS],
    rowGroupRows: options.rowGroupRows,
    compression: options.compression,
  });
  for await (const rows of readStagedRows(part.path, options.rowGroupRows, (n, problem) =>
    options.onBadLine(part, n, problem),
  ))
    await writer.write(rows.map(completeRow));
  await writer.end();
  if (writer.rowsWritten === 0) {
    await unlink(temp);
    return { file: undefined, rows: 0, existed: false };
  }
  const handle = await open(temp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  await syncDir(folder);
  return { file: target, rows: writer.rowsWritten, existed: false };
}

/** What {@link writePartFile} did. */
export interface PartFileResult {
  /** The part file; `undefined` when the staging file had no rows. */
  readonly file: string | undefined;
  /** Rows written now (0 when the part file already `existed`). */
  readonly rows: number;
  /** The part file was already there (renamed by a run that crashed before deleting its staging file). */
  readonly existed: boolean;
}

/** Deletes `.part-*.parquet.tmp` files a crash left mid-conversion under `dir` (their staging files remain). */
export async function removeTempParts(dir: string): Promise<number> {
  let removed = 0;
  for (const dateDir of await entries(dir, 'date=')) {
    for (const hourDir of await entries(join(dir, dateDir), 'hour=')) {
      const folder = join(dir, dateDir, hourDir);
      for (const name of await readdir(folder)) {
        if (!name.startsWith('.part-') || !name.endsWith('.parquet.tmp')) continue;
        await unlink(join(folder, name));
        removed++;
      }
    }
  }
  return removed;
}

// --- internal ---

async function entries(dir: string, prefix: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && d.name.startsWith(prefix))
      .map((d) => d.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A row staged by a version without the `home` column gets a null `home`; any other row is left as it is. */
function completeRow(row: unknown[]): unknown[] {
  return row.length === ARCHIVE_COLUMNS_BEFORE_HOME ? [...row, null] : row;
}
