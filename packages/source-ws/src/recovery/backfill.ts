import { formatHaTime, millisToMicros } from '@ha-ingestor/core';
import type { DeliveryMode, EpochMicros, StateChangedEvent } from '@ha-ingestor/core';
import type { HaConnection } from '../connection/connection.js';
import { historyRowsToEvents, isRecord } from '../connection/protocol.js';

/** One request window of a history fetch, `[start, end)` in epoch µs; `end` undefined = up to HA's now. */
export interface HistoryChunk {
  readonly start: EpochMicros;
  readonly end: EpochMicros | undefined;
}

/**
 * Splits `[from, to)` into windows of `chunkMs`. With `openEnded`, the last window has no end so HA uses
 * its own clock (covers changes between our `to` and the moment HA answers when the clocks differ).
 */
export function planChunks(from: EpochMicros, to: EpochMicros, chunkMs: number, openEnded = false): HistoryChunk[] {
  const step = millisToMicros(chunkMs);
  const chunks: HistoryChunk[] = [];
  for (let start = from; start < to; start += step) {
    const end = Math.min(start + step, to);
    chunks.push({ start, end: openEnded && end >= to ? undefined : end });
  }
  if (chunks.length === 0 && openEnded) chunks.push({ start: from, end: undefined });
  return chunks;
}

/** Options of {@link fetchHistoryChunk}. */
export interface FetchHistoryOptions {
  readonly connection: HaConnection;
  readonly chunk: HistoryChunk;
  readonly entityIds: readonly string[];
  readonly source: string;
  readonly mode: DeliveryMode;
  readonly receivedAt: EpochMicros;
}

/** Events of one history window, in HA time order, plus rows that could not be converted. */
export interface HistoryChunkResult {
  readonly events: StateChangedEvent[];
  readonly invalid: { readonly entityId: string; readonly row: unknown }[];
}

// HA's recorder filters `last_updated > start AND last_updated < end`: request 1 ms wider on both
// sides and keep [start, end) here, so a change exactly on a window boundary is fetched exactly once.
const EDGE_US = 1000;

/**
 * Fetches one window with `history/history_during_period` (every change: significant_changes_only
 * false, full rows, attributes, no synthetic start-time row) and converts the rows to state changes
 * whose keys equal the live keys.
 */
export async function fetchHistoryChunk(options: FetchHistoryOptions): Promise<HistoryChunkResult> {
  const { chunk } = options;
  if (options.entityIds.length === 0) return { events: [], invalid: [] };
  const result = await options.connection.command<unknown>('history/history_during_period', {
    start_time: formatHaTime(chunk.start - EDGE_US),
    ...(chunk.end === undefined ? {} : { end_time: formatHaTime(chunk.end + EDGE_US) }),
    entity_ids: [...options.entityIds],
    include_start_time_state: false,
    significant_changes_only: false,
    minimal_response: false,
    no_attributes: false,
  });
  const events: StateChangedEvent[] = [];
  const invalid: { entityId: string; row: unknown }[] = [];
  if (!isRecord(result)) return { events, invalid: [{ entityId: '*', row: result }] };
  const provenance = { source: options.source, mode: options.mode, receivedAt: options.receivedAt };
  for (const [entityId, rows] of Object.entries(result)) {
    if (!Array.isArray(rows)) {
      invalid.push({ entityId, row: rows });
      continue;
    }
    const converted = historyRowsToEvents(entityId, rows, provenance);
    for (const row of converted.invalid) invalid.push({ entityId, row });
    for (const event of converted.events) {
      if (event.last_updated < chunk.start) continue;
      if (chunk.end !== undefined && event.last_updated >= chunk.end) continue;
      events.push(event);
    }
  }
  events.sort((a, b) => a.last_updated - b.last_updated);
  return { events, invalid };
}

/**
 * Entity ids in scope: the configured list, or every entity HA has a state for (`get_states`) plus
 * `alsoKnown()` (entities seen live, so one removed during the gap still gets its changes before removal).
 */
export async function entitiesInScope(
  connection: HaConnection,
  configured: readonly string[] | undefined,
  alsoKnown: () => Iterable<string> = () => [],
): Promise<string[]> {
  if (configured !== undefined) return [...configured];
  const states = await connection.command<unknown>('get_states');
  const ids = new Set<string>();
  if (Array.isArray(states)) {
    for (const s of states) {
      if (isRecord(s) && typeof s['entity_id'] === 'string') ids.add(s['entity_id']);
    }
  }
  // Read after get_states answered: events received meanwhile (entities born and removed) count too.
  for (const id of alsoKnown()) ids.add(id);
  return [...ids];
}
