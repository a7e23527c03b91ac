import type { Ack, DeadLetterInput, SourceContext, SourceStatus, StateChangedEvent } from '@ha-ingestor/core';
import { SdkError, ErrorCode, createMetrics, noopLogger } from '@ha-ingestor/core';

/** One emit the source made, with its ack: the test decides when (and whether) it is handled. */
export interface RecordedEmit {
  readonly events: readonly StateChangedEvent[];
  readonly ack: Ack | undefined;
  handled: boolean;
}

/** A hand-made SourceContext that records emits, dead letters and statuses. */
export interface RecordingContext {
  readonly ctx: SourceContext<StateChangedEvent>;
  readonly emits: RecordedEmit[];
  readonly deadLetters: DeadLetterInput[];
  readonly statuses: SourceStatus[];
  readonly errors: unknown[];
  readonly logs: string[];
  readonly controller: AbortController;
  /** Every emitted event, flattened. */
  readonly events: () => StateChangedEvent[];
  /** Marks every recorded, not yet handled emit as handled. */
  readonly handleAll: () => number;
  /** Fails every recorded, not yet handled emit. */
  readonly failAll: () => void;
}

/** Builds a {@link RecordingContext}; `autoAck` handles every emit at once (a pipeline that always writes). */
export function recordingContext(options: { autoAck?: boolean; now?: () => number } = {}): RecordingContext {
  const emits: RecordedEmit[] = [];
  const deadLetters: DeadLetterInput[] = [];
  const statuses: SourceStatus[] = [];
  const errors: unknown[] = [];
  const logs: string[] = [];
  const controller = new AbortController();
  const logFn = (level: string) => (obj: unknown, msg?: string) =>
    logs.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  const logger = {
    ...noopLogger,
    debug: logFn('debug'),
    info: logFn('info'),
    warn: logFn('warn'),
    error: logFn('error'),
  };
  const loggerWithChild = { ...logger, child: () => loggerWithChild };
  const record = (events: readonly StateChangedEvent[], ack: Ack | undefined) => {
    const entry: RecordedEmit = { events, ack, handled: false };
    emits.push(entry);
    if (options.autoAck === true) {
      entry.handled = true;
      ack?.onHandled();
    }
    return Promise.resolve();
  };
  const ctx: SourceContext<StateChangedEvent> = {
    signal: controller.signal,
    logger: loggerWithChild,
    now: options.now ?? Date.now,
    metrics: createMetrics(),
    deadLetter: (entry) => {
      deadLetters.push(entry);
    },
    report: (error) => {
      errors.push(error);
    },
    emit: (event, ack) => record([event], ack),
    emitBatch: (events, ack) => record(events, ack),
    setStatus: (status) => {
      statuses.push(status);
    },
  };
  return {
    ctx,
    emits,
    deadLetters,
    statuses,
    errors,
    logs,
    controller,
    events: () => emits.flatMap((e) => e.events),
    handleAll: () => {
      let n = 0;
      for (const e of emits) {
        if (e.handled) continue;
        e.handled = true;
        n++;
        e.ack?.onHandled();
      }
      return n;
    },
    failAll: () => {
      for (const e of emits) {
        if (e.handled) continue;
        e.handled = true;
        e.ack?.onFailed?.(new SdkError(ErrorCode.SINK_UNAVAILABLE, 'test: sink down'));
      }
    },
  };
}
