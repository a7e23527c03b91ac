import type { RecentEvent } from './recent.js';

/**
 * Bodies of /api/v1/events/recent and /api/v1/export as generators of small pieces, so the HTTP layer can
 * stream them with backpressure instead of building one string per request (issue 11: a client that never
 * reads must not pin a whole export in memory).
 */

/** `{"count":N,"events":[…]}` in pieces. */
export function* jsonList(events: readonly RecentEvent[]): Generator<string> {
  yield `{"count":${events.length},"events":[`;
  for (let i = 0; i < events.length; i++)
    yield `${i === 0 ? '' : ','}${JSON.stringify((events[i] as RecentEvent).event)}`;
  yield ']}';
}

/** One JSON event per line. */
export function* ndjsonLines(events: readonly RecentEvent[]): Generator<string> {
  for (const e of events) yield `${JSON.stringify(e.event)}\n`;
}

/** RFC 4180 CSV, one row per event, with spreadsheet formulas defused (see {@link csvCell}). */
export function* csvRows(events: readonly RecentEvent[]): Generator<string> {
  yield 'time_fired_us,event_type,entity_id,domain,state,source,mode,key\n';
  for (const e of events)
    yield `${[e.time_fired, e.event_type, e.entity_id, e.domain, e.state, e.source, e.mode, e.key].map(csvCell).join(',')}\n`;
}

/** Line protocol in slices of 500 events, so a large export is never one string in memory. */
export function* lpSlices(
  events: readonly RecentEvent[],
  toLineProtocol: (events: readonly Readonly<Record<string, unknown>>[]) => string,
): Generator<string> {
  for (let i = 0; i < events.length; i += 500) yield toLineProtocol(events.slice(i, i + 500).map((e) => e.event));
}

/**
 * One CSV cell. Quotes, commas and line breaks are quoted (RFC 4180). A state such as `=HYPERLINK(…)`
 * comes from outside (an MQTT payload) and a spreadsheet would run it as a formula, so a text cell that
 * starts with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` (OWASP CSV injection); numbers like `-3.5`
 * stay as they are.
 */
export function csvCell(value: unknown): string {
  let s = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
