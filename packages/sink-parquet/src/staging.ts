import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The append-only staging file of one open hour. A Parquet file cannot be appended to (its footer comes
 * last), so acknowledged rows are first appended here as NDJSON (one JSON array per row) and fsynced;
 * when the hour closes, the file is converted into one part file and deleted. After a crash the staging
 * files are the open hours: {@link recoverStagedParts} finds them again.
 */
export interface StagedPart {
  /** `<YYYYMMDD>T<HH>-<unique>`: names the staging file and the part file it becomes. */
  readonly id: string;
  readonly hour: HourKey;
  readonly path: string;
  /** Rows in the file (complete lines). */
  readonly rows: number;
  /** Appends complete NDJSON lines and (with `fsync`) syncs the data before resolving. */
  readonly append: (lines: string, count: number, fsync: boolean) => Promise<void>;
  /** Closes the file handle (the file stays). */
  readonly release: () => Promise<void>;
}

/** One UTC hour of event time. */
export interface HourKey {
  /** `YYYY-MM-DD` (the `date=` partition). */
  readonly date: string;
  /** `HH` (the `hour=` partition). */
  readonly hour: string;
  /** Start of the hour, epoch µs. */
  readonly startUs: number;
  /** `YYYYMMDDTHH`, sortable. */
  readonly id: string;
}

const HOUR_US = 3_600_000_000;
const SUFFIX = '.rows';
const STAGED_NAME = /^(\d{8}T\d{2})-([a-z0-9]+)\.rows$/;

/** The UTC hour `timeUs` falls in. */
export function hourOf(timeUs: number): HourKey {
  const startUs = Math.floor(timeUs / HOUR_US) * HOUR_US;
  const iso = new Date(startUs / 1000).toISOString(); // YYYY-MM-DDTHH:…
  const date = iso.slice(0, 10);
  const hour = iso.slice(11, 13);
  return { date, hour, startUs, id: `${date.replaceAll('-', '')}T${hour}` };
}

/** End of `hour` (exclusive), epoch µs. */
export function hourEndUs(hour: HourKey): number {
  return hour.startUs + HOUR_US;
}

/** Starts a new, empty staging file for `hour` in `stagingDir`. */
export async function createStagedPart(stagingDir: string, hour: HourKey, nowMs: number): Promise<StagedPart> {
  await mkdir(stagingDir, { recursive: true });
  const id = `${hour.id}-${nowMs.toString(36)}${randomBytes(4).toString('hex')}`;
  const path = join(stagingDir, `${id}${SUFFIX}`);
  const handle = await open(path, 'ax');
  await syncDir(stagingDir);
  return stagedPart(id, hour, path, handle, 0);
}

/** What {@link recoverStagedParts} found. */
export interface Recovered {
  readonly parts: StagedPart[];
  /** Bytes of torn last lines cut off (a write that crashed before its fsync, never acknowledged). */
  readonly tornBytes: number;
  /** Rows found in the recovered files. */
  readonly rows: number;
}

/**
 * Reopens the staging files a previous run left (its open hours), oldest hour first. A torn last line
 * (the crash hit mid-append, before the fsync that would have acknowledged it) is cut off, so new rows
 * start on a clean line. Files whose name is not a staging name are left alone.
 */
export async function recoverStagedParts(stagingDir: string): Promise<Recovered> {
  let names: string[];
  try {
    names = await readdir(stagingDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { parts: [], tornBytes: 0, rows: 0 };
    throw error;
  }
  const parts: StagedPart[] = [];
  let tornBytes = 0;
  let rows = 0;
  for (const name of names.sort()) {
    const match = STAGED_NAME.exec(name);
    if (!match) continue;
    const id = name.slice(0, -SUFFIX.length);
    const hour = hourFromId(match[1] as string);
    const path = join(stagingDir, name);
    const fixer = await open(path, 'r+');
    try {
      const size = (await fixer.stat()).size;
      const end = await endOfLastLine(fixer, size);
      if (end < size) {
        await fixer.truncate(end);
        await fixer.sync();
        tornBytes += size - end;
      }
    } finally {
      await fixer.close();
    }
    const count = await countLines(path);
    rows += count;
    parts.push(stagedPart(id, hour, path, await open(path, 'a'), count));
  }
  return { parts, tornBytes, rows };
}

/**
 * The rows of a staging file in batches of up to `batchRows`, parsed. A line that is not a JSON array
 * (damaged on disk) goes to `onBadLine` and is skipped, so one bad line never loses the hour.
 */
export async function* readStagedRows(
  path: string,
  batchRows: number,
  onBadLine: (lineNumber: number, problem: string) => void,
): AsyncGenerator<unknown[][]> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let batch: unknown[][] = [];
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.length === 0) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      onBadLine(lineNumber, error instanceof Error ? error.message : String(error));
      continue;
    }
    if (!Array.isArray(row)) {
      onBadLine(lineNumber, 'not a JSON array');
      continue;
    }
    batch.push(row);
    if (batch.length >= batchRows) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Deletes a staging file once its part file is durable. */
export async function removeStaged(part: StagedPart, stagingDir: string): Promise<void> {
  await part.release();
  await unlink(part.path);
  await syncDir(stagingDir);
}

/** fsyncs a directory, so a created, renamed or deleted entry survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

// --- internal ---

function stagedPart(id: string, hour: HourKey, path: string, handle: FileHandle, initialRows: number): StagedPart {
  let rows = initialRows;
  let released = false;
  return {
    id,
    hour,
    path,
    get rows() {
      return rows;
    },
    append: async (lines, count, fsync) => {
      // On a failure (disk full) the caller seals this part: a retried batch must not be glued onto a
      // torn line. A torn line left in the middle is skipped (and counted) when the part is finished.
      await handle.appendFile(lines, 'utf8');
      if (fsync) await handle.datasync();
      rows += count;
    },
    release: async () => {
      if (released) return;
      released = true;
      await handle.close();
    },
  };
}

function hourFromId(id: string): HourKey {
  const startMs = Date.UTC(
    Number(id.slice(0, 4)),
    Number(id.slice(4, 6)) - 1,
    Number(id.slice(6, 8)),
    Number(id.slice(9, 11)),
  );
  return hourOf(startMs * 1000);
}

/** Offset just after the last `\n` of the file (0 when it has none), read backwards in chunks. */
async function endOfLastLine(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}

async function countLines(path: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) count++;
  }
  return count;
}
