import type { Logger } from './logger.js';
import type { OutboxOptions } from './pipeline.js';

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
  readonly close: () => Promise<void>;
}

/** Extra arguments of {@link openOutbox}. */
export interface OpenOutboxOptions extends OutboxOptions {
  /** Name used in logs and errors (e.g. the sink name). */
  readonly name: string;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Called with the number of records dropped by the whenFull policy and the policy name. */
  readonly onDrop?: (records: number, reason: 'drop-oldest' | 'drop-newest') => void;
}
