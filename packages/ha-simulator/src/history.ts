import { secondsFromMicros } from './ha-time.js';
import type { Recorder, RecorderRow } from './recorder.js';
import type { HistoryRow } from './types.js';

/** Domains whose attribute-only changes count as significant (`SIGNIFICANT_DOMAINS`). */
export const SIGNIFICANT_DOMAINS: ReadonlySet<string> = new Set([
  'climate',
  'device_tracker',
  'humidifier',
  'thermostat',
  'water_heater',
]);
/** Domains that keep full rows under minimal_response (`NEED_ATTRIBUTE_DOMAINS`). */
export const NEED_ATTRIBUTE_DOMAINS: ReadonlySet<string> = new Set([
  'climate',
  'humidifier',
  'input_datetime',
  'thermostat',
  'water_heater',
]);

/** Parameters of `get_significant_states` (compressed format, as the websocket API always asks). */
export interface HistoryQuery {
  readonly startMicros: number;
  readonly endMicros?: number;
  readonly entityIds: readonly string[];
  readonly includeStartTimeState: boolean;
  readonly significantChangesOnly: boolean;
  readonly minimalResponse: boolean;
  readonly noAttributes: boolean;
}

const domainOf = (entityId: string): string => entityId.slice(0, entityId.indexOf('.'));

/**
 * `recorder.history.modern.get_significant_states(..., compressed_state_format=True)` over the
 * simulator's recorder: rows with start < lu (< end), the start-time state first (lu = start),
 * significance/minimal/no_attributes rules as HA, and entities without rows omitted.
 */
export function getSignificantStates(recorder: Recorder, q: HistoryQuery): Record<string, HistoryRow[]> {
  const oldest = recorder.oldest();
  // _get_oldest_possible_ts: a start state only exists when the recorder reaches back before start.
  const includeStart = q.includeStartTimeState && oldest !== undefined && oldest < q.startMicros;
  const startS = secondsFromMicros(q.startMicros);
  const result: Record<string, HistoryRow[]> = {};
  for (const entityId of q.entityIds) {
    if (entityId in result) continue;
    const rows = recorder.rows(entityId);
    if (rows.length === 0) continue;
    const domain = domainOf(entityId);
    const significantDomain = SIGNIFICANT_DOMAINS.has(domain);
    const selected: { row: RecorderRow; start: boolean }[] = [];
    if (includeStart) {
      let before: RecorderRow | undefined;
      for (const r of rows) {
        if (r.lastUpdated < q.startMicros) before = r;
        else break;
      }
      if (before !== undefined) selected.push({ row: before, start: true });
    }
    for (const r of rows) {
      if (r.lastUpdated <= q.startMicros) continue;
      if (q.endMicros !== undefined && r.lastUpdated >= q.endMicros) break;
      if (q.significantChangesOnly && !significantDomain && r.lastChanged !== r.lastUpdated) continue;
      selected.push({ row: r, start: false });
    }
    if (selected.length === 0) continue;
    const full = (s: { row: RecorderRow; start: boolean }, noAttrs: boolean): HistoryRow => {
      const lu = s.start ? startS : secondsFromMicros(s.row.lastUpdated);
      const out: Record<string, unknown> = { s: s.row.state };
      // The non-minimal path passes no_attributes=False to row_to_compressed_state: rows carry "a": {}.
      if (!noAttrs) out.a = q.noAttributes ? {} : s.row.attributes;
      out.lu = lu;
      // last_changed is only selected when significant_changes_only is false; start rows have lc = lu.
      if (!q.significantChangesOnly && !s.start && s.row.lastChanged !== s.row.lastUpdated)
        out.lc = secondsFromMicros(s.row.lastChanged);
      return out as unknown as HistoryRow;
    };
    if (!q.minimalResponse || NEED_ATTRIBUTE_DOMAINS.has(domain)) {
      result[entityId] = selected.map((s) => full(s, false));
      continue;
    }
    const [first, ...rest] = selected;
    if (first === undefined) continue;
    const out: HistoryRow[] = [full(first, q.noAttributes)];
    let prev = first.row.state;
    for (const s of rest) {
      if (s.row.state === prev) continue;
      prev = s.row.state;
      out.push({ s: s.row.state, lu: secondsFromMicros(s.row.lastUpdated) });
    }
    result[entityId] = out;
  }
  return result;
}

/** Rows of a live state_changed for history/stream (`_history_compressed_state`). */
export function liveHistoryRow(
  state: { state: string; attributes: Readonly<Record<string, unknown>>; lastChanged: number; lastUpdated: number },
  entityId: string,
  noAttributes: boolean,
): HistoryRow {
  const out: Record<string, unknown> = { s: state.state };
  if (!noAttributes || NEED_ATTRIBUTE_DOMAINS.has(domainOf(entityId))) out.a = state.attributes;
  out.lu = secondsFromMicros(state.lastUpdated);
  if (state.lastChanged !== state.lastUpdated) out.lc = secondsFromMicros(state.lastChanged);
  // Built key by key: HA's order is s, a, lu, lc.
  return out as unknown as HistoryRow;
}
