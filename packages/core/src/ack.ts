import type { Ack } from './context.js';
import { ErrorCode, SdkError } from './errors.js';

/** Dedupe keys an event group commits once it is handled (see `dedupe.ts`). */
export interface DedupeCommitter {
  readonly commit: (series: readonly string[], keys: readonly string[]) => void;
}

/** Shared bookkeeping of every open group: the runtime fails what is left when stop times out. */
export interface AckTracker {
  readonly open: Set<AckGroup>;
  readonly report: (error: unknown) => void;
}

/**
 * The acknowledgement state of one `emit`/`emitBatch` call. It counts obligations: one per event while the
 * event moves through the stages, plus one per sink tap the event reaches. When the count reaches zero the
 * group is handled (`onHandled`, once); the first failure fails it instead (`onFailed`, once, never both).
 * Dedupe keys of the group's events are committed only on success.
 */
export class AckGroup {
  /** Obligations not yet settled. */
  private pending: number;
  private settled = false;
  private commits: PendingCommit[] | undefined;

  constructor(
    private readonly ack: Ack | undefined,
    size: number,
    private readonly tracker: AckTracker,
  ) {
    this.pending = size;
    if (size === 0) this.finish();
    else tracker.open.add(this);
  }

  /** True once onHandled or onFailed ran (or would have). */
  get done(): boolean {
    return this.settled;
  }

  /** Adds obligations (an event reached a sink tap). */
  retain(count: number): void {
    this.pending += count;
  }

  /** Settles obligations; the last one handles the group. */
  release(count: number): void {
    this.pending -= count;
    if (this.pending <= 0 && !this.settled) this.finish();
  }

  /** Fails the group: `onFailed` once, never `onHandled`. Later releases are ignored. */
  fail(error: SdkError): void {
    if (this.settled) return;
    this.settled = true;
    this.commits = undefined;
    this.tracker.open.delete(this);
    const onFailed = this.ack?.onFailed;
    if (onFailed === undefined) return;
    try {
      onFailed(error);
    } catch (callbackError) {
      this.tracker.report(new SdkError(ErrorCode.INTERNAL, 'ack.onFailed threw', { cause: callbackError }));
    }
  }

  /** Remembers a dedupe key to commit when (and only if) the group is handled. */
  addCommit(store: DedupeCommitter, series: string, key: string): void {
    if (this.settled) return;
    this.commits ??= [];
    let entry = this.commits.find((c) => c.store === store);
    if (entry === undefined) {
      entry = { store, series: [], keys: [] };
      this.commits.push(entry);
    }
    entry.series.push(series);
    entry.keys.push(key);
  }

  // --- internal ---

  private finish(): void {
    this.settled = true;
    this.tracker.open.delete(this);
    const commits = this.commits;
    this.commits = undefined;
    if (commits !== undefined) for (const c of commits) c.store.commit(c.series, c.keys);
    if (this.ack === undefined) return;
    try {
      this.ack.onHandled();
    } catch (callbackError) {
      this.tracker.report(new SdkError(ErrorCode.INTERNAL, 'ack.onHandled threw', { cause: callbackError }));
    }
  }
}

interface PendingCommit {
  readonly store: DedupeCommitter;
  readonly series: string[];
  readonly keys: string[];
}

/**
 * Releases one obligation for each group in `groups[from..to)`, coalescing runs of the same group so a
 * batch of one emitBatch costs one call.
 */
export function releaseAll(groups: readonly AckGroup[], from = 0, to = groups.length): void {
  let current: AckGroup | undefined;
  let count = 0;
  for (let i = from; i < to; i++) {
    const g = groups[i] as AckGroup;
    if (g === current) {
      count++;
      continue;
    }
    if (current !== undefined) current.release(count);
    current = g;
    count = 1;
  }
  if (current !== undefined) current.release(count);
}

/** Adds one obligation for each group in `groups[from..to)` (coalesced like {@link releaseAll}). */
export function retainAll(groups: readonly AckGroup[], from = 0, to = groups.length): void {
  let current: AckGroup | undefined;
  let count = 0;
  for (let i = from; i < to; i++) {
    const g = groups[i] as AckGroup;
    if (g === current) {
      count++;
      continue;
    }
    if (current !== undefined) current.retain(count);
    current = g;
    count = 1;
  }
  if (current !== undefined) current.retain(count);
}

/** Fails every group in `groups[from..to)` with `error` (each at most once). */
export function failAll(groups: readonly AckGroup[], error: SdkError, from = 0, to = groups.length): void {
  let last: AckGroup | undefined;
  for (let i = from; i < to; i++) {
    const g = groups[i] as AckGroup;
    if (g !== last) g.fail(error);
    last = g;
  }
}
