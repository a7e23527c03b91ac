import pRetry, { AbortError } from 'p-retry';
import { ErrorCode, SdkError, isSdkError, toSdkError } from '../model/errors.js';
import { sleep } from '../primitives/wait.js';

/**
 * A server's Retry-After is honoured up to this many times `maxDelayMs`: a misbehaving server asking
 * for hours must not park a sink forever (the breaker and the outbox take over long outages).
 */
export const RETRY_AFTER_CAP_FACTOR = 10;

/** Delay bounds of a capped exponential backoff. */
export interface BackoffPolicy {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

/** Options of {@link withRetry}. */
export interface WithRetryOptions extends BackoffPolicy {
  /** Attempts after the first one (0 → call once). */
  readonly retries: number;
  /** Aborts the wait between attempts and rejects with ABORTED. */
  readonly signal?: AbortSignal;
  /**
   * Whether a failure is worth another attempt. Default: an SdkError's `retryable`; for anything else,
   * true only for network-ish errors (ECONNRESET, ECONNREFUSED, ETIMEDOUT, `fetch failed`, …).
   */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Called before each wait with the failure, the number of the attempt that failed (1-based) and the wait. */
  readonly onRetry?: (error: SdkError, attempt: number, delayMs: number) => void;
  /** Uniform [0, 1) source for the jitter (inject for deterministic tests). @default Math.random */
  readonly random?: () => number;
}

/**
 * Full-jitter backoff (AWS "Exponential Backoff And Jitter"): `random() × min(maxDelayMs, minDelayMs × 2^attempt)`,
 * but never less than a server's `retryAfterMs` (capped at `maxDelayMs × RETRY_AFTER_CAP_FACTOR`).
 * Pure; sources use it for their reconnect loops.
 *
 * @param attempt 0-based index of the retry: 0 for the wait after the first failure.
 * @example
 * const delay = backoffDelay(failures - 1, { minDelayMs: 500, maxDelayMs: 30_000 }, Math.random);
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** exponent);
  const jittered = Math.floor(clamp01(random()) * Math.max(0, ceiling));
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return jittered;
  const floor = Math.min(retryAfterMs, policy.maxDelayMs * RETRY_AFTER_CAP_FACTOR);
  return Math.max(jittered, Math.ceil(floor));
}

/**
 * Runs `fn` until it resolves, retrying retryable failures with full-jitter backoff (on p-retry).
 * Rejects with the last failure as an SdkError when it is not retryable or the retries are exhausted,
 * and with ABORTED when `signal` aborts (before the first attempt or during a wait).
 *
 * @example
 * await withRetry((attempt) => sink.write(batch, ctx), { retries: 5, minDelayMs: 500, maxDelayMs: 30_000, signal });
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: WithRetryOptions): Promise<T> {
  const { signal } = options;
  const isRetryable = options.isRetryable ?? defaultIsRetryable;
  const random = options.random ?? Math.random;
  if (signal?.aborted) throw abortedError(signal);
  // The jittered wait runs at the start of the next attempt, inside p-retry's input: p-retry's own timer
  // is 0 ms, so the wait is ours (abortable, fake-timer friendly). It ends at a deadline set when the
  // attempt failed, so p-retry's 0 ms hop does not lengthen it.
  let retryAt = 0;
  try {
    return await pRetry(
      async (attempt) => {
        try {
          const waitMs = retryAt - Date.now();
          if (waitMs > 0) await sleep(waitMs, signal);
          return await fn(attempt);
        } catch (error) {
          const failure = new AttemptFailure(error);
          // p-retry's AbortError stops retrying and rejects with the wrapped error as it is.
          if (signal?.aborted || !isRetryable(error)) throw new AbortError(failure);
          throw failure;
        }
      },
      {
        retries: Math.max(0, Math.floor(options.retries)),
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        ...(signal === undefined ? {} : { signal }),
        // Issue 14: given here so that p-retry's `options.shouldRetry ??= () => true` does not run. That default
        // adds a property holding a closure created per call to p-retry's copy of the options; V8 then kept the
        // write's closures (and with them the batch, its points and lines) alive across young-generation GCs:
        // every batch was promoted to the old generation. `gc-retention.test.ts` checks it.
        shouldRetry: retryEveryAttempt,
        onFailedAttempt: (error) => {
          if (error.retriesLeft <= 0 || !(error instanceof AttemptFailure)) return;
          const delayMs = backoffDelay(error.attemptNumber - 1, options, random, error.sdkError.retryAfterMs);
          retryAt = Date.now() + delayMs;
          options.onRetry?.(error.sdkError, error.attemptNumber, delayMs);
        },
      },
    );
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal);
    if (error instanceof AttemptFailure) throw error.sdkError;
    throw toSdkError(error);
  }
}

/** True for errors that look like a transient network failure (Node system codes, undici, fetch). */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  if (error instanceof TypeError && /fetch failed|network|socket/i.test(error.message)) return true;
  return error.cause !== undefined && error.cause !== error && isNetworkError(error.cause);
}

// --- internal ---

/** p-retry's `shouldRetry`: the decision is taken in the attempt (an AbortError stops), so always yes. */
const retryEveryAttempt = (): boolean => true;

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function defaultIsRetryable(error: unknown): boolean {
  return isSdkError(error) ? error.retryable : isNetworkError(error);
}

/** Carries one failed attempt through p-retry (which decorates what it gets) without touching the caller's error. */
class AttemptFailure extends Error {
  readonly sdkError: SdkError;
  constructor(readonly original: unknown) {
    const sdkError = toSdkError(original, isNetworkError(original) ? ErrorCode.CONNECTION_LOST : ErrorCode.INTERNAL);
    super(sdkError.message);
    this.sdkError = sdkError;
  }
}

function abortedError(signal: AbortSignal | undefined): SdkError {
  return new SdkError(ErrorCode.ABORTED, 'operation aborted', { retryable: false, cause: signal?.reason });
}

function clamp01(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
