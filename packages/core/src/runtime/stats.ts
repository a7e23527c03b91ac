import type { Metrics } from '../observability/metrics.js';
import type { PipelineStats } from './types.js';

/** The runtime's mutable counters behind `stats()`; every increment also feeds the matching metric. */
export interface Counters {
  received: number;
  processed: number;
  failed: number;
  deadLettered: number;
  readonly written: Record<string, number>;
  readonly outboxed: Record<string, number>;
  readonly dropped: Record<string, number>;
  /** Counts `n` events dropped for `reason` (stats and `events_dropped_total{reason}`). */
  readonly drop: (reason: string, n?: number) => void;
  readonly snapshot: (inFlight: number) => PipelineStats;
}

/** Creates zeroed {@link Counters}. */
export function createCounters(metrics: Metrics): Counters {
  const counters: Counters = {
    received: 0,
    processed: 0,
    failed: 0,
    deadLettered: 0,
    written: {},
    outboxed: {},
    dropped: {},
    drop: (reason, n = 1) => {
      counters.dropped[reason] = (counters.dropped[reason] ?? 0) + n;
      metrics.eventsDropped.inc({ reason }, n);
    },
    snapshot: (inFlight) => ({
      received: counters.received,
      processed: counters.processed,
      written: { ...counters.written },
      outboxed: { ...counters.outboxed },
      dropped: { ...counters.dropped },
      failed: counters.failed,
      deadLettered: counters.deadLettered,
      inFlight,
    }),
  };
  return counters;
}
