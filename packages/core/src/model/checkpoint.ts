import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCode, SdkError, errorMessage } from './errors.js';

/** Small durable key → JSON value store for source positions (e.g. the WS source's HA-time watermark). */
export interface CheckpointStore {
  /** The value last saved under `key`, or undefined when there is none. */
  readonly load: <T>(key: string) => Promise<T | undefined>;
  /** Durable when it resolves (written to a temp file, fsynced, renamed over the old one). */
  readonly save: <T>(key: string, value: T) => Promise<void>;
}

/** Options of {@link createFileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /** Directory holding one `<key>.json` file per key. */
  readonly dir: string;
  /** fsync file and directory on save (default true); off only for tests and benchmarks. */
  readonly fsync?: boolean;
}

/**
 * A checkpoint store on disk with atomic write-rename: a crash leaves either the old or the new value,
 * never a torn file.
 */
export function createFileCheckpointStore(options: FileCheckpointStoreOptions): CheckpointStore {
  const fsync = options.fsync ?? true;
  const fileOf = (key: string) => join(options.dir, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  let seq = 0;
  return {
    load: async <T>(key: string) => {
      let text: string;
      try {
        text = await readFile(fileOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new SdkError(ErrorCode.STORAGE_FAILED, `checkpoint ${key}: cannot read: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new SdkError(ErrorCode.STORAGE_FAILED, `checkpoint ${key}: file is not valid JSON`, { cause: error });
      }
    },
    save: async <T>(key: string, value: T) => {
      const file = fileOf(key);
      const tmp = `${file}.${process.pid}.${seq++}.tmp`;
      try {
        await mkdir(dirname(file), { recursive: true });
        const handle = await open(tmp, 'w');
        try {
          await handle.writeFile(JSON.stringify(value));
          if (fsync) await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, file);
        if (fsync) {
          const dir = await open(dirname(file), 'r');
          try {
            await dir.sync();
          } finally {
            await dir.close();
          }
        }
      } catch (error) {
        throw new SdkError(ErrorCode.STORAGE_FAILED, `checkpoint ${key}: cannot write: ${errorMessage(error)}`, {
          cause: error,
        });
      }
    },
  };
}

/** An in-memory checkpoint store (tests, ephemeral runs). */
export function createMemoryCheckpointStore(): CheckpointStore & { readonly entries: Map<string, unknown> } {
  const entries = new Map<string, unknown>();
  return {
    entries,
    load: async <T>(key: string) => structuredClone(entries.get(key)) as T | undefined,
    save: async <T>(key: string, value: T) => {
      entries.set(key, structuredClone(value));
    },
  };
}
