import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the body's HMAC: `sha256=<lower-case hex>`. */
export const SIGNATURE_HEADER = 'X-Ha-Ingestor-Signature';

/**
 * The value of {@link SIGNATURE_HEADER} for `body`: `sha256=` and the hex HMAC-SHA256 of the raw bytes
 * under `secret` (GitHub's `X-Hub-Signature-256` scheme, so receivers that verify those verify this).
 *
 * @example
 * signBody(Buffer.from('[]'), secret); // 'sha256=…'
 */
export function signBody(body: Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks a received signature header against the raw body, in constant time: what a receiver written in
 * Node does (see the README for Python). False for a missing or malformed header.
 *
 * @example
 * if (!verifySignature(rawBody, req.headers['x-ha-ingestor-signature'], secret)) res.writeHead(401).end();
 */
export function verifySignature(
  body: Uint8Array,
  header: string | readonly string[] | undefined,
  secret: string,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signBody(body, secret), 'utf8');
  const received = Buffer.from(header.trim(), 'utf8');
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * The `Idempotency-Key` of one request: SHA-256 over the identity keys of its events (HA series + time),
 * so every retry of the same events — an attempt, a retry after a restart, a drained outbox entry — sends
 * the same key, and different batches get different ones.
 */
export function idempotencyKey(eventKeys: readonly string[]): string {
  const hash = createHash('sha256');
  for (const key of eventKeys) hash.update(key).update('\n');
  return hash.digest('hex');
}
