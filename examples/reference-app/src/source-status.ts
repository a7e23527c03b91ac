import type { Pipeline, SourceStatus } from '@ha-ingestor/core';

/** What /api/v1/stats shows per source: its connection and how often it had to reconnect. */
export interface SourceConnectionStats {
  readonly connected: boolean;
  /** Times the source connected again after having been connected and then losing the connection. */
  readonly reconnects: number;
  /** Times it reported a lost (or failed) connection. */
  readonly disconnects: number;
  /** ISO time of the last reconnect, null before the first. */
  readonly last_reconnect_at: string | null;
  /** ISO time of the last status report. */
  readonly last_status_at: string;
  /** The source's secret-free detail (`reconnecting in 2.1 s`, an error message), null when none. */
  readonly message: string | null;
}

/** Per-source connection bookkeeping fed by the pipeline's `source:status` events. */
export interface SourceStatusTracker {
  readonly stats: () => Record<string, SourceConnectionStats>;
  readonly close: () => void;
}

/**
 * Counts reconnects from `source:status` (core reports status transitions, not reconnects): a source
 * that reports `connected` after a `disconnected` that followed an earlier `connected` has reconnected.
 * Kept in the app because every source reports status the same way, while reconnect counters exist only
 * as per-source metrics (`ha_ingestor_source_reconnects_total` in source-ws).
 */
export function trackSourceStatus(pipeline: Pipeline, now: () => number): SourceStatusTracker {
  interface State {
    connected: boolean;
    everConnected: boolean;
    reconnects: number;
    disconnects: number;
    lastReconnectAt: number | undefined;
    lastStatusAt: number;
    message: string | undefined;
  }
  const sources = new Map<string, State>();
  const onStatus = (name: string, status: SourceStatus): void => {
    const at = now();
    const state = sources.get(name) ?? {
      connected: false,
      everConnected: false,
      reconnects: 0,
      disconnects: 0,
      lastReconnectAt: undefined,
      lastStatusAt: at,
      message: undefined,
    };
    if (status.connected && !state.connected && state.everConnected) {
      state.reconnects++;
      state.lastReconnectAt = at;
    }
    if (!status.connected && state.connected) state.disconnects++;
    state.everConnected ||= status.connected;
    state.connected = status.connected;
    state.lastStatusAt = at;
    state.message = status.message;
    sources.set(name, state);
  };
  // guard-exempt: pipeline.events listeners run inside the runtime's guarded emit (emitSafely reports a throw)
  pipeline.events.on('source:status', onStatus);
  return {
    stats: () =>
      Object.fromEntries(
        [...sources].map(([name, s]) => [
          name,
          {
            connected: s.connected,
            reconnects: s.reconnects,
            disconnects: s.disconnects,
            last_reconnect_at: s.lastReconnectAt === undefined ? null : new Date(s.lastReconnectAt).toISOString(),
            last_status_at: new Date(s.lastStatusAt).toISOString(),
            message: s.message ?? null,
          },
        ]),
      ),
    close: () => void pipeline.events.off('source:status', onStatus),
  };
}
