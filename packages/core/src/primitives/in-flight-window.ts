/** A counting semaphore: the in-flight window of unacknowledged publishes of a sink (MQTT PUBACKs, JetStream PubAcks). */
export interface InFlightWindow {
  /** Resolves once a slot is free (at once while fewer than `size` are taken). */
  readonly acquire: () => Promise<void>;
  /** Frees a slot, handing it to the longest waiter. */
  readonly release: () => void;
  /** Slots taken now. */
  readonly inFlight: () => number;
}

/** Creates a window of `size` slots; waiters are served first come, first served. */
export function createInFlightWindow(size: number): InFlightWindow {
  let taken = 0;
  const waiters: (() => void)[] = [];
  return {
    acquire: () => {
      if (taken < size) {
        taken++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    release: () => {
      const next = waiters.shift();
      if (next)
        next(); // the slot passes straight to the waiter
      else taken = Math.max(0, taken - 1);
    },
    inFlight: () => taken,
  };
}
