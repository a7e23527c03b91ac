import type { DeadLetterInput } from '../component/context.js';
import { ErrorCode, SdkError, toSdkError, errorMessage } from '../model/errors.js';

/** Where a guard sends what a callback threw: the pipeline's `report` and dead-letter (a StageContext fits). */
export interface GuardTarget {
  /** Reports what a callback threw (the pipeline's `error` event, or its logger). */
  readonly report: (error: unknown) => void;
  /** Writes the input of a failed callback to the dead-letter file. */
  readonly deadLetter?: (entry: DeadLetterInput) => void;
}

/**
 * What to do with the input of a callback that threw. Runs after the error was reported; whatever it
 * returns as `raw`/`data` goes to the dead-letter file with reason `callback_failed`. This is where a
 * caller acknowledges the input (MQTT PUBACK, settle), so the broker does not redeliver a message that
 * kills the process again (issue 11: a crash loop from one 6 KB statestream message).
 */
export type GuardRecover<A extends readonly unknown[]> = (
  error: SdkError,
  ...args: A
) => { readonly raw?: unknown; readonly data?: Readonly<Record<string, unknown>> } | void;

/**
 * A guard bound to a component: `guard(what, callback, recover?)` returns the callback to register;
 * `guard.report(error)` sends a failure that has no caller (a rejected background save) the same way.
 */
export interface Guard {
  <A extends readonly unknown[]>(
    what: string,
    fn: (...args: A) => unknown,
    recover?: GuardRecover<A>,
  ): (...args: A) => void;
  /** Reports an error through the same channel as the guarded callbacks (for code that caught it itself). */
  readonly report: (error: unknown) => void;
}

/**
 * Makes the one guard every callback that runs outside a caller's `try` goes through (timers, socket and
 * client events, stream handlers). A synchronous throw or a rejected promise becomes an SdkError
 * (`INTERNAL` unless it already is one) with `stage` and `data.callback` set, is reported, then
 * `recover` runs to acknowledge and describe the input, and a `callback_failed` dead-letter record is
 * written. Nothing escapes: an error thrown by `recover` itself is reported too. The guarded function
 * returns `undefined` so emitters and timers never see a promise.
 *
 * The lint rule `ha-ingestor/guarded-callbacks` refuses an unguarded callback at those call sites.
 *
 * @example
 * const guard = createGuard(ctx, 'source:mqtt');
 * timer = setTimeout(guard('statestream window', () => flush(id), (error) => settleAsFailed(id)), 100);
 */
export function createGuard(target: GuardTarget, stage: string): Guard {
  const guard = <A extends readonly unknown[]>(
    what: string,
    fn: (...args: A) => unknown,
    recover?: GuardRecover<A>,
  ) => {
    const fail = (thrown: unknown, args: A): void => {
      const error = asCallbackError(thrown, stage, what);
      safely(target.report, error);
      let described: ReturnType<GuardRecover<A>> = undefined;
      try {
        described = recover?.(error, ...args);
      } catch (recoverError) {
        safely(target.report, asCallbackError(recoverError, stage, `${what} (recover)`));
      }
      if (target.deadLetter === undefined) return;
      safely(target.deadLetter, {
        stage,
        reason: 'callback_failed',
        message: `${what}: ${error.message}`,
        code: error.code,
        ...(described?.raw === undefined ? {} : { raw: described.raw }),
        data: { callback: what, ...described?.data },
      });
    };
    return (...args: A): void => {
      try {
        const result = fn(...args);
        if (isPromiseLike(result)) result.then(undefined, (thrown: unknown) => fail(thrown, args));
      } catch (thrown) {
        fail(thrown, args);
      }
    };
  };
  const report = (error: unknown): void => safely(target.report, toSdkError(error, ErrorCode.INTERNAL, stage));
  return Object.assign(guard, { report });
}

/**
 * A guard for code with no pipeline (the HA simulator, the HTTP server, CLI helpers): errors go to the
 * given reporter, typically `logger.error`. Same contract as {@link createGuard} minus the dead-letter.
 */
export function createReportingGuard(report: (error: SdkError) => void, stage: string): Guard {
  return createGuard({ report: (error) => report(toSdkError(error, ErrorCode.INTERNAL, stage)) }, stage);
}

// --- internal ---

function asCallbackError(thrown: unknown, stage: string, what: string): SdkError {
  const base = toSdkError(thrown, ErrorCode.INTERNAL, stage);
  // A RangeError from a deep structure says only "Maximum call stack size exceeded": keep it, name the place.
  return new SdkError(base.code, base.message, {
    stage: base.stage ?? stage,
    retryable: false,
    cause: thrown,
    data: { ...base.data, callback: what },
  });
}

function safely<T>(fn: (value: T) => void, value: T): void {
  try {
    fn(value);
  } catch (reporterError) {
    // The reporter itself failed: stderr is the last place left; throwing here would kill the process the
    // guard protects.
    const message = errorMessage(reporterError);
    process.stderr.write(`ha-ingestor: a guard's reporter threw: ${message}\n`);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
