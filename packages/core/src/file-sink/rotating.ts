import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SdkError, errorMessage } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';

/** Options of {@link createRotatingFile}. */
export interface RotatingFileOptions {
  readonly dir: string;
  readonly prefix: string;
  /** File extension without the dot (`ndjson`, `lp`). */
  readonly ext: string;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly fsync: boolean;
  /** Written at the top of every new file (e.g. the line protocol import header). */
  readonly header?: string;
  readonly stage: string;
  readonly logger: Logger;
}

/** An append-only text file that rolls over to a new file by size and age. Not concurrency-safe: serialise calls. */
export interface RotatingFile {
  /** Appends `text` (durable when fsync is on); rotates first when the file is too big or too old. */
  readonly append: (text: string, now: number) => Promise<void>;
  /** Path of the file being written, if one is open. */
  readonly current: () => string | undefined;
  /** Every file this writer created, oldest first. */
  readonly files: () => readonly string[];
  readonly close: () => Promise<void>;
}

/**
 * Creates a rotating file writer. Every run starts a new file (a previous run's file may end in a torn
 * line); names carry the UTC time the file was opened, so they sort by time. After a failed append the
 * partial text is cut off and the next append starts a new file, so a file never holds half a batch.
 */
export function createRotatingFile(options: RotatingFileOptions): RotatingFile {
  let handle: FileHandle | undefined;
  let path: string | undefined;
  let size = 0;
  let headerBytes = 0;
  let openedAt = 0;
  const created: string[] = [];

  const fail = (what: string, error: unknown): SdkError =>
    new SdkError(ErrorCode.SINK_UNAVAILABLE, `${options.stage}: cannot ${what}: ${errorMessage(error)}`, {
      stage: options.stage,
      retryable: true,
      cause: error,
      data: { ...(path === undefined ? {} : { path }), code: (error as NodeJS.ErrnoException).code },
    });

  const closeCurrent = async (): Promise<void> => {
    const h = handle;
    handle = undefined;
    path = undefined;
    if (h) await h.close();
  };

  const openNew = async (now: number): Promise<FileHandle> => {
    await mkdir(options.dir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      // `_0001` sorts after `.ext`, so names of files opened in the same millisecond still sort in order.
      const name = `${options.prefix}-${stamp(now)}${attempt === 0 ? '' : `_${String(attempt).padStart(4, '0')}`}.${options.ext}`;
      const candidate = join(options.dir, name);
      try {
        const h = await open(candidate, 'wx');
        handle = h;
        path = candidate;
        created.push(candidate);
        openedAt = now;
        size = 0;
        headerBytes = 0;
        if (options.header) {
          const header = Buffer.from(options.header, 'utf8');
          await writeAll(h, header, 0);
          size = headerBytes = header.length;
        }
        if (options.fsync) await syncDir(options.dir);
        return h;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 9999) continue;
        throw error;
      }
    }
  };

  return {
    append: async (text, now) => {
      const data = Buffer.from(text, 'utf8');
      if (data.length === 0) return;
      const hasData = size > headerBytes;
      if (handle && hasData && (size + data.length > options.maxBytes || now - openedAt >= options.maxAgeMs)) {
        try {
          if (options.fsync) await handle.sync();
          await closeCurrent();
        } catch (error) {
          throw fail('close the full file', error);
        }
      }
      let h: FileHandle;
      try {
        h = handle ?? (await openNew(now));
      } catch (error) {
        throw fail(`create a file in ${options.dir}`, error);
      }
      const offset = size;
      try {
        await writeAll(h, data, offset);
        if (options.fsync) await h.sync();
        size += data.length;
      } catch (error) {
        const failure = fail('write', error);
        // Never leave half a batch behind: cut it off (best effort) and start a new file next time.
        await h
          .truncate(offset)
          .catch((e: unknown) =>
            options.logger.error({ err: e, path }, `${options.stage}: cannot truncate a failed write`),
          );
        await closeCurrent().catch((e: unknown) =>
          options.logger.error({ err: e }, `${options.stage}: cannot close a failed file`),
        );
        throw failure;
      }
    },
    current: () => path,
    files: () => created,
    close: async () => {
      try {
        if (handle && options.fsync) await handle.sync();
        await closeCurrent();
      } catch (error) {
        throw fail('close', error);
      }
    },
  };
}

// --- internal ---

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    written += bytesWritten;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `20261129T153000123Z`: sortable, no characters that need quoting on any filesystem. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}
