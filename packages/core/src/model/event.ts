/**
 * The one normalised event that flows through a pipeline. Field names follow Home Assistant's wire
 * format (`entity_id`, `old_state`, `last_updated`, `context`); only SDK additions are camelCase
 * (`provenance`, `key`). This file has no runtime imports (HA's types.ts rule).
 */

/** Integer microseconds since the Unix epoch. HA stamps µs; a JS number holds them exactly until 2255. */
export type EpochMicros = number;

/** HA's context: correlates a service call with the state changes it caused. */
export interface HaContext {
  readonly id: string;
  readonly parent_id: string | null;
  readonly user_id: string | null;
}

/** A state object as HA sends it, with times converted to {@link EpochMicros}. */
export interface HaState {
  readonly entity_id: string;
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly last_changed: EpochMicros;
  readonly last_updated: EpochMicros;
  readonly last_reported?: EpochMicros;
  readonly context: HaContext | null;
}

/** How an event reached the pipeline. */
export type DeliveryMode = 'live' | 'backfill' | 'import' | 'replay';

/** Where an event came from: the source, the mode and, for MQTT, the topic and flags. */
export interface Provenance {
  /** Name of the source component that produced the event (e.g. `ha-websocket`, `mqtt`). */
  readonly source: string;
  readonly mode: DeliveryMode;
  /** When the source received it (epoch µs, source clock). */
  readonly receivedAt: EpochMicros;
  readonly topic?: string;
  readonly retain?: boolean;
  readonly qos?: 0 | 1 | 2;
  /** True when HA published no timestamp and the time is the receipt time (e.g. statestream without timestamps). */
  readonly timeFromReceipt?: boolean;
  /**
   * The home (installation) the event belongs to, when the ingestor serves several: set from `HOME_ID` at the
   * edge and carried over NATS to the writers (`@ha-ingestor/nats`). Absent in a single-home setup.
   */
  readonly home?: string;
}

interface HaEventBase {
  readonly event_type: string;
  /** Point time of the event in epoch µs: `last_updated` for state changes, `time_fired` otherwise. */
  readonly time_fired: EpochMicros;
  readonly origin?: 'LOCAL' | 'REMOTE';
  readonly context: HaContext | null;
  readonly provenance: Provenance;
  /**
   * Deterministic identity (series + HA timestamp). The same HA occurrence arriving twice (WS and MQTT,
   * reconnect replay, backfill overlap) has the same key. See {@link eventKey}.
   */
  readonly key: string;
}

/** A `state_changed` event, flattened: the new state's fields at the top, the previous state in `old_state`. */
export interface StateChangedEvent extends HaEventBase {
  readonly event_type: 'state_changed';
  readonly entity_id: string;
  readonly domain: string;
  readonly object_id: string;
  /** The new state; `null` when the entity was removed (HA's `new_state: null`). */
  readonly state: string | null;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly last_changed: EpochMicros;
  readonly last_updated: EpochMicros;
  readonly last_reported?: EpochMicros;
  /** `null` for a new entity (HA's `old_state: null`) and when the source does not know it. */
  readonly old_state: HaState | null;
}

/** `call_service`: `service_data` has the target (`entity_id`, `area_id`, …) merged in, as HA sends it. */
export interface CallServiceEvent extends HaEventBase {
  readonly event_type: 'call_service';
  readonly data: {
    readonly domain: string;
    readonly service: string;
    readonly service_data: Readonly<Record<string, unknown>>;
  };
}

/** `automation_triggered`: `source` is HA's trigger description. */
export interface AutomationTriggeredEvent extends HaEventBase {
  readonly event_type: 'automation_triggered';
  readonly data: { readonly name: string; readonly entity_id: string; readonly source?: string };
}

/** `script_started`. */
export interface ScriptStartedEvent extends HaEventBase {
  readonly event_type: 'script_started';
  readonly data: { readonly name: string; readonly entity_id: string };
}

/** Any other HA event, kept generically. */
export interface GenericHaEvent extends HaEventBase {
  readonly data: Readonly<Record<string, unknown>>;
}

/** Every event a source may produce. Narrow with {@link isStateChanged} and friends. */
export type HaEvent =
  StateChangedEvent | CallServiceEvent | AutomationTriggeredEvent | ScriptStartedEvent | GenericHaEvent;

/** Events that are not state changes (they carry `data`). */
export type HaDataEvent = Exclude<HaEvent, StateChangedEvent>;
