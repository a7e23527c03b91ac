import type { EpochMicros, HaState, Logger, StateChangedEvent } from '@ha-ingestor/core';
import { eventKey, splitEntityId } from '@ha-ingestor/core';

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
  | { readonly kind: 'events'; readonly events: readonly StateChangedEvent[]; readonly onHandled?: () => void }
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
  /** Settles messages a parser returned `pending` for (all of them share the result and its ack). */
  readonly settle: (messages: readonly MqttMessage[], result: SettledResult) => void;
  /** Subscribes an extra topic (discovery: the state topics named by configs). */
  readonly subscribe: (topic: string) => void;
}

/**
 * A message parser: turns messages of its subscription into state-changed events. Plain objects; users
 * add their own through `hooks.parsers` and name them in a subscription's `parser`.
 */
export interface MqttParser {
  readonly name: string;
  readonly parse: (message: MqttMessage, ctx: ParserContext) => ParseResult;
  /** True for topics the parser learned (discovery state topics), which may lie outside every subscription. */
  readonly owns?: (topic: string) => boolean;
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

/** JSON with object keys sorted, for order-insensitive equality of attribute sets. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A JSON value as state text: strings as they are, `null` → `unknown`, numbers and booleans as text, others JSON. */
export function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'unknown';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}
