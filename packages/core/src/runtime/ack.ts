import type { Ack } from '../component/context.js';
import { ErrorCode, SdkError } from '../model/errors.js';

/** Shared bookkeeping of every open group: the runtime fails what is left when stop times out. */
export interface AckTracker {
  readonly open: Set<AckGroup>;
  readonly report: (error: unknown) => void;
}

/**
 * The acknowledgement state of one `emit`/`emitBatch` call. It counts obligations: one per event while the
 * event moves through the stages, plus one per sink tap the event reaches. When the count reaches zero the
 * group is handled (`onHandled`, once); the first failure fails it instead (`onFailed`, once, never both).
 *
 * A stage may hand an event on under a group of its own that settles into the source's group (the dedupe
 * stage does, to learn the outcome of that one event): such a group overrides {@link AckGroup.handled} and
 * {@link AckGroup.failed} and has no tracker (its parent is the one the runtime tracks).
 */
export class AckGroup {
  /** Obligations not yet settled. */
  private pending: number;
  private settled = false;

  constructor(
    private readonly ack: Ack | undefined,
    size: number,
    private readonly tracker: AckTracker | undefined,
  ) {
    this.pending = size;
    if (size === 0) this.finish();
    else tracker?.open.add(this);
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
    this.tracker?.open.delete(this);
    this.failed(error);
  }

  /** Runs once when every obligation is settled: tells the source (`onHandled`). */
  protected handled(): void {
    if (this.ack === undefined) return;
    try {
      this.ack.onHandled();
    } catch (callbackError) {
      this.tracker?.report(new SdkError(ErrorCode.INTERNAL, 'ack.onHandled threw', { cause: callbackError }));
    }
  }

  /** Runs once on the first failure: tells the source (`onFailed`). */
  protected failed(error: SdkError): void {
    const onFailed = this.ack?.onFailed;
    if (onFailed === undefined) return;
    try {
      onFailed(error);
    } catch (callbackError) {
      this.tracker?.report(new SdkError(ErrorCode.INTERNAL, 'ack.onFailed threw', { cause: callbackError }));
    }
  }

  // --- internal ---

  private finish(): void {
    this.settled = true;
    this.tracker?.open.delete(this);
    this.handled();
  }
}

/**
 * Releases one obligation for each group in `groups[from..to)`, coalescing runs of the same group so a
 * batch of one emitBatch costs one call.
 */
export function releaseAll(groups: readonly AckGroup[], from = 0, to = groups.length): void {
  forEachRun(groups, from, to, release);
}

/** Adds one obligation for each group in `groups[from..to)` (coalesced like {@link releaseAll}). */
export function retainAll(groups: readonly AckGroup[], from = 0, to = groups.length): void {
  forEachRun(groups, from, to, retain);
}

const release = (group: AckGroup, count: number): void => group.release(count);
const retain = (group: AckGroup, count: number): void => group.retain(count);

/** Calls `apply(group, n)` once per run of `n` consecutive identical groups in `groups[from..to)`. */
function forEachRun(
  groups: readonly AckGroup[],
  from: number,
  to: number,
  apply: (group: AckGroup, count: number) => void,
): void {
  let current: AckGroup | undefined;
  let count = 0;
  for (let i = from; i < to; i++) {
    const g = groups[i] as AckGroup;
    if (g === current) {
      count++;
      continue;
    }
    if (current !== undefined) apply(current, count);
    current = g;
    count = 1;
  }
  if (current !== undefined) apply(current, count);
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
