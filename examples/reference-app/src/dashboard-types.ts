// The dashboard snapshot's shapes, shared by the server (dashboard-status.ts) and the page
// (dashboard/src/types.ts imports them as types only). No imports: the page is type-checked with DOM libs
// and no Node types. The zod schema in dashboard-schema.ts is the HTTP contract of the same shape.

/** A dead-letter record as the dashboard lists it: no raw input (it can be large and is HA data). */
export interface DeadLetterSummary {
  readonly time: string;
  readonly stage: string;
  readonly reason: string;
  readonly message: string;
}

/** One source as the dashboard shows it. */
export interface DashboardSource {
  readonly name: string;
  readonly status: 'ok' | 'degraded' | 'down';
  readonly connected: boolean;
  readonly message: string | null;
  readonly reconnects: number;
  readonly last_event_at: number | null;
  /** Events this source replayed from HA's recorder (backfill) since start, and the newest one's time. */
  readonly backfilled: number;
  readonly last_backfill_at: number | null;
}

/** One sink as the dashboard shows it. */
export interface DashboardSink {
  readonly name: string;
  readonly status: 'ok' | 'degraded' | 'down';
  /** False while the last healthcheck failed or the circuit breaker is open. */
  readonly accepting_writes: boolean;
  readonly message: string | null;
  readonly written: number;
  readonly points_per_second: number;
  readonly last_write_at: number | null;
  readonly outbox_bytes: number;
  /** Epoch ms since which the outbox has held entries without a break; null when it is empty. */
  readonly outbox_since: number | null;
}

/** INGESTOR_ROLE=edge/writer (issue 16): the NATS JetStream link. */
export interface DashboardNats {
  readonly role: 'edge' | 'writer';
  readonly connected: boolean;
  /** `host:port` of the server in use; null when not connected. */
  readonly server: string | null;
  /** Edge: publishes awaiting their PubAck; writer: messages received and not acknowledged yet. */
  readonly pending_acks: number;
  /** Writer: stream messages the shared consumer has not delivered yet; null on an edge. */
  readonly stream_lag: number | null;
}

/** Everything the dashboard page shows besides events and config, in one answer. */
export interface DashboardSnapshot {
  readonly version: string;
  readonly now: number;
  readonly uptime_seconds: number;
  readonly totals: {
    readonly received: number;
    readonly written: number;
    readonly deduplicated: number;
    readonly filtered: number;
    readonly dead_lettered: number;
    readonly dropped: number;
    readonly in_flight: number;
  };
  /** Events received per second, oldest first; the last entry is the second that ended at `rate_end`. */
  readonly events_per_second: readonly number[];
  readonly rate_end: number;
  /** HA event time to sink acceptance of the newest written event, ms; null before the first write. */
  readonly lag_ms: number | null;
  readonly sources: readonly DashboardSource[];
  readonly sinks: readonly DashboardSink[];
  readonly dead_letters: readonly DeadLetterSummary[];
  /** The NATS link of an edge or writer; absent for INGESTOR_ROLE=all. */
  readonly nats?: DashboardNats;
  /** Events whose source name was not tracked because `MAX_TRACKED_SOURCES` (dashboard-status.ts) were already. */
  readonly untracked_sources?: number;
}
