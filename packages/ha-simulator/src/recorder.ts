import type { EventBus } from './event-bus.js';
import type { EmittedEvent, HaWireState, StateChangedData } from './types.js';
import { parseIsoToMicros } from './ha-time.js';

/** One recorder row (HA's `states` table), times in epoch µs. */
export interface RecorderRow {
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly lastChanged: number;
  readonly lastUpdated: number;
}

/** The simulator's recorder: every state_changed as a row per entity, purged after `keepDays`. */
export interface Recorder {
  /** Rows of one entity in time order (oldest first). */
  readonly rows: (entityId: string) => readonly RecorderRow[];
  /** Every entity with recorded rows. */
  readonly entityIds: () => IterableIterator<string>;
  /** Drops rows older than `keepDays` before `nowMicros` (HA's nightly purge), keeping each entity's newest older row. */
  readonly purge: (nowMicros: number) => number;
  /** Oldest time still recorded (epoch µs), undefined when empty. */
  readonly oldest: () => number | undefined;
  /** Appends one row (the home calls it for every state change). */
  readonly record: (row: RecorderRow & { entityId: string }) => void;
  /** Stops the purge timer. */
  readonly close: () => void;
}

/** Attaches a recorder to the bus; it records before any websocket subscriber sees the event. */
export function createRecorder(bus: EventBus, keepDays: number): Recorder {
  const byEntity = new Map<string, RecorderRow[]>();
  const record: Recorder['record'] = ({ entityId, ...row }) => {
    let list = byEntity.get(entityId);
    if (list === undefined) {
      list = [];
      byEntity.set(entityId, list);
    }
    list.push(row);
  };
  const unlisten = bus.listen('state_changed', (e: EmittedEvent) => {
    const data = e.event.data as StateChangedData;
    const s = data.new_state;
    if (s === null) {
      // States.from_event with new_state None: an empty state row at the removal time.
      record({
        entityId: data.entity_id,
        state: '',
        attributes: {},
        lastChanged: e.timeFiredMicros,
        lastUpdated: e.timeFiredMicros,
      });
    } else {
      record({ entityId: s.entity_id, ...rowFromState(s) });
    }
  });
  return {
    rows: (id) => byEntity.get(id) ?? [],
    entityIds: () => byEntity.keys(),
    purge: (nowMicros) => {
      const cutoff = nowMicros - keepDays * 86_400_000_000;
      let purged = 0;
      for (const [id, rows] of byEntity) {
        const firstKept = rows.findIndex((r) => r.lastUpdated >= cutoff);
        const drop = firstKept === -1 ? rows.length : firstKept;
        if (drop > 0) {
          rows.splice(0, drop);
          purged += drop;
        }
        if (rows.length === 0) byEntity.delete(id);
      }
      return purged;
    },
    oldest: () => {
      let min: number | undefined;
      for (const rows of byEntity.values()) {
        const first = rows[0];
        if (first !== undefined && (min === undefined || first.lastUpdated < min)) min = first.lastUpdated;
      }
      return min;
    },
    record,
    close: unlisten,
  };
}

/** A recorder row from a wire state. */
export function rowFromState(s: HaWireState): RecorderRow {
  return {
    state: s.state,
    attributes: s.attributes,
    lastChanged: parseIsoToMicros(s.last_changed) ?? 0,
    lastUpdated: parseIsoToMicros(s.last_updated) ?? 0,
  };
}
