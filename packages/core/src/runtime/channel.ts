import { EventEmitter } from 'eventemitter3';
import { ErrorCode, SdkError, toSdkError } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { PipelineEvents } from './types.js';

/** The pipeline's event emitter and the two ways the runtime speaks through it without ever throwing. */
export interface PipelineChannel {
  readonly events: EventEmitter<PipelineEvents>;
  /**
   * Reports an error that has no caller to return to: counted in `errors_total{code}`, emitted as `error`,
   * or logged when nobody listens (eventemitter3's `emit` returns false instead of throwing) or a listener throws.
   */
  readonly report: (error: unknown) => void;
  /** Emits a pipeline event; a throwing listener is reported, never allowed to break the caller. */
  readonly emitSafely: (emit: () => void) => void;
}

/** Creates the {@link PipelineChannel} of one pipeline. */
export function createPipelineChannel(logger: Logger, metrics: Metrics): PipelineChannel {
  const events = new EventEmitter<PipelineEvents>();
  const report = (error: unknown) => {
    const e = toSdkError(error);
    metrics.errors.inc({ code: e.code });
    if (events.listenerCount('error') === 0) {
      logger.error({ err: e, code: e.code, stage: e.stage }, e.message);
      return;
    }
    try {
      events.emit('error', e);
    } catch (listenerError) {
      logger.error({ err: e, code: e.code, stage: e.stage }, e.message);
      logger.error({ err: toSdkError(listenerError) }, 'a pipeline `error` listener threw');
    }
  };
  const emitSafely = (emit: () => void) => {
    try {
      emit();
    } catch (listenerError) {
      report(new SdkError(ErrorCode.INTERNAL, 'a pipeline event listener threw', { cause: listenerError }));
    }
  };
  return { events, report, emitSafely };
}
