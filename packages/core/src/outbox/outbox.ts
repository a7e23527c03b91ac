import type { Logger } from '../observability/logger.js';
import { createDiskOutbox } from './disk.js';

export { OutboxOptionsSchema } from './options.js';
import type { OutboxFullInfo } from './full.js';
import type { OutboxOptions } from '../builder/types.js';

export type { OutboxFullInfo } from './full.js';

/** One appended batch, as read back from the outbox. */
export interface OutboxEntry<T> {
  /** Monotonic id (position) of the entry; entries are read back in append order. */
  readonly id: number;
  readonly records: readonly T[];
  /** Epoch ms when it was appended. */
  readonly appendedAt: number;
}

/**
 * A durable, bounded, append-only on-disk queue of batches (segment files). Survives a crash: a torn
 * tail is detected and skipped, everything before it is kept. Replays in order.
 */
export interface Outbox<T> {
  /**
   * Appends one batch; durable (per the fsync policy) when it resolves. When full: `block` waits for
   * space (honouring `signal`, rejecting with ABORTED), `drop-oldest` discards the oldest entries
   * (reported through `onDrop`), `drop-newest` rejects with BUFFER_OVERFLOW (and reports through `onDrop`).
   */
  readonly append: (records: readonly T[], signal?: AbortSignal) => Promise<void>;
  /** The oldest pending entry without removing it, or undefined when empty. */
  readonly peek: () => Promise<OutboxEntry<T> | undefined>;
  /** Removes an entry returned by `peek` once it was written; frees its space. */
  readonly ack: (entry: OutboxEntry<T>) => Promise<void>;
  /** Bytes on disk held by pending entries. */
  readonly bytes: () => number;
  /** Records (not entries) pending. */
  readonly size: () => number;
  /** Epoch ms of the oldest pending entry, or undefined when empty. */
  readonly oldestAppendedAt: () => number | undefined;
  /** True from the first append that found no room until pending bytes are back at or below half the cap. */
  readonly isFull: () => boolean;
  /**
   * From now on a full `block` outbox refuses (ABORTED, nothing written) instead of waiting, and an append
   * waiting for space now is refused. Appends that fit are still written. Issue 11: a stopping pipeline
   * waited up to its stop timeout for space that only a drain to a dead database could free.
   */
  readonly stopWaiting: () => void;
  readonly close: () => Promise<void>;
}

/** Extra arguments of {@link openOutbox}. */
export interface OpenOutboxOptions extends OutboxOptions {
  /** Name used in logs and errors (e.g. the sink name). */
  readonly name: string;
  readonly logger?: Logger;
  readonly now?: () => number;
  /**
   * Called with the number of records dropped by the whenFull policy and the policy name. `drop-newest`
   * (also used for a batch larger than `maxBytes`) is reported here *and* by the rejected `append`: the
   * pipeline counts such a batch once, as failed (its sources are told `onFailed`), never as dropped.
   */
  readonly onDrop?: (records: number, reason: 'drop-oldest' | 'drop-newest') => void;
  /**
   * Called when the outbox becomes full (an append found no room) and when it is no longer full (pending
   * bytes back at or below half the cap). The outbox itself logs both transitions once, and its drops at
   * most once per 10 s; this hook is for metrics and health.
   */
  readonly onFullChange?: (full: boolean, info: OutboxFullInfo) => void;
}

/**
 * Opens (or creates) a durable outbox in `options.dir`: append-only segment files of CRC-checked,
 * length-prefixed frames (see format.ts), a persisted acknowledged position (`cursor.json`,
 * atomic write-rename), and drained segments deleted. On open every segment is scanned; a torn or
 * corrupt tail is logged with its byte offset and skipped, and every entry before it is replayed.
 *
 * `bytes()` counts pending entries only; on disk there may additionally be up to one segment of already
 * acknowledged entries (the active segment is deleted once drained, on the next append or on close).
 *
 * @example
 * const outbox = await openOutbox<HaEvent>({ name: 'influx', dir: './data/outbox/influx', whenFull: 'drop-oldest' });
 * await outbox.append(batch);
 * for (let e = await outbox.peek(); e; e = await outbox.peek()) { await sink.write(e.records, ctx); await outbox.ack(e); }
 */
export function openOutbox<T>(options: OpenOutboxOptions): Promise<Outbox<T>> {
  return createDiskOutbox<T>(options);
}
