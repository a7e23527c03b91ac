// Shared builders for the sink's integration tests.
import { makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import type { StateChangedEvent } from '@ha-ingestor/core';

/** `n` temperature readings of `rooms` sensors, unique times from `start` every `stepUs` (µs), unit °C. */
export function temperatureEvents(
  n: number,
  options: { start?: number; rooms?: number; unit?: string; stepUs?: number } = {},
): StateChangedEvent[] {
  const start = options.start ?? TEST_EVENT_TIME;
  const rooms = options.rooms ?? 10;
  const events: StateChangedEvent[] = [];
  for (let i = 0; i < n; i++) {
    events.push(
      makeStateChanged({
        entity_id: `sensor.room_${i % rooms}_temperature`,
        state: (15 + (i % 100) / 10).toFixed(1),
        attributes: { unit_of_measurement: options.unit ?? '°C', friendly_name: `Room ${i % rooms}` },
        last_updated: start + i * (options.stepUs ?? 1),
      }),
    );
  }
  return events;
}

/** A Set of `entity_id|time` keys, to compare what was sent with what was read back. */
export function keysOf(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => `${String(r['entity_id'])}|${String(r['time'])}`).sort();
}

export function eventKeys(events: readonly StateChangedEvent[]): string[] {
  return events.map((e) => `${e.object_id}|${e.last_updated}`).sort();
}
