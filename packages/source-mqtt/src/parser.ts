import type { EpochMicros, Guard, HaState, Logger, StateChangedEvent } from '@ha-ingestor/core';
import { eventKey, splitEntityId } from '@ha-ingestor/core';
import { MAX_JSON_DEPTH, valueDepth } from '@ha-ingestor/core/json';

/** One received MQTT message as parsers see it (size and UTF-8 already checked by the source). */
export interface MqttMessage {
  /** Sequence number within the source; identifies the message when a parser settles it later. */
  readonly id: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  /** The payload decoded as strict UTF-8. */
  readonly text: string;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  /** Receipt time, epoch µs. */
  readonly receivedAt: EpochMicros;
}

/** What became of a message. Every result except `pending` settles it at once. */
export type ParseResult =
  /** Events to emit; the message is acknowledged once the pipeline handled all of them. */
  | {
      readonly kind: 'events';
      readonly events: readonly StateChangedEvent[];
      /** Called once the pipeline handled every one of these events, just before the message is acknowledged. */
      readonly onHandled?: () => void;
    }
  /** Bad input: dead-lettered with `reason` (metric label) and acknowledged. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly message: string }
  /** Dropped on purpose (retained replay, bridge topic, discovery config): acknowledged. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** Not a topic this parser understands (yet): the source tries other parsers, then dead-letters. */
  | { readonly kind: 'unmapped' }
  /** The parser keeps the message and settles it later with {@link ParserContext.settle}. */
  | { readonly kind: 'pending' };

/** A result that settles a message (anything but `pending`/`unmapped`). */
export type SettledResult = Exclude<ParseResult, { kind: 'pending' } | { kind: 'unmapped' }>;

/** What the source gives a parser. */
export interface ParserContext {
  /** Source name for provenance. */
  readonly source: string;
  /** Clock, epoch ms. */
  readonly now: () => number;
  readonly logger: Logger;
  /**
   * Settles messages a parser returned `pending` for (all of them share the result and its ack). Never
   * throws: whatever goes wrong inside is reported and the messages are still acknowledged.
   */
  readonly settle: (messages: readonly MqttMessage[], result: SettledResult) => void;
  /**
   * Subscribes an extra topic (discovery: the state topics named by configs). Returns false when the
   * source refused it: over `maxDynamicSubscriptions`, or not a plain topic name (wildcards, `$`).
   */
  readonly subscribe: (topic: string) => boolean;
  /** Gives up a topic {@link subscribe}d earlier (its last config was removed or evicted). */
  readonly unsubscribe: (topic: string) => void;
  /**
   * The source's guard (core's createGuard, stage `source:mqtt`) for every timer or listener a parser
   * starts: it reports what the callback threw and runs `recover`, where the parser settles the messages
   * the callback held as `invalid` / `callback_failed` so they are dead-lettered and acknowledged (issue 11:
   * a throw in the statestream timer killed the process and the unacknowledged message came back).
   */
  readonly guard: Guard;
  /**
   * Counts entries a bounded structure of the parser evicted or cut early, by `bound` (a short fixed
   * name such as `statestream_open`): `ha_ingestor_mqtt_evictions_total{bound}`, logged once per bound.
   */
  readonly evicted: (bound: string, count?: number) => void;
  /**
   * True while messages held back by parsers fill half of `maxInFlight`: do not start holding messages
   * only to improve them (statestream timestamp waits) — see {@link MqttParser.relieve}.
   */
  readonly crowded: () => boolean;
  /**
   * True while the source cannot read because earlier messages wait for the *pipeline* (the ack window is
   * full and its head is not held by a parser): a message a parser waits for may be queued at the broker,
   * so a wait that ends now says nothing about whether it exists — extend it instead (issue 11: under
   * load after a restart, a 2 s timestamp wait expired behind a slow database and stored a receipt-time
   * duplicate).
   */
  readonly backlogged: () => boolean;
}

/**
 * A message parser: turns messages of its subscription into state-changed events. Plain objects; users
 * add their own through `hooks.parsers` and name them in a subscription's `parser`.
 */
export interface MqttParser {
  readonly name: string;
  /** Turns one message into events, a skip (with a reason) or an error; never throws on bad input. */
  readonly parse: (message: MqttMessage, ctx: ParserContext) => ParseResult;
  /** True for topics the parser learned (discovery state topics), which may lie outside every subscription. */
  readonly owns?: (topic: string) => boolean;
  /**
   * The ack window is nearly full: settle at once what is held only to improve it (statestream changes
   * waiting for their timestamp). PUBACKs go out in receive order, so one held message at the head keeps
   * every later one unacknowledged, and at `maxInFlight` the source stops reading (issue 11).
   */
  readonly relieve?: (ctx: ParserContext) => void;
  /**
   * The connection is gone: forget every pending message *without* settling it. None was acknowledged,
   * so the broker redelivers them on the next connection; settling them now would emit a half-assembled
   * change (no `last_updated`: a receipt-time key) and the redelivered copy would then be a second point.
   * Memory of handled changes (replay detection) is kept. QoS 0 messages are never redelivered: a change
   * made only of them is settled as it is.
   */
  readonly abandon?: (ctx: ParserContext) => void;
  /** Settles every pending message now (used on stop and in tests). */
  readonly flush?: (ctx: ParserContext) => void;
  /** Drops timers and memory. */
  readonly close?: () => void;
}

/** Input of {@link buildStateEvent}. */
export interface StateEventInput {
  readonly entityId: string;
  readonly state: string | null;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** HA's last_updated when the message carried it; else the receipt time is used and flagged. */
  readonly lastUpdated?: EpochMicros;
  readonly lastChanged?: EpochMicros;
  readonly oldState?: HaState | null;
  /** The message the event came from (the first one when several were assembled). */
  readonly message: MqttMessage;
  readonly source: string;
}

/**
 * Builds a StateChangedEvent with provenance `{ source, mode: 'live', receivedAt, topic, retain, qos }` and
 * the SDK identity `entity_id@last_updated` (the WebSocket source's key for the same HA change).
 */
export function buildStateEvent(input: StateEventInput): StateChangedEvent {
  const { domain, object_id } = splitEntityId(input.entityId);
  const fromReceipt = input.lastUpdated === undefined;
  const time = input.lastUpdated ?? input.message.receivedAt;
  return {
    event_type: 'state_changed',
    time_fired: time,
    context: null,
    entity_id: input.entityId,
    domain,
    object_id,
    state: input.state,
    attributes: input.attributes,
    last_changed: input.lastChanged ?? time,
    last_updated: time,
    old_state: input.oldState ?? null,
    key: eventKey({ event_type: 'state_changed', entity_id: input.entityId, time }),
    provenance: {
      source: input.source,
      mode: 'live',
      receivedAt: input.message.receivedAt,
      topic: input.message.topic,
      retain: input.message.retain,
      qos: input.message.qos,
      ...(fromReceipt ? { timeFromReceipt: true } : {}),
    },
  };
}

/** A valid HA entity id: `<domain>.<object_id>`, lower-case letters, digits and `_`. */
export function isValidEntityId(entityId: string): boolean {
  return /^[a-z0-9_]+\.[a-z0-9_]+$/.test(entityId);
}

/**
 * Deepest value {@link stableJson} fingerprints: a parsed payload (at most MAX_JSON_DEPTH, refused by
 * `parseJson` beyond) placed in an attribute set and that set in a `[state, attributes, …]` tuple.
 */
export const STABLE_JSON_MAX_DEPTH = MAX_JSON_DEPTH + 2;

/**
 * JSON with object keys sorted, for order-insensitive equality of attribute sets. Returns `undefined`
 * (a refusal the caller dead-letters as `json_too_deep`) for a value nesting deeper than `maxDepth`, a
 * cyclic one, or one JSON cannot represent (BigInt): it never throws. Regression (issue 11): the replacer
 * recursion threw a RangeError on `'['.repeat(3000)` inside the statestream timer and killed the process.
 */
export function stableJson(value: unknown, maxDepth: number = STABLE_JSON_MAX_DEPTH): string | undefined {
  // Measured iteratively first, so the recursive stringify below only ever sees a bounded depth.
  if (valueDepth(value, maxDepth) > maxDepth) return undefined;
  try {
    return JSON.stringify(value, sortKeys);
  } catch {
    // Not representable as JSON (BigInt, a throwing toJSON): refused like a too-deep value, never thrown.
    return undefined;
  }
}

/** A JSON value as state text: strings as they are, `null` → `unknown`, numbers and booleans as text, others JSON. */
export function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'unknown';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

// --- internal ---

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
