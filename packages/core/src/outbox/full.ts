import { createLogLimiter } from '../observability/log-limiter.js';
import type { Logger } from '../observability/logger.js';
import type { WhenFull } from './options.js';

/** Facts about a full outbox, passed to `onFullChange` and logged. */
export interface OutboxFullInfo {
  /** Bytes of pending entries now. */
  readonly bytes: number;
  readonly maxBytes: number;
  readonly whenFull: WhenFull;
}

/** Options of {@link createOutboxFullState}. */
export interface OutboxFullStateOptions {
  readonly name: string;
  readonly maxBytes: number;
  readonly whenFull: WhenFull;
  readonly logger: Logger;
  readonly now: () => number;
  /** Pending bytes right now. */
  readonly bytes: () => number;
  readonly onFullChange?: (full: boolean, info: OutboxFullInfo) => void;
}

/** The full/not-full state of one outbox and its (rate-limited) logging. */
export interface OutboxFullState {
  /** An append of `frameBytes` found no room: starts a full episode (one warning) unless one is running. */
  readonly reached: (frameBytes: number) => void;
  /** An entry was acknowledged: ends the episode (one info) once there is room again (see below). */
  readonly freed: () => void;
  /** Records dropped (`drop-oldest`) or refused (`drop-newest`): logged at most once per 10 s. */
  readonly dropped: (records: number) => void;
  readonly isFull: () => boolean;
  /** Logs the drops not logged yet. */
  readonly close: () => void;
}

/** A full outbox logs its drops at most this often (issue 11: one line per batch flooded the log). */
export const OUTBOX_DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Tracks when an outbox is full. Issue 11: a full `block` outbox stalled the pipeline with nothing logged or
 * counted. Now the first append that finds no room logs one warning (name, cap, bytes, policy) and calls
 * `onFullChange(true)`; the episode ends with one info and `onFullChange(false)` once acknowledgements bring
 * the pending bytes down to at most half the cap *and* to where two of the largest refused batches fit
 * again. Drops (drop-oldest) never end it. The hysteresis keeps an outbox that hovers at its cap while it
 * drains (one entry out, one batch in) from logging once per batch, even when a batch is a third of the cap.
 */
export function createOutboxFullState(options: OutboxFullStateOptions): OutboxFullState {
  const { name, maxBytes, whenFull, logger } = options;
  let full = false;
  /** Largest frame that found no room during this episode. */
  let largest = 0;
  const info = (): OutboxFullInfo => ({ bytes: options.bytes(), maxBytes, whenFull });
  const drops = createLogLimiter({
    intervalMs: OUTBOX_DROP_LOG_INTERVAL_MS,
    now: options.now,
    log: (records, sinceMs) => {
      const what = whenFull === 'drop-newest' ? 'refused' : 'dropped';
      const which = whenFull === 'drop-newest' ? 'new' : 'oldest';
      const window = sinceMs === 0 ? '' : ` in the last ${Math.round(sinceMs / 1000)} s`;
      logger.warn(
        { outbox: name, records, ...info() },
        `outbox ${name}: full; ${what} ${records} ${which} records${window} (${whenFull})`,
      );
    },
  });
  const change = (next: boolean) => {
    full = next;
    try {
      options.onFullChange?.(next, info());
    } catch (error) {
      // A listener bug must not break an append or an ack (issue 11: nothing escapes the data path).
      logger.error({ outbox: name, err: error }, `outbox ${name}: an onFullChange listener threw`);
    }
  };

  return {
    reached: (frameBytes) => {
      largest = Math.max(largest, frameBytes);
      if (full) return;
      const now = info();
      logger.warn(
        { outbox: name, ...now },
        `outbox ${name}: full (${now.bytes} of ${maxBytes} bytes); whenFull=${whenFull}: ${CONSEQUENCE[whenFull]}`,
      );
      change(true);
    },
    freed: () => {
      const bytes = options.bytes();
      if (!full || bytes * 2 > maxBytes || bytes + 2 * largest > maxBytes) return;
      largest = 0;
      drops.flush();
      logger.info(
        { outbox: name, ...info() },
        `outbox ${name}: drained below half its cap (${options.bytes()} of ${maxBytes} bytes); no longer full`,
      );
      change(false);
    },
    dropped: (records) => drops.hit(records),
    isFull: () => full,
    close: () => drops.flush(),
  };
}

// --- internal ---

const CONSEQUENCE: Record<WhenFull, string> = {
  block: 'appends wait for space (backpressure up to the sources) until entries drain',
  'drop-oldest': 'the oldest pending entries are dropped to make room (counted as dropped outbox_full)',
  'drop-newest': 'new batches are refused (in a pipeline they fail and their sources keep them)',
};
