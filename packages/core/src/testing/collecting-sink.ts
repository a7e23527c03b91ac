import { ErrorCode, SdkError } from '../model/errors.js';
import type { RejectedEvent, Sink, SinkWriteResult } from '../component/sink.js';
import { createSignal } from '../primitives/signal.js';

/** A sink for tests that records what it accepted and can be told to fail or hang. */
export interface CollectingSink<E> extends Sink<E> {
  /** Every accepted batch, in order (only after the write "succeeded"). */
  readonly batches: E[][];
  /** Every accepted event, flattened. */
  readonly written: () => E[];
  /** Number of `write` calls, including failed and hanging ones. */
  readonly writeCalls: () => number;
  /** Makes the next `count` writes reject with `error` (default: a retryable SINK_UNAVAILABLE). */
  readonly failNext: (count: number, error?: () => SdkError) => void;
  /** Makes writes hang from now on until {@link release} (a hanging write rejects with ABORTED if its signal aborts). */
  readonly hold: () => void;
  /** Lets held writes (and later ones) complete. */
  readonly release: () => void;
  /** How often `close` was called. */
  readonly closeCalls: () => number;
  /** True once `close` was called. */
  readonly closed: () => boolean;
}

/** Options of {@link collectingSink}. */
export interface CollectingSinkOptions<E> {
  readonly name?: string | undefined;
  /** Events (by predicate) returned as `rejected` instead of accepted. */
  readonly reject?: ((event: E) => string | undefined) | undefined;
}

/**
 * Creates an in-memory sink for tests of pipelines and delivery.
 *
 * @example
 * const sink = collectingSink<StateChangedEvent>();
 * sink.failNext(2);              // two retryable failures, then success
 * await p.stop();
 * expect(sink.written()).toHaveLength(3);
 */
export function collectingSink<E = unknown>(options: CollectingSinkOptions<E> = {}): CollectingSink<E> {
  const name = options.name ?? 'collecting';
  const batches: E[][] = [];
  let failures: Array<() => SdkError> = [];
  let held = false;
  const released = createSignal(); // wakes the writes held by hold()
  let calls = 0;
  let closes = 0;
  let isClosed = false;

  return {
    kind: 'sink',
    name,
    write: async (batch, ctx): Promise<SinkWriteResult | void> => {
      calls += 1;
      if (isClosed)
        throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `sink ${name}: closed`, {
          stage: `sink:${name}`,
          retryable: false,
        });
      const failure = failures.shift();
      if (failure) throw failure();
      if (held && !(await released.wait(ctx.signal))) {
        throw new SdkError(ErrorCode.ABORTED, `sink ${name}: write aborted`, {
          stage: `sink:${name}`,
          cause: ctx.signal.reason,
        });
      }
      const rejected: RejectedEvent[] = [];
      const accepted: E[] = [];
      for (let i = 0; i < batch.length; i++) {
        const reason = options.reject?.(batch[i] as E);
        if (reason === undefined) accepted.push(batch[i] as E);
        else rejected.push({ index: i, reason, message: `rejected by test sink: ${reason}` });
      }
      batches.push(accepted);
      return rejected.length > 0 ? { rejected } : undefined;
    },
    healthcheck: async () => {
      if (isClosed) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `sink ${name}: closed`, { stage: `sink:${name}` });
    },
    close: async () => {
      closes += 1;
      isClosed = true;
    },
    batches,
    written: () => batches.flat(),
    writeCalls: () => calls,
    failNext: (
      count,
      error = () =>
        new SdkError(ErrorCode.SINK_UNAVAILABLE, `sink ${name}: unavailable (test)`, { stage: `sink:${name}` }),
    ) => {
      failures = [...failures, ...Array.from({ length: count }, () => error)];
    },
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      released.notify();
    },
    closeCalls: () => closes,
    closed: () => isClosed,
  };
}
