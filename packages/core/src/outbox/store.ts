import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SdkError, errorMessage } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import { scanFrames, type FrameInfo } from './format.js';

/** One segment file of an outbox. Mutable bookkeeping owned by the outbox. */
export interface Segment {
  readonly path: string;
  /** Bytes in the file (valid frames plus any skipped tail). */
  size: number;
  /** Unacknowledged entries in the file; a non-active segment at 0 is deleted. */
  pending: number;
  deleted: boolean;
}

/** An entry found on disk when the outbox opened. */
export interface ScannedEntry extends FrameInfo {
  readonly segment: Segment;
}

/** What {@link loadOutboxDir} found. */
export interface LoadedOutbox {
  /** Segments still holding pending entries, oldest first. */
  readonly segments: Segment[];
  /** Pending (unacknowledged) entries in append order. */
  readonly pending: ScannedEntry[];
  /** Highest id acknowledged (or dropped) so far, from the cursor file; -1 when none. */
  readonly ackedThrough: number;
  /** Highest id seen anywhere (acknowledged or not); -1 when none. */
  readonly maxId: number;
}

export const CURSOR_FILE = 'cursor.json';
const SEGMENT_RE = /^segment-(\d+)(?:-\d+)?\.bin$/;

/** File name of a segment whose first entry has `firstId`. */
export function segmentFileName(firstId: number, attempt = 0): string {
  const base = `segment-${String(firstId).padStart(16, '0')}`;
  return attempt === 0 ? `${base}.bin` : `${base}-${attempt}.bin`;
}

/**
 * Opens an outbox directory after a restart or crash: reads the cursor, scans every segment, logs and
 * skips a torn or corrupt tail (keeping every frame before it), and deletes segments with nothing pending.
 */
export async function loadOutboxDir(dir: string, name: string, logger: Logger): Promise<LoadedOutbox> {
  await storage(name, `create ${dir}`, () => mkdir(dir, { recursive: true }));
  const ackedThrough = await readCursor(dir, name, logger);
  const files = (await storage(name, `list ${dir}`, () => readdir(dir))).filter((f) => SEGMENT_RE.test(f));
  const scanned: Array<{ segment: Segment; frames: FrameInfo[] }> = [];
  let maxId = ackedThrough;
  for (const file of files) {
    const path = join(dir, file);
    const data = await storage(name, `read ${path}`, () => readFile(path));
    const result = scanFrames(data);
    if (result.invalidAt !== undefined) {
      logger.warn(
        {
          outbox: name,
          segment: file,
          offset: result.invalidAt,
          reason: result.reason,
          skippedBytes: data.length - result.invalidAt,
          keptEntries: result.frames.length,
        },
        `outbox ${name}: torn or corrupt data in ${file} at byte ${result.invalidAt} skipped; the ${result.frames.length} entries before it are kept`,
      );
    }
    for (const frame of result.frames) maxId = Math.max(maxId, frame.id);
    scanned.push({ segment: { path, size: data.length, pending: 0, deleted: false }, frames: result.frames });
  }
  // Order by content, not by name: ids are monotonic across segments.
  scanned.sort((a, b) => (a.frames[0]?.id ?? -1) - (b.frames[0]?.id ?? -1));
  const segments: Segment[] = [];
  const pending: ScannedEntry[] = [];
  let lastId = ackedThrough;
  for (const { segment, frames } of scanned) {
    for (const frame of frames) {
      // Ids only grow; anything else is a duplicate or stray frame and is not replayed twice.
      if (frame.id <= lastId) continue;
      lastId = frame.id;
      pending.push({ ...frame, segment });
      segment.pending += 1;
    }
    if (segment.pending > 0) segments.push(segment);
    else await deleteSegment(segment, name, logger);
  }
  return { segments, pending, ackedThrough, maxId };
}

/** Persists the acknowledged position atomically (temp file + rename; fsync when asked). */
export async function writeCursor(dir: string, name: string, ackedThrough: number, fsync: boolean): Promise<void> {
  const file = join(dir, CURSOR_FILE);
  const tmp = `${file}.tmp`;
  await storage(name, `write ${file}`, async () => {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify({ ackedThrough }));
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  });
}

/** Deletes a segment file once (later calls and a file already gone are fine). */
export async function deleteSegment(segment: Segment, name: string, logger: Logger): Promise<void> {
  if (segment.deleted) return;
  segment.deleted = true;
  try {
    await unlink(segment.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    // Not fatal for delivery: the file only wastes space and its entries are acknowledged.
    logger.error({ outbox: name, segment: segment.path, err: error }, `outbox ${name}: cannot delete drained segment`);
  }
}

/** Runs a filesystem operation, turning failures into STORAGE_FAILED naming the outbox and what was done. */
export async function storage<T>(name: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new SdkError(ErrorCode.STORAGE_FAILED, `outbox ${name}: cannot ${what}: ${errorMessage(error)}`, {
      stage: `outbox:${name}`,
      cause: error,
    });
  }
}

// --- internal ---

async function readCursor(dir: string, name: string, logger: Logger): Promise<number> {
  const file = join(dir, CURSOR_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw new SdkError(ErrorCode.STORAGE_FAILED, `outbox ${name}: cannot read ${file}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  try {
    const value = (JSON.parse(text) as { ackedThrough?: unknown }).ackedThrough;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
  } catch (error) {
    logger.warn({ outbox: name, err: error }, `outbox ${name}: ${CURSOR_FILE} is not valid JSON`);
  }
  // Replaying acknowledged entries is safe (writes are idempotent); losing pending ones is not.
  logger.warn({ outbox: name }, `outbox ${name}: unreadable cursor; replaying every entry on disk`);
  return -1;
}
