/**
 * A FIFO async mutex: `run(fn)` calls `fn` once every earlier `run` has settled. The outbox uses one
 * to keep appends in order (including their wait for space) and one for file-handle operations.
 */
export interface Lock {
  readonly run: <T>(fn: () => Promise<T>) => Promise<T>;
  /** True while a `run` is executing or queued. */
  readonly busy: () => boolean;
}

/** Creates a {@link Lock}. Errors of `fn` reach the caller of `run` and do not block later runs. */
export function createLock(): Lock {
  let locked = false;
  const waiting: Array<() => void> = [];
  return {
    run: async <T>(fn: () => Promise<T>): Promise<T> => {
      if (locked) await new Promise<void>((resolve) => waiting.push(resolve));
      else locked = true;
      try {
        return await fn();
      } finally {
        // Hand the lock straight to the next waiter (it stays locked), or release it.
        const next = waiting.shift();
        if (next) next();
        else locked = false;
      }
    },
    busy: () => locked,
  };
}
