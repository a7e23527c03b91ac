import type { AckGroup } from './ack.js';

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
  /** Size of one event in bytes (the sink's `sizeOf`, or {@link estimateSize}). */
  readonly sizeOf: (event: unknown) => number;
  /** Receives every cut batch, synchronously, in order. */
  readonly onBatch: (batch: Batch) => void;
}

/** Accumulates events and cuts a batch on count, bytes or age, whichever comes first. */
export interface Batcher {
  readonly add: (event: unknown, group: AckGroup) => void;
  /** Cuts the current batch now (no-op when empty). */
  readonly flush: () => void;
  /** Events waiting in the batch being built. */
  readonly pending: () => number;
  /** Stops the age timer (pending events stay; call flush first to keep them). */
  readonly close: () => void;
}

/**
 * Creates a batcher. A batch never exceeds `maxSize` events, nor `maxBytes` unless one event alone is
 * larger. The age trigger is a `setTimeout` started by the first event of a batch (fake timers control it).
 */
export function createBatcher(options: BatcherOptions): Batcher {
  let current = newBatch();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const cut = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (current.events.length === 0) return;
    const batch = current;
    current = newBatch();
    options.onBatch(batch);
  };

  return {
    add: (event, group) => {
      const size = options.sizeOf(event);
      if (current.events.length > 0 && current.bytes + size > options.maxBytes) cut();
      current.events.push(event);
      current.groups.push(group);
      current.bytes += size;
      if (current.events.length >= options.maxSize || current.bytes >= options.maxBytes) cut();
      else if (timer === undefined) timer = setTimeout(cut, options.maxWaitMs);
    },
    flush: cut,
    pending: () => current.events.length,
    close: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
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
