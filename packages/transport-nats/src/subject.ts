/**
 * Subject tokens. A NATS subject is dot-separated tokens; `.` separates, `*` and `>` are wildcards and
 * whitespace ends the subject in the protocol line. The rule: every character outside `[A-Za-z0-9_-]`
 * becomes `_`, an empty token becomes `_`, and a token over {@link MAX_TOKEN_LENGTH} characters is cut and
 * suffixed with a hash of the whole, so two long names never share a token by accident.
 */

/** Longest token produced by {@link sanitiseToken}. */
export const MAX_TOKEN_LENGTH = 64;
/** Domain token of events that are not state changes (`call_service`, `automation_triggered`, …). */
export const EVENTS_TOKEN = '_events';

/** `value` as one safe NATS subject token (see the module comment for the rule). */
export function sanitiseToken(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe.length === 0) return '_';
  if (safe.length <= MAX_TOKEN_LENGTH) return safe;
  return `${safe.slice(0, MAX_TOKEN_LENGTH - 9)}_${fnv1a(value)}`;
}

/** What the subject of an event depends on. */
export interface SubjectEvent {
  readonly event_type: string;
  readonly domain?: string;
}

/** `<prefix>.<home>.<domain>`, with `_events` as the domain of events that are not state changes. */
export function subjectOf(prefix: string, homeToken: string, event: SubjectEvent): string {
  const domain =
    event.event_type === 'state_changed' && typeof event.domain === 'string'
      ? sanitiseToken(event.domain)
      : EVENTS_TOKEN;
  return `${prefix}.${homeToken}.${domain}`;
}

// --- internal ---

/** 32-bit FNV-1a as 8 hex digits: short, stable, no dependency. */
function fnv1a(value: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
