/** Wire shapes exactly as HA serialises them (key order included). No runtime code here. */

/** `Context._as_dict`: ULID id, optional parent (automation chains) and user (websocket callers). */
export interface HaWireContext {
  readonly id: string;
  readonly parent_id: string | null;
  readonly user_id: string | null;
}

/** `State._as_dict` with HA's key order; times are Python isoformat strings. */
export interface HaWireState {
  readonly entity_id: string;
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly last_changed: string;
  readonly last_reported: string;
  readonly last_updated: string;
  readonly context: HaWireContext;
}

/** `Event._as_dict`: `{event_type, data, origin, time_fired, context}`. */
export interface HaWireEvent<D extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>> {
  readonly event_type: string;
  readonly data: D;
  readonly origin: 'LOCAL' | 'REMOTE';
  readonly time_fired: string;
  readonly context: HaWireContext;
}

/** The data of a `state_changed` event. */
export interface StateChangedData {
  readonly entity_id: string;
  readonly old_state: HaWireState | null;
  readonly new_state: HaWireState | null;
  readonly [key: string]: unknown;
}

/** One event the simulator fired, with its wire JSON and identity, for exactly-once checks. */
export interface EmittedEvent {
  /** 1-based sequence number over the simulator's life (never reused, survives `restart()`). */
  readonly seq: number;
  /** The HA wire event object (as sent inside `{"id":N,"type":"event","event":…}`). */
  readonly event: HaWireEvent;
  /** `JSON.stringify(event)`, the exact bytes subscribers receive. */
  readonly json: string;
  /** The entity for state_changed (and other events that carry one). */
  readonly entity_id?: string;
  /** For state_changed: the new state's `last_updated` (or `time_fired` on removal). */
  readonly last_updated?: string;
  readonly time_fired: string;
  /** `time_fired` in epoch µs. */
  readonly timeFiredMicros: number;
  /**
   * The occurrence's identity as core's `eventKey` computes it (series + HA time in µs, + context id
   * for non-state events): compare it with the pipeline's keys for exactly-once checks.
   */
  readonly key: string;
  /**
   * False for events HA never delivers over the websocket (`state_reported` for identical
   * re-reports): those are returned by `setState` but not listed in `emitted`.
   */
  readonly delivered: boolean;
}

/** A compressed state of `subscribe_entities` (`State.as_compressed_state`). */
export interface CompressedState {
  readonly s: string;
  readonly a: Readonly<Record<string, unknown>>;
  readonly c: string | HaWireContext;
  readonly lc: number;
  readonly lu?: number;
}

/** A `history/*` compressed row: `{s, a?, lu, lc?}`. */
export interface HistoryRow {
  readonly s: string;
  readonly a?: Readonly<Record<string, unknown>>;
  readonly lu: number;
  readonly lc?: number;
}
