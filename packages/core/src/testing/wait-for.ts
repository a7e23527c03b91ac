// Waiting in tests: on an observable condition, never a fixed sleep (issue 12). No vitest import, so
// scripts outside vitest (bench/) may use it too.
import { inspect } from 'node:util';

// Taken when this module loads, before a test can call vi.useFakeTimers(): the wait keeps polling, and its
// deadline keeps running, in real time while a test fakes the clock. What it awaits then comes from real
// I/O (a socket, a child process); a condition that needs fake time to pass is the test's to advance.
const realSetTimeout = globalThis.setTimeout;
const realNow = Date.now;

/** Options of {@link waitFor}. */
export interface WaitForOptions<T, R extends T = T> {
  /** Whether the observed value is the awaited one; a type guard narrows the result. Default: the value is truthy. */
  readonly until?: ((value: T) => value is R) | ((value: T) => boolean) | undefined;
  /** @default 15_000 */
  readonly timeoutMs?: number | undefined;
  /** Pause between two observations. @default 10 */
  readonly intervalMs?: number | undefined;
}

/**
 * Observes `probe()` (sync or async) until `until(value)` holds and resolves with that value; rejects once
 * `timeoutMs` has passed, naming `what` and the last value observed. A probe that throws counts as not yet
 * (the error is the value observed), so a server that is still starting is simply probed again.
 *
 * @example
 * await waitFor(() => sink.written().length, 'three written events', { until: (n) => n >= 3 });
 * // → Error: timed out after 15000 ms waiting for three written events; last observed: 2
 */
export async function waitFor<T, R extends T = T>(
  probe: () => T | Promise<T>,
  what: string,
  options: WaitForOptions<T, R> = {},
): Promise<R> {
  const { until = Boolean, timeoutMs = 15_000, intervalMs = 10 } = options;
  const deadline = realNow() + timeoutMs;
  for (;;) {
    let observed: { readonly value: T } | { readonly error: unknown };
    try {
      const value = await probe();
      if (until(value)) return value as R;
      observed = { value };
    } catch (error) {
      observed = { error };
    }
    if (realNow() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last observed: ${describe(observed)}`);
    await new Promise((resolve) => realSetTimeout(resolve, intervalMs));
  }
}

// --- internal ---

const MAX_DESCRIPTION = 500;

function describe(observed: { readonly value: unknown } | { readonly error: unknown }): string {
  const text =
    'error' in observed
      ? `error ${observed.error instanceof Error ? `${observed.error.name}: ${observed.error.message}` : inspect(observed.error)}`
      : inspect(observed.value, { depth: 2, maxArrayLength: 10, maxStringLength: 200, breakLength: Infinity });
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}
