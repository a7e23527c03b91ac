// The shapes the page reads. The server's zod schema (src/dashboard-schema.ts) is the contract; these
// mirror the fields the page uses.

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
  readonly events_per_second: readonly number[];
  readonly rate_end: number;
  readonly lag_ms: number | null;
  readonly sources: readonly {
    readonly name: string;
    readonly status: string;
    readonly connected: boolean;
    readonly message: string | null;
    readonly reconnects: number;
    readonly last_event_at: number | null;
    readonly backfilled: number;
    readonly last_backfill_at: number | null;
  }[];
  readonly sinks: readonly {
    readonly name: string;
    readonly status: string;
    readonly accepting_writes: boolean;
    readonly message: string | null;
    readonly written: number;
    readonly points_per_second: number;
    readonly last_write_at: number | null;
    readonly outbox_bytes: number;
    readonly outbox_since: number | null;
  }[];
  readonly dead_letters: readonly { time: string; stage: string; reason: string; message: string }[];
}

/** A processed event as /api/v1/events/recent and the stream send it (enrichers add fields). */
export interface LiveEvent {
  readonly event_type?: string;
  readonly entity_id?: string;
  readonly state?: unknown;
  readonly time_fired?: number;
  readonly provenance?: { readonly source?: string; readonly mode?: string };
  readonly [field: string]: unknown;
}
