import type { Guard, Pipeline } from '@ha-ingestor/core';
import { readDeadLetterTail } from './dashboard-dead-letters.js';
import type { DashboardSink, DashboardSnapshot, DashboardSource } from './dashboard-types.js';

export type { DashboardSink, DashboardSnapshot, DashboardSource } from './dashboard-types.js';
import type { RecentEvent } from './recent.js';
import type { SourceStatusTracker } from './source-status.js';
import type { NatsLinkReport } from './roles.js';
import { lostCount } from './summary.js';

/** What {@link createDashboardStatus} reads from. */
export interface DashboardStatusDeps {
  readonly pipeline: Pipeline;
  readonly sources: SourceStatusTracker;
  /** Subscribe to processed events (last event and backfill per source); returns an unsubscribe function. */
  readonly onEvents: (listener: (events: readonly RecentEvent[]) => void) => () => void;
  /** The dead-letter file whose latest records the page lists; none → an empty list. */
  readonly deadLetterPath?: string | undefined;
  readonly version: string;
  readonly guard: Guard;
  readonly now: () => number;
  /** INGESTOR_ROLE=edge/writer: the NATS link's status (issue 16). */
  readonly nats?: (() => NatsLinkReport) | undefined;
  /** How many per-second samples the rate history keeps. @default 900 (15 minutes) */
  readonly historySeconds?: number;
}

/** The dashboard's server side: samples rates every second and answers snapshots. */
export interface DashboardStatus {
  readonly snapshot: () => Promise<DashboardSnapshot>;
  /** Takes one rate sample now (the timer calls it every second; tests call it directly). */
  readonly sample: () => void;
  readonly close: () => void;
}

/** Source names come from event provenance (outside data): at most this many are tracked. */
export const MAX_TRACKED_SOURCES = 64;

/**
 * Collects what the dashboard shows: totals from `pipeline.stats()`, a per-second rate history (a ring of
 * `historySeconds` numbers, so memory is fixed), per-sink write times and rates from `written` events,
 * outbox bytes from the `ha_ingestor_outbox_bytes` gauge, per-source last event and backfill counts, the
 * end-to-end lag, and the latest dead letters read from the file's tail.
 */
export function createDashboardStatus(deps: DashboardStatusDeps): DashboardStatus {
  const { pipeline, now } = deps;
  const startedAt = now();
  const size = deps.historySeconds ?? 900;
  const rates = new Array<number>(size).fill(0);
  let head = 0; // index of the oldest sample
  let taken = 0; // samples so far, up to size: the history shows no made-up zeros before the start
  let lastReceived = pipeline.stats().received;
  let rateEnd = startedAt;
  let lagMs: number | null = null;
  const sinks = new Map<string, { lastWriteAt: number | null; samples: number[]; lastWritten: number }>();
  const outboxSince = new Map<string, number>();
  const sources = new Map<string, { lastEventAt: number; backfilled: number; lastBackfillAt: number | null }>();
  let untrackedSources = 0;

  const sinkState = (name: string) => {
    let state = sinks.get(name);
    if (state === undefined) sinks.set(name, (state = { lastWriteAt: null, samples: [], lastWritten: 0 }));
    return state;
  };

  const onWritten = (sink: string, events: readonly unknown[]): void => {
    const at = now();
    sinkState(sink).lastWriteAt = at;
    let newest: number | undefined;
    for (const e of events) {
      const t = (e as { time_fired?: unknown }).time_fired;
      if (typeof t === 'number' && (newest === undefined || t > newest)) newest = t;
    }
    // time_fired is epoch µs (DESIGN: one time representation).
    if (newest !== undefined) lagMs = Math.max(0, at - newest / 1000);
  };
  // guard-exempt: pipeline.events listeners run inside the runtime's guarded emit (emitSafely reports a throw)
  pipeline.events.on('written', onWritten);

  const unsubscribe = deps.onEvents((events) => {
    for (const event of events) {
      const name = event.source;
      if (name === undefined) continue;
      let state = sources.get(name);
      if (state === undefined) {
        if (sources.size >= MAX_TRACKED_SOURCES) {
          untrackedSources++;
          continue;
        }
        sources.set(name, (state = { lastEventAt: 0, backfilled: 0, lastBackfillAt: null }));
      }
      const at = event.time_fired / 1000;
      if (at > state.lastEventAt) state.lastEventAt = at;
      if (event.mode === 'backfill') {
        state.backfilled++;
        if (state.lastBackfillAt === null || at > state.lastBackfillAt) state.lastBackfillAt = at;
      }
    }
  });

  const sample = (): void => {
    const stats = pipeline.stats();
    rates[head] = Math.max(0, stats.received - lastReceived);
    head = (head + 1) % size;
    taken = Math.min(size, taken + 1);
    lastReceived = stats.received;
    rateEnd = now();
    for (const [name, written] of Object.entries(stats.written)) {
      const state = sinkState(name);
      state.samples.push(Math.max(0, written - state.lastWritten));
      if (state.samples.length > 5) state.samples.shift();
      state.lastWritten = written;
    }
  };
  const timer = setInterval(deps.guard('dashboard rate sample', sample), 1000);
  timer.unref();

  const outboxBytes = async (): Promise<Map<string, number>> => {
    const gauge = pipeline.metrics.outboxBytes;
    const values = (await gauge.get()).values;
    return new Map(values.map((v) => [String(v.labels['sink']), v.value]));
  };

  return {
    sample,
    snapshot: async () => {
      const at = now();
      const stats = pipeline.stats();
      const health = pipeline.health().components;
      const connection = deps.sources.stats();
      const bytes = await outboxBytes();
      const sinkNames = new Set([
        ...health.filter((c) => c.kind === 'sink').map((c) => c.name),
        ...Object.keys(stats.written),
      ]);
      const sinkList: DashboardSink[] = [...sinkNames].map((name) => {
        const h = health.find((c) => c.kind === 'sink' && c.name === name);
        const state = sinks.get(name);
        const held = bytes.get(name) ?? 0;
        if (held > 0 && !outboxSince.has(name)) outboxSince.set(name, at);
        if (held === 0) outboxSince.delete(name);
        const samples = state?.samples ?? [];
        return {
          name,
          status: h?.status ?? 'ok',
          accepting_writes: h?.acceptingWrites !== false,
          message: h?.message ?? null,
          written: stats.written[name] ?? 0,
          points_per_second: samples.length === 0 ? 0 : samples.reduce((a, b) => a + b, 0) / samples.length,
          last_write_at: state?.lastWriteAt ?? null,
          outbox_bytes: held,
          outbox_since: outboxSince.get(name) ?? null,
        };
      });
      const sourceList: DashboardSource[] = health
        .filter((c) => c.kind === 'source')
        .map((c) => {
          const conn = connection[c.name];
          const seen = sources.get(c.name);
          return {
            name: c.name,
            status: c.status,
            connected: conn?.connected ?? c.status === 'ok',
            message: c.message ?? null,
            reconnects: conn?.reconnects ?? 0,
            last_event_at: seen === undefined || seen.lastEventAt === 0 ? null : seen.lastEventAt,
            backfilled: seen?.backfilled ?? 0,
            last_backfill_at: seen?.lastBackfillAt ?? null,
          };
        });
      return {
        version: deps.version,
        now: at,
        uptime_seconds: Math.max(0, Math.round((at - startedAt) / 1000)),
        totals: {
          received: stats.received,
          written: Object.values(stats.written).reduce((a, b) => a + b, 0),
          deduplicated: stats.dropped['duplicate'] ?? 0,
          filtered: stats.dropped['filtered'] ?? 0,
          dead_lettered: stats.deadLettered,
          dropped: lostCount(stats),
          in_flight: stats.inFlight,
        },
        events_per_second: [...rates.slice(head), ...rates.slice(0, head)].slice(size - taken),
        rate_end: rateEnd,
        lag_ms: lagMs,
        sources: sourceList,
        sinks: sinkList,
        dead_letters: deps.deadLetterPath === undefined ? [] : await readDeadLetterTail(deps.deadLetterPath, 20),
        ...(untrackedSources === 0 ? {} : { untracked_sources: untrackedSources }),
        ...(deps.nats === undefined ? {} : { nats: dashboardNats(deps.nats()) }),
      };
    },
    close: () => {
      clearInterval(timer);
      unsubscribe();
      pipeline.events.off('written', onWritten);
    },
  };
}

function dashboardNats(r: NatsLinkReport): DashboardSnapshot['nats'] & object {
  return {
    role: r.role,
    connected: r.connected,
    server: r.server,
    pending_acks: r.pendingAcks,
    stream_lag: r.streamLag,
  };
}
