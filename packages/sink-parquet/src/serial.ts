/**
 * Runs tasks one after another in call order, even when callers don't await: each task starts once every
 * earlier one settled, and its own outcome reaches its caller. (Core's `createLock` does the same but is
 * internal to core.)
 */
export function createSerial(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<void> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    // The caller receives this call's outcome through `run`; the chain only needs to know it settled.
    queue = run.then(settled, settled);
    return run;
  };
}

const settled = (): void => undefined;
