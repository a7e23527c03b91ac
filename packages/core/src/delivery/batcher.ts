import type { AckGroup } from '../runtime/ack.js';
import type { SdkError } from '../model/errors.js';
import type { Guard } from '../observability/guard.js';

/** A batch cut by the batcher: events with their ack groups (parallel arrays) and their estimated size. */
export interface Batch {
  readonly events: unknown[];
  readonly groups: AckGroup[];
  bytes: number;
}

/** Resolved triggers of a {@link Batcher}. */
export interface BatcherOptions {
  readonly maxSize: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
  /** How long a batch lingers for more events before it is cut, when the writer is free to take it. */
  readonly lingerMs: number;
  /** Whether the writer would start on a batch now (nothing in flight, nothing queued). */
  readonly canWrite: () => boolean;
  /** Size of one event in bytes (the sink's `sizeOf`, or {@link estimateSize}). */
  readonly sizeOf: (event: unknown) => number;
  /** Receives every cut batch, synchronously, in order. */
  readonly onBatch: (batch: Batch) => void;
  /** Wraps the age timer's callback: the pipeline's guard (reports, dead-letters `callback_failed`). */
  readonly guard: Guard;
  /**
   * The age timer's cut threw while handing `batch` on: nobody holds the batch any more, so it must be failed
   * (its sources redeliver) or it would stay in flight forever and hang `stop()`.
   */
  readonly onCutFailed: (batch: Batch, error: SdkError) => void;
}

/** Accumulates events and cuts a batch on count, bytes, linger or age, whichever comes first. */
export interface Batcher {
  readonly add: (event: unknown, group: AckGroup) => void;
  /** Cuts the current batch now (no-op when empty). */
  readonly flush: () => void;
  /** The writer became free: a batch that has lingered is cut now instead of waiting for `maxWaitMs`. */
  readonly writerIdle: () => void;
  /** Events waiting in the batch being built. */
  readonly pending: () => number;
  /** Stops the age timer (pending events stay; call flush first to keep them). */
  readonly close: () => void;
}

/**
 * Creates a batcher. A batch never exceeds `maxSize` events, nor `maxBytes` unless one event alone is
 * larger. It is cut when full; when it has lingered `lingerMs` since its first event and the writer is free
 * (at that moment, or as soon as the writer finishes: {@link Batcher.writerIdle}); and at `maxWaitMs`
 * regardless. So at home rates an event waits about `lingerMs`, and under load batches grow for as long as
 * the previous write takes (adaptive batching, as Nagle's algorithm does for TCP segments). One `setTimeout`
 * at a time, started by the first event of a batch (fake timers control it).
 */
export function createBatcher(options: BatcherOptions): Batcher {
  let current = newBatch();
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The current batch has lingered `lingerMs`: it goes as soon as the writer is free. */
  let lingered = false;
  /** The batch being handed to onBatch (set only while onBatch runs). */
  let handing: Batch | undefined;

  const cut = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    lingered = false;
    if (current.events.length === 0) return;
    const batch = current;
    current = newBatch();
    handing = batch;
    options.onBatch(batch);
    handing = undefined;
  };
  // Issue 11: a throw in the timer escaped to the process. Now it is reported, and the batch that was being
  // handed on is failed rather than stranded.
  const recoverCut = (error: SdkError) => {
    const stranded = handing;
    handing = undefined;
    if (stranded === undefined) return undefined;
    options.onCutFailed(stranded, error);
    return { data: { events: stranded.events.length } };
  };

  const ageTimer = options.guard('batch age timer', cut, recoverCut);
  const lingerTimer = options.guard(
    'batch linger timer',
    () => {
      timer = undefined;
      if (options.canWrite()) {
        cut();
        return;
      }
      lingered = true;
      timer = setTimeout(ageTimer, options.maxWaitMs - options.lingerMs);
    },
    recoverCut,
  );
  const lingering = options.lingerMs < options.maxWaitMs;

  return {
    add: (event, group) => {
      const size = options.sizeOf(event);
      if (current.events.length > 0 && current.bytes + size > options.maxBytes) cut();
      current.events.push(event);
      current.groups.push(group);
      current.bytes += size;
      if (current.events.length >= options.maxSize || current.bytes >= options.maxBytes) cut();
      else if (timer === undefined && !lingered)
        timer = lingering ? setTimeout(lingerTimer, options.lingerMs) : setTimeout(ageTimer, options.maxWaitMs);
    },
    flush: cut,
    writerIdle: () => {
      if (lingered) cut();
    },
    pending: () => current.events.length,
    close: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      lingered = false;
    },
  };
}

/**
 * A cheap size estimate of an event in bytes: string lengths and fixed costs for other values, two levels
 * deep (enough for `attributes`). Used when a sink has no `sizeOf`; it is a trigger, not an exact count.
 */
export function estimateSize(value: unknown): number {
  return estimate(value, 2);
}

/**
 * The sink's `sizeOf`, falling back to {@link estimateSize} when there is none or when it throws: a throwing
 * sizeOf must not strand an event half-taken (retained and counted as buffered, never batched). The first
 * failure goes to `onError` (a bug in the sink, reported once).
 */
export function sizeOfOrEstimate(
  sizeOf: ((event: unknown) => number) | undefined,
  onError: (error: unknown) => void,
): (event: unknown) => number {
  if (sizeOf === undefined) return estimateSize;
  let reported = false;
  return (event) => {
    try {
      return sizeOf(event);
    } catch (error) {
      if (!reported) onError(error);
      reported = true;
      return estimateSize(event);
    }
  };
}

// --- internal ---

function newBatch(): Batch {
  return { events: [], groups: [], bytes: 0 };
}

function estimate(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (depth === 0) return 64;
      let total = 2;
      if (Array.isArray(value)) {
        for (const item of value) total += estimate(item, depth - 1) + 1;
        return total;
      }
      for (const key in value) total += key.length + 4 + estimate((value as Record<string, unknown>)[key], depth - 1);
      return total;
    }
    default:
      return 0;
  }
}
