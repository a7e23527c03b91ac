import type { Metrics } from '@ha-ingestor/core';

/** The WebSocket source's own metrics (the connected gauge is driven by ctx.setStatus). */
export interface SourceMetrics {
  readonly reconnect: () => void;
  readonly frames: (n: number) => void;
  readonly messages: (n: number) => void;
  readonly backfilled: (n: number) => void;
  readonly depth: (n: number) => void;
  readonly truncated: () => void;
  readonly gap: () => void;
  readonly overflow: () => void;
  readonly duplicates: (n: number) => void;
}

/** Registers (or reuses) the metrics on the pipeline's registry, labelled with the source name. */
export function createSourceMetrics(metrics: Metrics, source: string): SourceMetrics {
  const reconnects = metrics.counter(
    'source_reconnects_total',
    'Reconnects of a source after a lost or failed connection',
    ['source'],
  );
  const frames = metrics.counter('source_frames_received_total', 'WebSocket text frames received', ['source']);
  const messages = metrics.counter(
    'source_messages_received_total',
    'Protocol messages received (a coalesced frame holds several)',
    ['source'],
  );
  const backfilled = metrics.counter(
    'backfilled_events_total',
    "State changes recovered from HA's recorder after a gap",
    ['source'],
  );
  const depth = metrics.gauge(
    'inbound_buffer_depth',
    'Events between the socket reader and the pipeline (memory + spill)',
    ['source'],
  );
  const truncated = metrics.counter(
    'backfill_truncated_total',
    'Gaps longer than backfill.maxGapMs (older part not fetched)',
    ['source'],
  );
  const gaps = metrics.counter(
    'backfill_gaps_total',
    'Gaps backfilled; non-state events inside them are not recoverable',
    ['source'],
  );
  const overflow = metrics.counter(
    'inbound_overflow_total',
    'Events dropped by a full inbound buffer (recovered by backfill if state changes)',
    ['source'],
  );
  const duplicates = metrics.counter(
    'source_duplicates_skipped_total',
    'Events skipped at the live/backfill seam because their key was already emitted',
    ['source'],
  );
  const labels = { source };
  return {
    reconnect: () => reconnects.inc(labels),
    frames: (n) => frames.inc(labels, n),
    messages: (n) => messages.inc(labels, n),
    backfilled: (n) => backfilled.inc(labels, n),
    depth: (n) => depth.set(labels, n),
    truncated: () => truncated.inc(labels),
    gap: () => gaps.inc(labels),
    overflow: () => overflow.inc(labels),
    duplicates: (n) => duplicates.inc(labels, n),
  };
}
