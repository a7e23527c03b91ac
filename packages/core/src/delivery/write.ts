import type { Breaker } from './breaker.js';
import type { AnySink } from '../component/any.js';
import type { StageContext } from '../component/context.js';
import { ErrorCode, SdkError, isSdkError } from '../model/errors.js';
import type { WithRetryOptions } from './retry.js';
import type { ResolvedDeliveryOptions } from './options.js';
import type { SinkWriteResult } from '../component/sink.js';

/** What {@link createSinkWrite} needs. */
export interface SinkWriteEnv {
  readonly sink: AnySink;
  readonly breaker: Breaker;
  readonly options: ResolvedDeliveryOptions;
  readonly ctx: StageContext;
  readonly withRetry: <T>(fn: (attempt: number) => Promise<T>, options: WithRetryOptions) => Promise<T>;
  /** Aborted when the delivery is aborted or closed: every write rejects with ABORTED. */
  readonly signal: AbortSignal;
}

/** One sink's write path: retry → breaker → `sink.write`. */
export interface SinkWrite {
  /** Writes `events`, retrying retryable failures; rejects with the last failure (or ABORTED). */
  readonly write: (events: readonly unknown[]) => Promise<SinkWriteResult | void>;
  /**
   * The pipeline is stopping and the delivery has an outbox: failures are no longer retried and a retry
   * wait in progress is cut short (ABORTED), so the batch goes to the outbox (durable) instead of failing
   * when the stop timeout runs out.
   */
  readonly stopRetrying: () => void;
}

/**
 * Creates the write path of a delivery. The breaker is inside each retry attempt and counts each attempt;
 * an open breaker ends the retries at once (the caller moves the batch to the outbox, or fails it).
 */
export function createSinkWrite(env: SinkWriteEnv): SinkWrite {
  const { sink, breaker, options, ctx } = env;
  const name = sink.name;
  const metrics = ctx.metrics;
  let stopping = false;
  /** Aborts the retry wait of the write in progress, if it is waiting (one write at a time per delivery). */
  let cutWait: (() => void) | undefined;

  const write = async (batch: readonly unknown[]): Promise<SinkWriteResult | void> => {
    const own = new AbortController();
    const forward = () => own.abort(env.signal.reason);
    if (env.signal.aborted) forward();
    // guard-exempt: forward only aborts a child controller; abort() never throws (listeners report their own errors)
    else env.signal.addEventListener('abort', forward, { once: true });
    let waiting = false;
    cutWait = () => {
      if (waiting)
        own.abort(
          new SdkError(ErrorCode.ABORTED, `sink ${name}: retry wait cut short by stop`, { stage: `sink:${name}` }),
        );
    };
    try {
      return await env.withRetry(
        () => {
          waiting = false;
          const started = performance.now();
          return breaker
            .fire(() => sink.write(batch, ctx))
            .finally(() => {
              metrics.sinkWriteDuration.observe({ sink: name }, (performance.now() - started) / 1000);
            });
        },
        {
          retries: options.retry.retries,
          minDelayMs: options.retry.minDelayMs,
          maxDelayMs: options.retry.maxDelayMs,
          signal: own.signal,
          // An open breaker means "stop trying now". Unknown errors are retried: for a sink, treating a
          // surprise as transient loses nothing.
          // A RangeError is a data problem (a sink's serialiser overflowed on a deep event): retrying can't help;
          // the delivery isolates the event instead (issue 11).
          isRetryable: (e) =>
            !stopping && breaker.state() !== 'open' && !(e instanceof RangeError) && (!isSdkError(e) || e.retryable),
          onRetry: (error, n, delayMs) => {
            waiting = true;
            ctx.logger.warn(
              { sink: name, attempt: n, delayMs, code: error.code },
              `sink ${name}: write failed, retrying: ${error.message}`,
            );
          },
        },
      );
    } finally {
      env.signal.removeEventListener('abort', forward);
      cutWait = undefined;
    }
  };

  return {
    write,
    stopRetrying: () => {
      stopping = true;
      cutWait?.();
    },
  };
}
