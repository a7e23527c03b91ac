import type { OutboxOptions } from './options.js';
import type { Logger } from '../observability/logger.js';
import type { OutboxFullInfo } from './full.js';

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
  /** Closes the files; entries stay on disk for the next open. */
  readonly close: () => Promise<void>;
}

/** What `openOutbox` takes besides the data options: a name and hooks (functions, never in the schema). */
export interface OutboxHooks {
  /** Name used in logs and errors (e.g. the sink name). */
  readonly name: string;
  readonly logger?: Logger | undefined;
  /** Clock (epoch ms) for entry ages; injectable for tests. */
  readonly now?: (() => number) | undefined;
  /**
   * Called with the number of records dropped by the whenFull policy and the policy name. `drop-newest`
   * (also used for a batch larger than `maxBytes`) is reported here *and* by the rejected `append`: the
   * pipeline counts such a batch once, as failed (its sources are told `onFailed`), never as dropped.
   */
  readonly onDrop?: ((records: number, reason: 'drop-oldest' | 'drop-newest') => void) | undefined;
  /**
   * Called when the outbox becomes full (an append found no room) and when it is no longer full (pending
   * bytes back at or below half the cap). The outbox itself logs both transitions once, and its drops at
   * most once per 10 s; this hook is for metrics and health.
   */
  readonly onFullChange?: ((full: boolean, info: OutboxFullInfo) => void) | undefined;
}

/** Options of `openOutbox` (disk.ts): the schema's data options and the {@link OutboxHooks}. */
export type OpenOutboxOptions = OutboxOptions & OutboxHooks;
