/**
 * A wake-up signal: tasks `wait()` for something to change, the code that changes it calls `notify()`,
 * and every task waiting at that moment resumes. Edge-triggered, like a condition variable: check the
 * condition, then wait, in the same synchronous step; a `notify()` with nobody waiting is not remembered.
 * A wait that gives up (its AbortSignal aborted) leaves nothing behind, and nor does a woken one.
 *
 * Issue 12: the delivery, the runtime, the intake queue and the outbox each hand-rolled this with a
 * `let waiter` or an array of resolvers, and `idle()` added one per call that was never removed.
 */
export interface Signal {
  /**
   * Resolves `true` at the next {@link Signal.notify}, or `false` as soon as `signal` aborts (at once when
   * it already has); never rejects.
   */
  readonly wait: (signal?: AbortSignal) => Promise<boolean>;
  /** Wakes every task waiting now. */
  readonly notify: () => void;
  /** Tasks waiting now. */
  readonly waiting: () => number;
}

/**
 * Creates a {@link Signal}.
 *
 * @example
 * const changed = createSignal();
 * while (queue.length === 0) if (!(await changed.wait(signal))) return; // aborted
 * // elsewhere: queue.push(item); changed.notify();
 */
export function createSignal(): Signal {
  const waiters = new Set<() => void>();
  return {
    wait: (signal) => {
      if (signal?.aborted) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const woken = () => {
          signal?.removeEventListener('abort', aborted);
          resolve(true);
        };
        const aborted = () => {
          waiters.delete(woken);
          resolve(false);
        };
        waiters.add(woken);
        // guard-exempt: deletes from a Set and resolves a promise, neither of which throws
        signal?.addEventListener('abort', aborted, { once: true });
      });
    },
    notify: () => {
      if (waiters.size === 0) return;
      const woken = [...waiters];
      waiters.clear();
      for (const wake of woken) wake();
    },
    waiting: () => waiters.size,
  };
}
