import CircuitBreaker from 'opossum';
import { ErrorCode, SdkError, isSdkError } from '../model/errors.js';
import { createReportingGuard } from '../observability/guard.js';

/** State of a {@link Breaker}. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Options of {@link createBreaker}. */
export interface CreateBreakerOptions {
  /** Used in error messages (e.g. the sink name). */
  readonly name: string;
  /** Consecutive failures that open the breaker. */
  readonly threshold: number;
  /** Time the breaker stays open before one half-open trial call is let through. */
  readonly resetTimeoutMs: number;
  /**
   * Whether an error counts as a failure. Default: everything except SdkErrors SINK_REJECTED and
   * EVENT_INVALID (the database answered; the data was bad). Non-failures count as successes: they
   * reset the consecutive count and close a half-open breaker.
   */
  readonly isFailure?: (error: unknown) => boolean;
  /**
   * Receives what a state listener (or opossum event handler) threw; opossum fires `halfOpen` from its own
   * timer, where a throw would kill the process (issue 11). @default writes a line to stderr
   */
  readonly report?: (error: SdkError) => void;
}

/** A circuit breaker around async calls (on opossum), opening after `threshold` consecutive failures. */
export interface Breaker {
  /**
   * Runs `fn` through the breaker. While open (or half-open with its trial in flight) it rejects at once
   * with a retryable SINK_UNAVAILABLE whose `retryAfterMs` is the time left until the next trial.
   * Otherwise it settles like `fn`, with `fn`'s own error.
   */
  readonly fire: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The current state; `open` after shutdown. */
  readonly state: () => BreakerState;
  /** Calls `listener` on every transition; returns the unsubscribe function. A throwing listener is reported; the others still run. */
  readonly onStateChange: (listener: (state: BreakerState) => void) => () => void;
  /** Stops the reset timer and rejects every later `fire` (ABORTED). Idempotent. */
  readonly shutdown: () => void;
}

/**
 * Creates a circuit breaker. opossum opens on an error *percentage* over a rolling window, which is not
 * "N failures in a row": here its own rule is switched off (errorThresholdPercentage 100 can never be
 * exceeded) and a consecutive-failure counter calls opossum's `open()`. opossum still runs the rest:
 * the reset timer, the single half-open trial (`pendingClose`), closing on success, re-opening on failure.
 * opossum's own call timeout is off: sinks bound their calls themselves.
 *
 * @example
 * const breaker = createBreaker({ name: 'influx', threshold: 5, resetTimeoutMs: 30_000 });
 * await breaker.fire(() => writeBatch(lines));
 */
export function createBreaker(options: CreateBreakerOptions): Breaker {
  const isFailure = options.isFailure ?? defaultIsFailure;
  const threshold = Math.max(1, Math.floor(options.threshold));
  const circuit = new CircuitBreaker<[() => Promise<unknown>], unknown>((fn) => fn(), {
    name: options.name,
    timeout: false,
    resetTimeout: options.resetTimeoutMs,
    errorThresholdPercentage: 100,
    errorFilter: (error: unknown) => !isFailure(error),
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
  const listeners = new Set<(state: BreakerState) => void>();
  let consecutive = 0;
  let openedAt = 0;
  let isShutdown = false;
  const report = options.report ?? reportToStderr;
  const guard = createReportingGuard(report, `breaker:${options.name}`);

  /** Each listener on its own: one that throws is reported and can't keep the others (a drainer's wake-up) from running. */
  const notify = (state: BreakerState) => {
    for (const listener of [...listeners]) guard(`breaker ${state} listener`, listener)(state);
  };
  circuit.on(
    'failure',
    guard('breaker failure', () => {
      consecutive += 1;
      if (consecutive >= threshold && circuit.closed) circuit.open();
    }),
  );
  circuit.on(
    'success',
    guard('breaker success', () => {
      consecutive = 0;
    }),
  );
  circuit.on(
    'open',
    guard('breaker open', () => {
      openedAt = Date.now();
      notify('open');
    }),
  );
  circuit.on(
    'halfOpen',
    guard('breaker half-open', () => notify('half-open')),
  );
  circuit.on(
    'close',
    guard('breaker close', () => {
      consecutive = 0;
      notify('closed');
    }),
  );

  const state = (): BreakerState => {
    if (isShutdown || circuit.opened) return 'open';
    return circuit.halfOpen ? 'half-open' : 'closed';
  };

  const unavailable = (): SdkError => {
    const retryAt = openedAt + options.resetTimeoutMs;
    const retryAfterMs = Math.max(0, retryAt - Date.now());
    const message = circuit.halfOpen
      ? `breaker "${options.name}" is half-open: its trial call is in flight`
      : `breaker "${options.name}" is open after ${threshold} consecutive failures; next trial at ${new Date(retryAt).toISOString()} (in ${retryAfterMs} ms)`;
    return new SdkError(ErrorCode.SINK_UNAVAILABLE, message, {
      stage: `breaker:${options.name}`,
      retryable: true,
      retryAfterMs,
      data: { breaker: options.name, state: state() },
    });
  };

  return {
    fire: async <T>(fn: () => Promise<T>): Promise<T> => {
      if (isShutdown) {
        throw new SdkError(ErrorCode.ABORTED, `breaker "${options.name}" was shut down`, {
          stage: `breaker:${options.name}`,
          retryable: false,
        });
      }
      try {
        return (await circuit.fire(fn)) as T;
      } catch (error) {
        if (isOpenRejection(error)) throw unavailable();
        throw error;
      }
    },
    state,
    onStateChange: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    shutdown: () => {
      if (isShutdown) return;
      isShutdown = true;
      listeners.clear();
      circuit.shutdown();
    },
  };
}

// --- internal ---

function defaultIsFailure(error: unknown): boolean {
  return !(isSdkError(error, ErrorCode.SINK_REJECTED) || isSdkError(error, ErrorCode.EVENT_INVALID));
}

function reportToStderr(error: SdkError): void {
  process.stderr.write(`ha-ingestor: ${error.stage ?? 'breaker'}: ${error.message}\n`);
}

/** opossum's own "Breaker is open" rejection (not an error of the wrapped call). */
function isOpenRejection(error: unknown): boolean {
  return (
    error instanceof Error && CircuitBreaker.isOurError(error) && (error as { code?: unknown }).code === 'EOPENBREAKER'
  );
}
