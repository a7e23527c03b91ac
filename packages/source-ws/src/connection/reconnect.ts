import { backoffDelay } from '@ha-ingestor/core/resilience';

/** Delay bounds of the reconnect backoff. */
export interface ReconnectPolicy {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** A connection that lasted this long resets the backoff. */
  readonly stableAfterMs: number;
}

/** Tracks consecutive failures and decides the next wait; a stable connection resets it. */
export interface Backoff {
  /** Marks a successful connect at `at` (epoch ms). */
  readonly connected: (at: number) => void;
  /** Marks the end of a connection (or a failed attempt) at `at` and returns the wait before the next attempt. */
  readonly nextDelay: (at: number) => number;
  /** Consecutive failed attempts since the last reset. */
  readonly attempts: () => number;
}

/** Creates the reconnect backoff state of one source. */
export function createBackoff(policy: ReconnectPolicy, random: () => number): Backoff {
  let attempt = 0;
  let connectedAt: number | undefined;
  return {
    connected: (at) => {
      connectedAt = at;
    },
    nextDelay: (at) => {
      if (connectedAt !== undefined && at - connectedAt >= policy.stableAfterMs) attempt = 0;
      connectedAt = undefined;
      // Full-jitter capped exponential backoff: random() × min(maxDelayMs, minDelayMs × 2^attempt).
      const delay = backoffDelay(attempt, policy, random);
      attempt += 1;
      return delay;
    },
    attempts: () => attempt,
  };
}

/** Resolves after `ms` or when `signal` aborts (never rejects: the caller checks the signal). */
export function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    // guard-exempt: clears a timer, removes a listener and resolves a promise, none of which throws
    const timer = setTimeout(done, ms);
    // guard-exempt: as above
    signal.addEventListener('abort', done, { once: true });
  });
}
