import type { SdkError } from '../model/errors.js';
import type { Capability } from './capability.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** What the runtime gives every stage: cancellation, logging, the clock, metrics and the dead-letter. */
export interface StageContext {
  /** Aborted when the pipeline stops; every long wait honours it. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Injectable clock, epoch ms (fake timers in tests). */
  readonly now: () => number;
  readonly metrics: Metrics;
  /** Writes a record to the dead-letter file and counts it; never throws. */
  readonly deadLetter: (entry: DeadLetterInput) => void;
  /** Reports an error that has no caller to return to (emits `error` on the pipeline, else logs it). */
  readonly report: (error: unknown) => void;
  /**
   * The value a capability has in this pipeline (what a source or `.provide()` provides), or `undefined`
   * when nothing provides it. Throws CONFIG_INVALID when two sources provide different values. Read it in
   * `start()`: that is when providers learn they are used (see `SourceContext.consumed`). The runtime
   * always sets it; optional so contexts made by hand (tests, older plugins) stay valid.
   */
  readonly capability?: (<T>(capability: Capability<string, T>) => T | undefined) | undefined;
}

/** A record for the dead-letter file (NDJSON): why something could not be processed, with its raw input. */
export interface DeadLetterInput {
  /** Stage or component, e.g. `validate`, `source:mqtt`, `sink:influx`. */
  readonly stage: string;
  /** Short machine-readable reason used as a metric label, e.g. `invalid_json`, `type_conflict`. */
  readonly reason: string;
  /** Human-readable explanation. */
  readonly message: string;
  readonly code?: string | undefined;
  /** The raw input (frame text, payload, event) as far as it is JSON-safe. */
  readonly raw?: unknown;
  /** Extra context such as the MQTT topic. */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
}

/** A dead-letter record as written: the input plus a timestamp. */
export interface DeadLetterRecord extends DeadLetterInput {
  readonly time: string;
}

/**
 * Tells a source what became of the events it emitted together. `onHandled` runs once every event of the
 * emit is handled: written (or persisted to an outbox) by every sink, or dropped on purpose (filter,
 * dedupe, invalid → dead-letter). `onFailed` runs instead when any of them could not be made durable;
 * the source should then keep the data for a retry (no MQTT PUBACK, no checkpoint advance).
 */
export interface Ack {
  /** Runs once every event of the emit is handled (written, outboxed or dropped on purpose). */
  readonly onHandled: () => void;
  /** Runs instead of `onHandled` when an event could not be made durable; keep the data for a retry. */
  readonly onFailed?: ((error: SdkError) => void) | undefined;
}

/** Connection status a source reports (gauge `ha_ingestor_source_connected`, health, `source:status`). */
export interface SourceStatus {
  readonly connected: boolean;
  /** Secret-free detail, e.g. `reconnecting in 2.1 s` or the error message. */
  readonly message?: string | undefined;
}
