import type { SdkError } from '../model/errors.js';
import type { Source } from '../component/source.js';

/** A finite source for tests, with what became of its events. */
export interface ArraySource<E> extends Source<E> {
  /** Events acknowledged as handled (written or dropped on purpose). */
  readonly handled: () => number;
  /** Failures reported through `Ack.onFailed`. */
  readonly failed: () => SdkError[];
  /** Number of events emitted so far. */
  readonly emitted: () => number;
}

/** Options of {@link arraySource}. */
export interface ArraySourceOptions {
  readonly name?: string | undefined;
  /** Emit everything with one `emitBatch` call instead of one `emit` per event. */
  readonly batch?: boolean | undefined;
  /** Resolve `run` after emitting instead of waiting for the signal (a finite source). */
  readonly finite?: boolean | undefined;
}

/**
 * A source that emits `events` in order (awaiting each `emit`, so backpressure applies), then waits
 * until its signal aborts (or returns at once with `finite`). Stops emitting as soon as the signal aborts.
 *
 * @example
 * const source = arraySource([makeStateChanged(), makeStateChanged({ state: '22' })]);
 * const p = pipeline(source).to(collectingSink()).build();
 */
export function arraySource<E>(events: readonly E[], options: ArraySourceOptions = {}): ArraySource<E> {
  let handled = 0;
  let emitted = 0;
  const failed: SdkError[] = [];
  return {
    kind: 'source',
    name: options.name ?? 'array',
    run: async ({ emit, emitBatch, signal }) => {
      if (options.batch) {
        if (!signal.aborted && events.length > 0) {
          emitted += events.length;
          await emitBatch(events, { onHandled: () => (handled += events.length), onFailed: (e) => failed.push(e) });
        }
      } else {
        for (const event of events) {
          if (signal.aborted) break;
          emitted += 1;
          await emit(event, { onHandled: () => (handled += 1), onFailed: (e) => failed.push(e) });
        }
      }
      if (options.finite || signal.aborted) return;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    handled: () => handled,
    failed: () => [...failed],
    emitted: () => emitted,
  };
}
