import { backoffDelay } from '@ha-ingestor/core/resilience';

// Core's one abortable wait (issue 12); re-exported for ha-websocket-source.ts, which imports it from here.
export { waitOrAbort } from '@ha-ingestor/core/resilience';

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
