import { eventKey, parseHaTime, secondsToMicros, splitEntityId } from '@ha-ingestor/core';
import { MAX_JSON_DEPTH, jsonDepthBeyond, parseJsonText, valueDepth } from '@ha-ingestor/core/json';
import type {
  DeliveryMode,
  EpochMicros,
  HaContext,
  HaEvent,
  HaState,
  Provenance,
  StateChangedEvent,
} from '@ha-ingestor/core';
import type { JsonTextError } from '@ha-ingestor/core/json';

/**
 * Free functions for HA's WebSocket wire format: frame splitting, message classification and
 * normalisation of HA events and recorder rows into core events. No I/O here.
 */

/** One message of HA's WebSocket protocol, as far as the client cares. */
export type HaMessage =
  | { readonly kind: 'auth_required' }
  | { readonly kind: 'auth_ok'; readonly haVersion: string | undefined }
  | { readonly kind: 'auth_invalid'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly success: true; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly code: string; readonly message: string }
  | { readonly kind: 'event'; readonly id: number; readonly event: unknown }
  | { readonly kind: 'pong'; readonly id: number }
  | { readonly kind: 'unknown'; readonly raw: unknown };

/** A message of a coalesced frame refused on its own (nested past MAX_JSON_DEPTH), with its index. */
export interface RefusedMessage {
  readonly index: number;
  readonly error: JsonTextError;
}

/** Result of {@link splitFrame}: the messages of one text frame (and any refused alone), or why it is not JSON. */
export type FrameParse =
  | { readonly ok: true; readonly messages: readonly unknown[]; readonly refused: readonly RefusedMessage[] }
  | { readonly ok: false; readonly error: JsonTextError };

/**
 * Parses one text frame. With `coalesce_messages` a frame is an object or an array of objects. Nesting
 * past core's MAX_JSON_DEPTH is refused (`json_too_deep`) before anything walks it (issue 11) — per
 * message: one hostile state in a coalesced frame must not cost the other messages of the frame.
 */
export function splitFrame(text: string): FrameParse {
  if (jsonDepthBeyond(text, MAX_JSON_DEPTH) === undefined) {
    const parsed = parseJsonText(text, Number.POSITIVE_INFINITY);
    if (!parsed.ok) return parsed;
    return { ok: true, messages: Array.isArray(parsed.value) ? parsed.value : [parsed.value], refused: [] };
  }
  // Too deep somewhere: JSON.parse itself is iterative (safe at any depth); measure each message.
  const parsed = parseJsonText(text, Number.POSITIVE_INFINITY);
  if (!parsed.ok) return parsed;
  const tooDeep: JsonTextError = {
    reason: 'json_too_deep',
    message: `message nests deeper than ${MAX_JSON_DEPTH} levels`,
  };
  if (!Array.isArray(parsed.value)) return { ok: false, error: tooDeep };
  const messages: unknown[] = [];
  const refused: RefusedMessage[] = [];
  (parsed.value as unknown[]).forEach((message, index) => {
    if (valueDepth(message, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) refused.push({ index, error: tooDeep });
    else messages.push(message);
  });
  return { ok: true, messages, refused };
}

/** Classifies one decoded message. Anything unexpected is `unknown` (tolerated, never thrown). */
export function classifyMessage(raw: unknown): HaMessage {
  if (!isRecord(raw)) return { kind: 'unknown', raw };
  const type = raw['type'];
  const id = raw['id'];
  switch (type) {
    case 'auth_required':
      return { kind: 'auth_required' };
    case 'auth_ok':
      return { kind: 'auth_ok', haVersion: typeof raw['ha_version'] === 'string' ? raw['ha_version'] : undefined };
    case 'auth_invalid':
      return { kind: 'auth_invalid', message: typeof raw['message'] === 'string' ? raw['message'] : 'auth_invalid' };
    case 'result': {
      if (typeof id !== 'number') return { kind: 'unknown', raw };
      if (raw['success'] === true) return { kind: 'result', id, success: true, result: raw['result'] };
      const error = isRecord(raw['error']) ? raw['error'] : {};
      return {
        kind: 'error',
        id,
        code: typeof error['code'] === 'string' ? error['code'] : 'unknown_error',
        message: typeof error['message'] === 'string' ? error['message'] : 'Unknown error',
      };
    }
    case 'event':
      return typeof id === 'number' ? { kind: 'event', id, event: raw['event'] } : { kind: 'unknown', raw };
    case 'pong':
      return typeof id === 'number' ? { kind: 'pong', id } : { kind: 'unknown', raw };
    default:
      return { kind: 'unknown', raw };
  }
}

/** Outcome of normalising one HA event: the core event, or why it was rejected (for the dead-letter). */
export type Normalised =
  | { readonly ok: true; readonly event: HaEvent }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/** Provenance fields common to every event of one receipt. */
export interface ProvenanceInput {
  readonly source: string;
  readonly mode: DeliveryMode;
  readonly receivedAt: EpochMicros;
}

/**
 * Normalises an HA wire event (`{event_type, data, origin, time_fired, context}`) into a core event.
 * State changes are flattened and stamped with `new_state.last_updated` (µs kept); a removed entity
 * (`new_state: null`) gets state null, attributes {} and `time_fired`.
 */
export function normaliseEvent(raw: unknown, provenance: ProvenanceInput): Normalised {
  if (!isRecord(raw)) return invalid('event is not an object');
  const eventType = raw['event_type'];
  if (typeof eventType !== 'string' || eventType === '') return invalid('event_type missing');
  const timeFired = typeof raw['time_fired'] === 'string' ? parseTime(raw['time_fired']) : undefined;
  if (timeFired === undefined) return invalid(`${eventType}: time_fired missing or not an ISO timestamp`);
  const data = raw['data'] === undefined ? {} : raw['data'];
  if (!isRecord(data)) return invalid(`${eventType}: data is not an object`);
  const context = parseContext(raw['context']);
  const origin: 'LOCAL' | 'REMOTE' | undefined =
    raw['origin'] === 'LOCAL' || raw['origin'] === 'REMOTE' ? raw['origin'] : undefined;
  const prov: Provenance = { source: provenance.source, mode: provenance.mode, receivedAt: provenance.receivedAt };
  const base: EventBase = {
    time_fired: timeFired,
    context,
    provenance: prov,
    ...(origin === undefined ? {} : { origin }),
  };

  if (eventType === 'state_changed') return normaliseStateChanged(data, base);

  if (eventType === 'call_service') {
    const { domain, service } = data;
    const serviceData = data['service_data'] ?? {};
    if (typeof domain !== 'string' || typeof service !== 'string' || !isRecord(serviceData)) {
      return invalid('call_service: domain/service/service_data missing or mistyped');
    }
  } else if (eventType === 'automation_triggered' || eventType === 'script_started') {
    if (typeof data['name'] !== 'string' || typeof data['entity_id'] !== 'string') {
      return invalid(`${eventType}: name/entity_id missing or mistyped`);
    }
  }
  const key = eventKey({ event_type: eventType, data, time: timeFired, contextId: context?.id ?? null });
  return { ok: true, event: { event_type: eventType, data, ...base, key } as HaEvent };
}

/** Parses an HA state object (`get_states` entry, `old_state`/`new_state`). */
export function parseState(raw: unknown): HaState | undefined {
  if (!isRecord(raw)) return undefined;
  const entityId = raw['entity_id'];
  const state = raw['state'];
  const attributes = raw['attributes'] ?? {};
  if (typeof entityId !== 'string' || typeof state !== 'string' || !isRecord(attributes)) return undefined;
  const lastUpdated = typeof raw['last_updated'] === 'string' ? parseTime(raw['last_updated']) : undefined;
  if (lastUpdated === undefined) return undefined;
  const lastChanged =
    typeof raw['last_changed'] === 'string' ? (parseTime(raw['last_changed']) ?? lastUpdated) : lastUpdated;
  const lastReported = typeof raw['last_reported'] === 'string' ? parseTime(raw['last_reported']) : undefined;
  return {
    entity_id: entityId,
    state,
    attributes,
    last_changed: lastChanged,
    last_updated: lastUpdated,
    ...(lastReported === undefined ? {} : { last_reported: lastReported }),
    context: parseContext(raw['context']),
  };
}

/** One row of HA's compressed history (`history/history_during_period`, `history/stream`). */
export interface HistoryRow {
  readonly s: string;
  readonly a?: Readonly<Record<string, unknown>>;
  readonly lu: number;
  readonly lc?: number;
}

/**
 * Converts recorder rows of one entity into state changes. `lu` is float epoch seconds with µs; `lc`
 * is present only when it differs from `lu`. The key equals the live key (`entity_id@last_updated µs`);
 * `old_state` is unknown to the recorder and left null. Rows that are not rows are returned in `invalid`.
 */
export function historyRowsToEvents(
  entityId: string,
  rows: readonly unknown[],
  provenance: ProvenanceInput,
): { readonly events: StateChangedEvent[]; readonly invalid: unknown[] } {
  const { domain, object_id } = splitEntityId(entityId);
  const prov: Provenance = { source: provenance.source, mode: provenance.mode, receivedAt: provenance.receivedAt };
  const events: StateChangedEvent[] = [];
  const bad: unknown[] = [];
  for (const row of rows) {
    if (
      !isRecord(row) ||
      typeof row['s'] !== 'string' ||
      typeof row['lu'] !== 'number' ||
      !Number.isFinite(row['lu'])
    ) {
      bad.push(row);
      continue;
    }
    const attributes = isRecord(row['a']) ? row['a'] : {};
    // The recorder stores a removal (live new_state: null) as state "" without attributes.
    const removed = row['s'] === '' && Object.keys(attributes).length === 0;
    const lastUpdated = secondsToMicros(row['lu']);
    const lastChanged =
      typeof row['lc'] === 'number' && Number.isFinite(row['lc']) ? secondsToMicros(row['lc']) : lastUpdated;
    events.push({
      event_type: 'state_changed',
      entity_id: entityId,
      domain,
      object_id,
      state: removed ? null : row['s'],
      attributes,
      last_changed: lastChanged,
      last_updated: lastUpdated,
      old_state: null,
      time_fired: lastUpdated,
      context: null,
      provenance: prov,
      key: eventKey({ event_type: 'state_changed', entity_id: entityId, time: lastUpdated }),
    });
  }
  return { events, invalid: bad };
}

/** HA time of an event for checkpointing: the point time. */
export function eventTime(event: HaEvent): EpochMicros {
  return event.time_fired;
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- internal ---

// The six timestamps of a state change (last_changed/last_updated/last_reported of the old and the new state)
// are usually two or three distinct strings: remember the last few parsed (a fixed ring, not a growing cache)
// so each distinct string of an event is parsed once.
const TIME_MEMO_SIZE = 4;
const memoTexts: string[] = new Array<string>(TIME_MEMO_SIZE).fill('');
const memoValues: (EpochMicros | undefined)[] = new Array<EpochMicros | undefined>(TIME_MEMO_SIZE).fill(undefined);
let memoNext = 0;
function parseTime(text: string): EpochMicros | undefined {
  for (let i = 0; i < TIME_MEMO_SIZE; i++) {
    if (memoTexts[i] === text) return memoValues[i];
  }
  const value = parseHaTime(text);
  memoTexts[memoNext] = text;
  memoValues[memoNext] = value;
  memoNext = (memoNext + 1) % TIME_MEMO_SIZE;
  return value;
}

interface EventBase {
  readonly time_fired: EpochMicros;
  readonly context: HaContext | null;
  readonly provenance: Provenance;
  readonly origin?: 'LOCAL' | 'REMOTE';
}

function normaliseStateChanged(data: Record<string, unknown>, base: EventBase): Normalised {
  const entityId = data['entity_id'];
  if (typeof entityId !== 'string' || entityId === '') return invalid('state_changed: entity_id missing');
  const rawOld = data['old_state'] ?? null;
  const rawNew = data['new_state'] ?? null;
  const oldState = rawOld === null ? null : parseState(rawOld);
  if (oldState === undefined) return invalid(`state_changed ${entityId}: old_state malformed`);
  const { domain, object_id } = splitEntityId(entityId);
  if (rawNew === null) {
    // Removed entity: no new state; the point time is when HA fired the removal.
    const event: StateChangedEvent = {
      event_type: 'state_changed',
      entity_id: entityId,
      domain,
      object_id,
      state: null,
      attributes: {},
      last_changed: base.time_fired,
      last_updated: base.time_fired,
      old_state: oldState,
      ...base,
      key: eventKey({ event_type: 'state_changed', entity_id: entityId, time: base.time_fired }),
    };
    return { ok: true, event };
  }
  const newState = parseState(rawNew);
  if (newState === undefined) return invalid(`state_changed ${entityId}: new_state malformed`);
  const event: StateChangedEvent = {
    event_type: 'state_changed',
    entity_id: entityId,
    domain,
    object_id,
    state: newState.state,
    attributes: newState.attributes,
    last_changed: newState.last_changed,
    last_updated: newState.last_updated,
    ...(newState.last_reported === undefined ? {} : { last_reported: newState.last_reported }),
    old_state: oldState,
    ...base,
    // The point time of a state change is last_updated: the value backfill rows carry too.
    time_fired: newState.last_updated,
    context: base.context ?? newState.context,
    key: eventKey({ event_type: 'state_changed', entity_id: entityId, time: newState.last_updated }),
  };
  return { ok: true, event };
}

function parseContext(raw: unknown): HaContext | null {
  if (typeof raw === 'string') return { id: raw, parent_id: null, user_id: null };
  if (!isRecord(raw) || typeof raw['id'] !== 'string') return null;
  return {
    id: raw['id'],
    parent_id: typeof raw['parent_id'] === 'string' ? raw['parent_id'] : null,
    user_id: typeof raw['user_id'] === 'string' ? raw['user_id'] : null,
  };
}

function invalid(message: string): Normalised {
  return { ok: false, reason: 'invalid_event', message };
}
