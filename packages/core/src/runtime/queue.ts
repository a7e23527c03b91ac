import { ErrorCode, SdkError } from '../model/errors.js';
import { createSignal } from '../primitives/signal.js';

/**
 * A bounded FIFO of (value, tag) pairs in a ring of two parallel arrays, so pushing and taking allocate
 * nothing per item. Producers that find it full wait for space (backpressure) and are served strictly in
 * arrival order (the queue inserts a waiting item itself when space frees up); nothing is ever dropped.
 */
export interface BoundedQueue<T, G> {
  readonly capacity: number;
  /** Items queued now. */
  readonly length: () => number;
  /** Pushes when there is room and nobody waits before us; false otherwise (then use {@link put}). */
  readonly offer: (value: T, tag: G) => boolean;
  /** Pushes, waiting for space in FIFO order; rejects with ABORTED when `signal` aborts or the queue closes. */
  readonly put: (value: T, tag: G, signal?: AbortSignal) => Promise<void>;
  /** Moves up to `max` items into the output arrays (appended); returns how many. */
  readonly take: (max: number, values: T[], tags: G[]) => number;
  /** Resolves (true) when at least one item is queued or the queue is closed. */
  readonly waitForItems: () => Promise<boolean>;
  /** Refuses further pushes and rejects every waiting producer; queued items can still be taken. */
  readonly close: () => void;
  /** True once {@link BoundedQueue.close} was called. */
  readonly closed: () => boolean;
}

/** Creates a {@link BoundedQueue} holding at most `capacity` items. */
export function createBoundedQueue<T, G>(capacity: number): BoundedQueue<T, G> {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new SdkError(ErrorCode.CONFIG_INVALID, `queue capacity must be >= 1, got ${capacity}`);
  const values = new Array<T | undefined>(capacity);
  const tags = new Array<G | undefined>(capacity);
  let head = 0;
  let size = 0;
  let isClosed = false;
  const waiters: Waiter<T, G>[] = [];
  const items = createSignal(); // wakes the consumer waiting for the first item

  const insert = (value: T, tag: G) => {
    const at = (head + size) % capacity;
    values[at] = value;
    tags[at] = tag;
    size++;
    if (size === 1) items.notify();
  };
  const admitWaiters = () => {
    while (size < capacity && waiters.length > 0) {
      const w = waiters.shift() as Waiter<T, G>;
      insert(w.value, w.tag);
      w.settle(undefined);
    }
  };
  const closedError = () => new SdkError(ErrorCode.ABORTED, 'queue is closed');

  return {
    capacity,
    length: () => size,
    offer: (value, tag) => {
      if (isClosed) throw closedError();
      if (size >= capacity || waiters.length > 0) return false;
      insert(value, tag);
      return true;
    },
    put: (value, tag, signal) => {
      if (isClosed) return Promise.reject(closedError());
      if (signal?.aborted)
        return Promise.reject(new SdkError(ErrorCode.ABORTED, 'aborted while waiting for queue space'));
      if (size < capacity && waiters.length === 0) {
        insert(value, tag);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new SdkError(ErrorCode.ABORTED, 'aborted while waiting for queue space'));
        };
        const waiter: Waiter<T, G> = {
          value,
          tag,
          settle: (error) => {
            signal?.removeEventListener('abort', onAbort);
            if (error === undefined) resolve();
            else reject(error);
          },
        };
        // guard-exempt: onAbort removes the waiter from an array and rejects; it cannot throw
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    take: (max, outValues, outTags) => {
      const n = Math.min(max, size);
      for (let i = 0; i < n; i++) {
        outValues.push(values[head] as T);
        outTags.push(tags[head] as G);
        values[head] = undefined;
        tags[head] = undefined;
        head = (head + 1) % capacity;
      }
      size -= n;
      if (n > 0) admitWaiters();
      return n;
    },
    // Not async: an extra await here would let more emits pile up before the loop wakes (changes batching).
    waitForItems: () => (size > 0 || isClosed ? ALREADY : items.wait()),
    close: () => {
      if (isClosed) return;
      isClosed = true;
      const error = closedError();
      for (const w of waiters.splice(0)) w.settle(error);
      items.notify();
    },
    closed: () => isClosed,
  };
}

// --- internal ---

const ALREADY: Promise<boolean> = Promise.resolve(true);

interface Waiter<T, G> {
  readonly value: T;
  readonly tag: G;
  readonly settle: (error: SdkError | undefined) => void;
}
