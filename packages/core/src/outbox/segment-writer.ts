import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SdkError, errorMessage } from '../model/errors.js';
import { createReportingGuard } from '../observability/guard.js';
import type { Logger } from '../observability/logger.js';
import { createLock } from '../primitives/lock.js';
import { segmentFileName, storage, type Segment } from './store.js';

/** Options of {@link createSegmentWriter}. */
export interface SegmentWriterOptions {
  readonly dir: string;
  readonly name: string;
  readonly fsync: 'always' | 'interval' | 'never';
  readonly fsyncIntervalMs: number;
  readonly segmentBytes: number;
  readonly logger: Logger;
  /** A new segment file was created (it becomes the active one). */
  readonly onCreated: (segment: Segment) => void;
  /** The active segment was closed (rolled over, failed, or the outbox closed). */
  readonly onRetired: (segment: Segment) => Promise<void>;
}

/** Appends frames to the active segment file of an outbox, rolling over and fsyncing per policy. */
export interface SegmentWriter {
  /** Appends one frame; resolves with where it went once it is written (and fsynced with `always`). */
  readonly append: (firstId: number, frame: Buffer) => Promise<{ segment: Segment; offset: number }>;
  readonly isActive: (segment: Segment) => boolean;
  /** fsyncs (unless `never`) and closes the active segment. */
  readonly close: () => Promise<void>;
}

/**
 * Creates the writer of an outbox's active segment. A segment is rolled over before a frame would take it
 * past `segmentBytes`, and also once everything in it was acknowledged (so a drained segment is deleted
 * instead of growing forever). A failed append cuts its partial frame off and retires the segment: a
 * frame is never written behind a torn one.
 */
export function createSegmentWriter(options: SegmentWriterOptions): SegmentWriter {
  const { dir, name, fsync, logger } = options;
  const lock = createLock();
  // No pipeline here: what the timer throws (or a failed fsync) is logged with the outbox's name (issue 11).
  const guard = createReportingGuard(
    (error) => logger.error({ outbox: name, err: error }, `outbox ${name}: ${error.message}`),
    `outbox:${name}`,
  );
  let active: { segment: Segment; handle: FileHandle } | undefined;
  let syncTimer: ReturnType<typeof setTimeout> | undefined;

  const retire = async (): Promise<void> => {
    const current = active;
    if (!current) return;
    active = undefined;
    try {
      if (fsync !== 'never') await storage(name, `fsync ${current.segment.path}`, () => current.handle.sync());
    } finally {
      await storage(name, `close ${current.segment.path}`, () => current.handle.close());
    }
    await options.onRetired(current.segment);
  };

  const activeFor = async (firstId: number, frameBytes: number): Promise<{ segment: Segment; handle: FileHandle }> => {
    const current = active?.segment;
    if (current && current.size > 0 && (current.size + frameBytes > options.segmentBytes || current.pending === 0))
      await retire();
    if (active) return active;
    for (let attempt = 0; ; attempt++) {
      const path = join(dir, segmentFileName(firstId, attempt));
      try {
        const handle = await open(path, 'wx');
        const segment: Segment = { path, size: 0, pending: 0, deleted: false };
        active = { segment, handle };
        options.onCreated(segment);
        if (fsync === 'always') await syncDir(dir, name);
        return active;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
        throw new SdkError(ErrorCode.STORAGE_FAILED, `outbox ${name}: cannot create ${path}: ${errorMessage(error)}`, {
          stage: `outbox:${name}`,
          cause: error,
        });
      }
    }
  };

  const scheduleSync = () => {
    if (fsync !== 'interval' || syncTimer !== undefined) return;
    // The next append schedules the sync again (syncTimer is cleared first), so a failed one is retried.
    syncTimer = setTimeout(
      guard('periodic fsync', () => {
        syncTimer = undefined;
        return lock.run(async () => {
          const current = active;
          if (current) await storage(name, `fsync ${current.segment.path}`, () => current.handle.sync());
        });
      }),
      options.fsyncIntervalMs,
    );
    syncTimer.unref?.();
  };

  return {
    append: (firstId, frame) =>
      lock.run(async () => {
        const target = await activeFor(firstId, frame.length);
        const offset = target.segment.size;
        try {
          let written = 0;
          while (written < frame.length) {
            const { bytesWritten } = await target.handle.write(
              frame,
              written,
              frame.length - written,
              offset + written,
            );
            written += bytesWritten;
          }
          if (fsync === 'always') await target.handle.sync();
        } catch (error) {
          // Never append after a partial frame: cut it off (best effort) and continue in a new segment.
          await target.handle
            .truncate(offset)
            .catch((truncateError: unknown) =>
              logger.error({ outbox: name, err: truncateError }, `outbox ${name}: cannot truncate a failed append`),
            );
          await retire();
          throw new SdkError(
            ErrorCode.STORAGE_FAILED,
            `outbox ${name}: cannot append to ${target.segment.path}: ${errorMessage(error)}`,
            {
              stage: `outbox:${name}`,
              cause: error,
            },
          );
        }
        target.segment.size += frame.length;
        target.segment.pending += 1;
        scheduleSync();
        return { segment: target.segment, offset };
      }),
    isActive: (segment) => active?.segment === segment,
    close: () =>
      lock.run(async () => {
        if (syncTimer !== undefined) clearTimeout(syncTimer);
        syncTimer = undefined;
        await retire();
      }),
  };
}

// --- internal ---

/** fsyncs a directory so a newly created file's entry survives a crash. */
async function syncDir(dir: string, name: string): Promise<void> {
  await storage(name, `fsync ${dir}`, async () => {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}
