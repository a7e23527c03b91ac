import type { HaContext, StateChangedEvent } from '../model/event.js';
import { eventKey, splitEntityId } from '../model/identity.js';

/** Default time of events built by {@link makeStateChanged}: 2023-11-14T22:13:20Z in epoch µs. */
export const TEST_EVENT_TIME = 1_700_000_000_000_000;

/** Fields accepted by {@link makeStateChanged}; `entity_id` decides `domain`/`object_id` unless given. */
export type StateChangedInput = { -readonly [K in keyof StateChangedEvent]?: StateChangedEvent[K] };

/**
 * Builds a valid `state_changed` event with its identity `key` and `provenance` set. Times default to
 * {@link TEST_EVENT_TIME}; `time_fired` follows `last_updated`; the key is recomputed from the final
 * entity and time unless `key` is given.
 *
 * @example
 * const e = makeStateChanged({ entity_id: 'sensor.kitchen_temp', state: '21.5', last_updated: TEST_EVENT_TIME + 1 });
 */
export function makeStateChanged(partial: StateChangedInput = {}): StateChangedEvent {
  const entity_id = partial.entity_id ?? 'sensor.test_temperature';
  const { domain, object_id } = splitEntityId(entity_id);
  const last_updated = partial.last_updated ?? partial.time_fired ?? TEST_EVENT_TIME;
  const time_fired = partial.time_fired ?? last_updated;
  const context: HaContext | null =
    partial.context === undefined
      ? { id: `01TESTCONTEXT${String(last_updated)}`, parent_id: null, user_id: null }
      : partial.context;
  const event: StateChangedEvent = {
    event_type: 'state_changed',
    entity_id,
    domain: partial.domain ?? domain,
    object_id: partial.object_id ?? object_id,
    state: partial.state === undefined ? '21.5' : partial.state,
    attributes: partial.attributes ?? { unit_of_measurement: '°C', friendly_name: 'Test temperature' },
    last_changed: partial.last_changed ?? last_updated,
    last_updated,
    ...(partial.last_reported === undefined ? {} : { last_reported: partial.last_reported }),
    old_state: partial.old_state ?? null,
    time_fired,
    origin: partial.origin ?? 'LOCAL',
    context,
    provenance: partial.provenance ?? { source: 'test', mode: 'live', receivedAt: time_fired },
    key: partial.key ?? eventKey({ event_type: 'state_changed', entity_id, time: last_updated }),
  };
  return event;
}
