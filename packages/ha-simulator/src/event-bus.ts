import { eventKey } from '@ha-ingestor/core';
import { isoFromMicros } from './ha-time.js';
import type { EmittedEvent, HaWireContext, HaWireEvent } from './types.js';

/** Events HA never hands to match-all (`*`) listeners (`EVENTS_EXCLUDED_FROM_MATCH_ALL`). */
export const EXCLUDED_FROM_MATCH_ALL: ReadonlySet<string> = new Set(['state_reported', 'homeassistant_close']);

/** A listener receives the emitted event (wire object plus its cached JSON). */
export type BusListener = (event: EmittedEvent) => void;

/** What {@link EventBus.fire} needs besides the type and data. */
export interface FireOptions {
  readonly context: HaWireContext;
  readonly timeMicros: number;
  readonly origin?: 'LOCAL' | 'REMOTE';
  /** Entity identity recorded on the emitted event. */
  readonly entityId?: string;
  readonly lastUpdated?: string;
}

/** HA's event bus: per-type listeners are served before match-all listeners, in registration order. */
export interface EventBus {
  readonly listen: (eventType: string, listener: BusListener) => () => void;
  readonly fire: (eventType: string, data: Readonly<Record<string, unknown>>, options: FireOptions) => EmittedEvent;
  /** Every delivered event in order (bounded by `maxEmitted`, oldest dropped first). */
  readonly emitted: EmittedEvent[];
}

/** Creates the bus. `maxEmitted` bounds the `emitted` log (0 = unbounded). */
export function createEventBus(maxEmitted = 0): EventBus {
  const byType = new Map<string, BusListener[]>();
  let seq = 0;
  const emitted: EmittedEvent[] = [];
  const listen = (eventType: string, listener: BusListener): (() => void) => {
    const list = byType.get(eventType) ?? [];
    byType.set(eventType, [...list, listener]);
    return () => {
      const current = byType.get(eventType) ?? [];
      byType.set(
        eventType,
        current.filter((l) => l !== listener),
      );
    };
  };
  const fire: EventBus['fire'] = (eventType, data, options) => {
    const time_fired = isoFromMicros(options.timeMicros);
    const event: HaWireEvent = {
      event_type: eventType,
      data,
      origin: options.origin ?? 'LOCAL',
      time_fired,
      context: options.context,
    };
    const delivered = eventType !== 'state_reported';
    const entityId = options.entityId ?? (typeof data.entity_id === 'string' ? data.entity_id : undefined);
    const emittedEvent: EmittedEvent = {
      seq: ++seq,
      event,
      json: JSON.stringify(event),
      ...(entityId === undefined ? {} : { entity_id: entityId }),
      ...(options.lastUpdated === undefined ? {} : { last_updated: options.lastUpdated }),
      time_fired,
      timeFiredMicros: options.timeMicros,
      key: eventKey({
        event_type: eventType,
        ...(entityId === undefined ? {} : { entity_id: entityId }),
        data,
        time: options.timeMicros,
        contextId: options.context.id,
      }),
      delivered,
    };
    if (delivered) {
      emitted.push(emittedEvent);
      if (maxEmitted > 0 && emitted.length > maxEmitted) emitted.splice(0, emitted.length - maxEmitted);
    }
    // Snapshot the arrays: a listener may unsubscribe (or subscribe) while we iterate.
    const typed = byType.get(eventType) ?? [];
    const all = EXCLUDED_FROM_MATCH_ALL.has(eventType) ? [] : (byType.get('*') ?? []);
    for (const listener of typed) listener(emittedEvent);
    for (const listener of all) listener(emittedEvent);
    return emittedEvent;
  };
  return { listen, fire, emitted };
}
