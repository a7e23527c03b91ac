import type { DeliveryMode, HaEvent } from '@ha-ingestor/core';
import { MAX_EVENT_DEPTH, parseJsonText } from '@ha-ingestor/core/json';

/**
 * The wire format of one event on NATS:
 *
 * | bytes | content |
 * |---|---|
 * | 0 | format version, {@link FORMAT_VERSION} (1) |
 * | 1… | UTF-8 JSON of the event, `provenance.home` set to the edge's home |
 *
 * JSON because it is what every stage already costs (the edge parsed HA's JSON, the writer serialises line
 * protocol): the bench measured one `JSON.stringify` + one `JSON.parse` per event as a small share of an
 * edge's and a writer's CPU, and any NATS tool can read the messages. The version byte lets a later format
 * (a binary one, compression) coexist in one stream during a rolling upgrade: a writer refuses versions it
 * does not know, with a clear dead-letter reason, instead of misreading them.
 */
export const FORMAT_VERSION = 1;

const MODES: ReadonlySet<string> = new Set<DeliveryMode>(['live', 'backfill', 'import', 'replay']);

/** Why a message could not be decoded (dead-letter reason and message). */
export interface DecodeError {
  readonly reason: 'empty_message' | 'unknown_format_version' | 'invalid_json' | 'json_too_deep' | 'invalid_event';
  readonly message: string;
}

/** Encodes an event (already carrying its home in `provenance.home`) as version byte + JSON. Throws on a value JSON cannot hold. */
export function encodeEvent(event: unknown): Uint8Array {
  const json = JSON.stringify(event);
  if (json === undefined) throw new TypeError('event is not a JSON value');
  const body = Buffer.from(json, 'utf8');
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = FORMAT_VERSION;
  body.copy(out, 1);
  return out;
}

/** Decodes a message made by {@link encodeEvent}; never throws. */
export function decodeEvent(
  data: Uint8Array,
): { readonly ok: true; readonly event: HaEvent } | { readonly ok: false; readonly error: DecodeError } {
  if (data.length === 0) return fail('empty_message', 'empty message');
  const version = data[0];
  if (version !== FORMAT_VERSION)
    return fail(
      'unknown_format_version',
      `unknown format version ${String(version)} (this writer reads version ${FORMAT_VERSION}; upgrade it)`,
    );
  const text = Buffer.from(data.buffer, data.byteOffset + 1, data.length - 1).toString('utf8');
  const parsed = parseJsonText(text, MAX_EVENT_DEPTH);
  if (!parsed.ok) return fail(parsed.error.reason, parsed.error.message);
  const problem = shapeProblem(parsed.value);
  if (problem !== undefined) return fail('invalid_event', problem);
  return { ok: true, event: parsed.value as HaEvent };
}

/**
 * {@link decodeEvent} for a writer: sets `provenance.source` and `provenance.topic` on the freshly parsed event
 * (it owns that object), so the event needs no further copy. Internal to the package.
 */
export function decodeEventFrom(data: Uint8Array, source: string, topic: string): ReturnType<typeof decodeEvent> {
  const decoded = decodeEvent(data);
  if (decoded.ok) {
    const provenance = decoded.event.provenance as { source: string; topic?: string };
    provenance.source = source;
    provenance.topic = topic;
  }
  return decoded;
}

// --- internal ---

function fail(reason: DecodeError['reason'], message: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { reason, message } };
}

/** The envelope fields the pipeline relies on; the rest was validated at the edge. */
function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'event is not a JSON object';
  const event = value as Record<string, unknown>;
  if (typeof event['event_type'] !== 'string' || event['event_type'] === '')
    return 'event_type is not a non-empty string';
  if (typeof event['key'] !== 'string' || event['key'] === '') return 'key is not a non-empty string';
  if (!Number.isSafeInteger(event['time_fired'])) return 'time_fired is not an integer (epoch µs)';
  const provenance = event['provenance'];
  if (typeof provenance !== 'object' || provenance === null) return 'provenance is not an object';
  const mode = (provenance as Record<string, unknown>)['mode'];
  if (typeof mode !== 'string' || !MODES.has(mode)) return 'provenance.mode is not live, backfill, import or replay';
  if (event['event_type'] === 'state_changed') {
    if (typeof event['entity_id'] !== 'string') return 'state_changed without entity_id';
    if (typeof event['domain'] !== 'string') return 'state_changed without domain';
  }
  return undefined;
}
