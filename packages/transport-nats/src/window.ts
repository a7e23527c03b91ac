/** A counting semaphore: at most `max` holders; `acquire` waits for a free slot. */
export interface Window {
  readonly acquire: () => Promise<void>;
  readonly release: () => void;
  /** Slots held now. */
  readonly size: () => number;
}

/** Makes a {@link Window} of `max` slots (FIFO waiters). */
export function createWindow(max: number): Window {
  let held = 0;
  const waiters: Array<() => void> = [];
  return {
    acquire: () => {
      if (held < max) {
        held++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    release: () => {
      const next = waiters.shift();
      // The slot passes straight to the next waiter, so `held` stays the same.
      if (next !== undefined) next();
      else held--;
    },
    size: () => held,
  };
}
