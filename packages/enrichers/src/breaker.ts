import CircuitBreaker from 'opossum';
import { ErrorCode, SdkError } from '@ha-ingestor/core';

/**
 * A small circuit breaker on opossum with "N consecutive failures open it" semantics.
 *
 * Local stand-in with the same shape as core's planned `createBreaker` (packages/core/src/breaker.ts);
 * swap the import once that lands so there is one breaker in the SDK.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of {@link createBreaker}. */
export interface CreateBreakerOptions {
  /** Used in error messages. */
  readonly name: string;
  /** Consecutive failures that open the breaker. */
  readonly threshold: number;
  /** Time the breaker stays open before one half-open trial call. */
  readonly resetTimeoutMs: number;
  /** Which errors count as failures (default: all). A non-failure error passes through without opening it. */
  readonly isFailure?: (error: unknown) => boolean;
}

/** What {@link createBreaker} returns. */
export interface Breaker {
  /** Runs `fn` through the breaker; rejects with CONNECTION_LOST (`data.reason: 'breaker_open'`) while open. */
  readonly fire: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly state: () => BreakerState;
  /** Calls `listener` on every transition; returns an unsubscribe function. */
  readonly onStateChange: (listener: (state: BreakerState) => void) => () => void;
  /** Stops opossum's timers; later calls to `fire` reject. */
  readonly shutdown: () => void;
}

/** True when `error` is the rejection of {@link Breaker.fire} while the breaker is open. */
export function isBreakerOpenError(error: unknown): boolean {
  return error instanceof SdkError && error.data?.['reason'] === 'breaker_open';
}

/**
 * Creates a breaker that opens after `threshold` consecutive failures, lets one trial call through
 * after `resetTimeoutMs`, and closes again when that call succeeds.
 */
export function createBreaker(options: CreateBreakerOptions): Breaker {
  const isFailure = options.isFailure ?? (() => true);
  const cb = new CircuitBreaker(async (fn: () => Promise<unknown>) => fn(), {
    timeout: false,
    resetTimeout: options.resetTimeoutMs,
    // Opening is decided here (consecutive failures), not by opossum's rolling percentage.
    volumeThreshold: Number.MAX_SAFE_INTEGER,
    errorThresholdPercentage: 100,
    allowWarmUp: false,
    errorFilter: (error: unknown) => !isFailure(error),
  });
  let consecutive = 0;
  const listeners = new Set<(state: BreakerState) => void>();
  const notify = (state: BreakerState) => {
    for (const l of [...listeners]) l(state);
  };
  cb.on('success', () => {
    consecutive = 0;
  });
  cb.on('failure', () => {
    consecutive += 1;
    if (consecutive >= options.threshold && !cb.opened) cb.open();
  });
  cb.on('open', () => notify('open'));
  cb.on('halfOpen', () => notify('half-open'));
  cb.on('close', () => {
    consecutive = 0;
    notify('closed');
  });

  return {
    fire: async <T>(fn: () => Promise<T>): Promise<T> => {
      try {
        return (await cb.fire(fn)) as T;
      } catch (error) {
        if (isOpossumOpen(error)) {
          throw new SdkError(ErrorCode.CONNECTION_LOST, `${options.name}: circuit breaker open`, {
            retryable: true,
            data: { reason: 'breaker_open' },
          });
        }
        throw error;
      }
    },
    state: () => (cb.halfOpen ? 'half-open' : cb.opened ? 'open' : 'closed'),
    onStateChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    shutdown: () => {
      listeners.clear();
      cb.shutdown();
    },
  };
}

// --- internal ---

function isOpossumOpen(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === 'EOPENBREAKER';
}
