/**
 * Parses an HTTP `Retry-After` header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) to ms from `nowMs`.
 * Undefined when absent or unparsable; a date in the past is 0. Hand the result to an SdkError's
 * `retryAfterMs`, which core's retry honours (capped, see `RETRY_AFTER_CAP_FACTOR`).
 *
 * @example
 * parseRetryAfter(res.headers['retry-after'], Date.now()); // '120' → 120000
 */
export function parseRetryAfter(
  value: string | readonly string[] | null | undefined,
  nowMs: number,
): number | undefined {
  const raw = Array.isArray(value) ? (value as readonly string[])[0] : (value as string | null | undefined);
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  // delay-seconds is 1*DIGIT; some servers send a fraction, which is read too.
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date names a day and a month (`Sun, 06 Nov 1994 08:49:37 GMT`); without letters it is garbage
  // such as `-5`, which Date.parse would read as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
