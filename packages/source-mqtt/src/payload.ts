import { errorMessage } from '@ha-ingestor/core';
import { MAX_JSON_DEPTH, parseJsonText } from '@ha-ingestor/core/json';

/** Why a payload could not be read; used as the dead-letter reason and metric label. */
export type PayloadProblem = 'payload_too_large' | 'invalid_utf8' | 'invalid_json' | 'json_too_deep';

/** A payload check that failed: the reason label and a human-readable message. */
export interface PayloadError {
  readonly reason: PayloadProblem | string;
  readonly message: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes a payload as strict UTF-8 (invalid sequences are an error, never U+FFFD). */
export function decodeUtf8(payload: Uint8Array): { ok: true; text: string } | { ok: false; error: PayloadError } {
  try {
    return { ok: true, text: decoder.decode(payload) };
  } catch (error) {
    return {
      ok: false,
      error: { reason: 'invalid_utf8', message: `payload is not valid UTF-8 (${errorMessage(error)})` },
    };
  }
}

/**
 * Parses JSON text from a payload. Nesting past `maxDepth` (core's MAX_JSON_DEPTH, 32) is refused with
 * `json_too_deep` before anything walks the value: issue 11, one statestream attribute of
 * `'['.repeat(3000)` crashed a timer that fingerprinted it, and the broker's redelivery crashed the restart.
 */
export function parseJson(
  text: string,
  maxDepth: number = MAX_JSON_DEPTH,
): { ok: true; value: unknown } | { ok: false; error: PayloadError } {
  const parsed = parseJsonText(text, maxDepth);
  if (parsed.ok) return { ok: true, value: parsed.value };
  return { ok: false, error: { reason: parsed.error.reason, message: `payload ${parsed.error.message}` } };
}

/** Checks the payload size against the limit. */
export function checkSize(payload: Uint8Array, maxBytes: number): PayloadError | undefined {
  if (payload.byteLength <= maxBytes) return undefined;
  return {
    reason: 'payload_too_large',
    message: `payload of ${payload.byteLength} bytes exceeds maxPayloadBytes ${maxBytes}`,
  };
}

/**
 * The payload as it goes into a dead-letter record: text when it is valid UTF-8, else base64 (marked),
 * cut to `maxBytes` so an oversized payload does not bloat the dead-letter file.
 */
export function rawPayload(
  payload: Uint8Array,
  maxBytes = 4096,
): { text: string } | { base64: string; truncated?: true } {
  const cut = payload.byteLength > maxBytes ? payload.subarray(0, maxBytes) : payload;
  const decoded = decodeUtf8(cut);
  const truncated = cut !== payload ? { truncated: true as const } : {};
  if (decoded.ok && cut === payload) return { text: decoded.text };
  return { base64: Buffer.from(cut).toString('base64'), ...truncated };
}

/** A JSON object (not an array or null) — what HA attribute payloads and device messages are. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
