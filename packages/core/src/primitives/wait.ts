import { ErrorCode, SdkError } from '../model/errors.js';

/**
 * Waits for `ms` milliseconds, or until `until` settles, whichever is asked, but never past `signal`:
 * resolves `true` when the wait ran its course and `false` as soon as `signal` aborts (at once when it
 * already has). Never rejects (a rejected `until` counts as settled), and removes its abort listener and
 * timer whichever way it ends, so a long-lived signal collects nothing. Works with fake timers.
 *
 * Issue 12: the one abortable wait of the SDK; `sleep` is the same wait for code that wants an ABORTED
 * rejection instead of a boolean.
 *
 * @example
 * if (!(await waitOrAbort(backoffMs, ctx.signal))) return; // stopping
 */
export function waitOrAbort(until: number | PromiseLike<unknown>, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const end = (completed: boolean) => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      resolve(completed);
    };
    const aborted = () => end(false);
    const done = () => end(true);
    // guard-exempt: clears a timer, removes a listener and resolves a promise, none of which throws
    if (typeof until === 'number') timer = setTimeout(done, Math.max(0, until));
    else until.then(done, done);
    // guard-exempt: as above
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** Resolves after `ms`, or rejects with ABORTED (cause: the signal's reason) when `signal` aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (await waitOrAbort(ms, signal)) return;
  throw new SdkError(ErrorCode.ABORTED, 'operation aborted', { retryable: false, cause: signal?.reason });
}
