import { SdkError, ErrorCode } from '@ha-ingestor/core';
import type { EventBus } from './event-bus.js';
import { isoFromMicros, type SimClock } from './ha-time.js';
import { pyEquals } from './py.js';
import type { EmittedEvent, HaWireContext, HaWireState } from './types.js';

/** One entity's current state; times in epoch µs. */
export interface StateRecord {
  readonly entityId: string;
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly lastChanged: number;
  lastReported: number;
  readonly lastUpdated: number;
  readonly context: HaWireContext;
  /** Cached wire form (rebuilt when last_reported moves). */
  wire: HaWireState | undefined;
}

/** Options of one state write (HA's `async_set`). */
export interface SetStateOptions {
  /** Fire state_changed even when state and attributes are unchanged (`force_update`). */
  readonly forceUpdate?: boolean;
  /** Context of the change; a fresh one (ULID, no parent, no user) when omitted. */
  readonly context?: HaWireContext;
}

/** HA's state machine (`core.StateMachine`) over the simulator's bus and clock. */
export interface StateMachine {
  readonly get: (entityId: string) => StateRecord | undefined;
  readonly all: () => IterableIterator<StateRecord>;
  readonly size: () => number;
  readonly set: (
    entityId: string,
    state: string,
    attributes: Readonly<Record<string, unknown>>,
    options?: SetStateOptions,
  ) => EmittedEvent;
  readonly remove: (entityId: string, context?: HaWireContext) => EmittedEvent | undefined;
  /** Writes a state without firing anything (startup restore). */
  readonly restore: (record: StateRecord) => void;
}

const ENTITY_ID_RE = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;

/** HA's `valid_entity_id`. */
export const isValidEntityId = (entityId: string): boolean => ENTITY_ID_RE.test(entityId);

/** The wire form of a state record, in `State._as_dict` key order. */
export function toWireState(record: StateRecord): HaWireState {
  if (record.wire === undefined) {
    record.wire = {
      entity_id: record.entityId,
      state: record.state,
      attributes: record.attributes,
      last_changed: isoFromMicros(record.lastChanged),
      last_reported: isoFromMicros(record.lastReported),
      last_updated: isoFromMicros(record.lastUpdated),
      context: record.context,
    };
  }
  return record.wire;
}

/** Creates the state machine; `newContext(micros)` mints a context with a ULID at that time. */
export function createStateMachine(
  bus: EventBus,
  clock: SimClock,
  newContext: (micros: number) => HaWireContext,
): StateMachine {
  const states = new Map<string, StateRecord>();

  const set: StateMachine['set'] = (entityId, state, attributes, options = {}) => {
    const id = entityId.toLowerCase();
    if (!isValidEntityId(id)) throw new SdkError(ErrorCode.CONFIG_INVALID, `Invalid entity ID: ${entityId}`);
    if (state.length > 255)
      throw new SdkError(
        ErrorCode.CONFIG_INVALID,
        `Invalid state with length ${state.length}. State max length is 255 characters.`,
      );
    const now = clock.tick();
    const old = states.get(id);
    const sameState = old !== undefined && old.state === state && options.forceUpdate !== true;
    const sameAttr = old !== undefined && pyEquals(old.attributes, attributes);
    const context = options.context ?? newContext(now);
    if (old !== undefined && sameState && sameAttr) {
      // HA ≥ 2024.3: identical re-report → state_reported, which websocket clients never see.
      const oldLastReported = old.lastReported;
      old.lastReported = now;
      old.wire = undefined;
      return bus.fire(
        'state_reported',
        { entity_id: id, old_last_reported: isoFromMicros(oldLastReported), new_state: toWireState(old) },
        { context, timeMicros: now, entityId: id, lastUpdated: isoFromMicros(old.lastUpdated) },
      );
    }
    const record: StateRecord = {
      entityId: id,
      state,
      attributes: cloneJson(attributes),
      lastChanged: sameState && old !== undefined ? old.lastChanged : now,
      lastReported: now,
      lastUpdated: now,
      context,
      wire: undefined,
    };
    states.set(id, record);
    const newState = toWireState(record);
    return bus.fire(
      'state_changed',
      { entity_id: id, old_state: old === undefined ? null : toWireState(old), new_state: newState },
      { context, timeMicros: now, entityId: id, lastUpdated: newState.last_updated },
    );
  };

  const remove: StateMachine['remove'] = (entityId, context) => {
    const old = states.get(entityId);
    if (old === undefined) return undefined;
    states.delete(entityId);
    const now = clock.tick();
    const iso = isoFromMicros(now);
    return bus.fire(
      'state_changed',
      { entity_id: entityId, old_state: toWireState(old), new_state: null },
      { context: context ?? newContext(now), timeMicros: now, entityId, lastUpdated: iso },
    );
  };

  return {
    get: (id) => states.get(id),
    all: () => states.values(),
    size: () => states.size,
    set,
    remove,
    restore: (r) => void states.set(r.entityId, r),
  };
}

// --- internal ---

// States are immutable snapshots in HA (ReadOnlyDict); copying keeps callers from mutating history.
function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
