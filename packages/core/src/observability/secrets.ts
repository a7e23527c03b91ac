/** The text shown instead of a secret in logs, errors and config endpoints. */
export const MASK = '***';

/** Key names whose values are secrets wherever they appear. */
const SECRET_KEY_RE = /(token|password|passwd|secret|api[_-]?key|apikey|authorization|credential)/i;

/** True when a config key names a secret (`token`, `password`, `apiKey`, `INFLUXDB_TOKEN`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key);
}

/**
 * A deep copy of `value` with every secret-named key's value replaced by {@link MASK}, and credentials in
 * URLs (`mqtt://user:pass@host`) masked. Use before logging or serving any config.
 */
export function maskSecrets<T>(value: T): T {
  return maskValue(value, false) as T;
}

/** Masks the password (and token-like query parameters) of a URL string; other text is returned as is. */
export function maskUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (url.password) url.password = MASK;
  for (const key of [...url.searchParams.keys()]) {
    if (isSecretQueryKey(key)) url.searchParams.set(key, MASK);
  }
  return url.toString();
}

/**
 * Masks secrets in free text before it is logged, stored or shown (error messages, response bodies, raw
 * frames): every occurrence of each of `secrets` (as given and URL-encoded) becomes {@link MASK}, and so do
 * the password of every `//user:password@` (also where the text around it is no valid URL: the match runs to
 * the last `@` of the token, so a password with an unencoded `@` or `/` is masked whole) and the value of
 * every secret-named query parameter (`token=`, `api_key=`, InfluxDB 1.x `u=`/`p=`, as {@link maskUrl} does).
 * The rest of the text is left exactly as it was.
 *
 * Issue 12: the SDK's one redactor for text (the WebSocket source, the HTTP context providers and the
 * reference app each had their own).
 *
 * @example
 * logger.warn({ body: redactSecrets(body, [options.apiKey]) }, 'provider refused the request');
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(MASK);
  }
  out = out.replace(CREDENTIALS_RE, (whole, slashes: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? whole : `${slashes}${userinfo.slice(0, colon)}:${MASK}@`;
  });
  return out.replace(QUERY_PARAM_RE, (whole, lead: string, key: string) =>
    isSecretQueryKey(key) ? `${lead}${key}=${MASK}` : whole,
  );
}

// --- internal ---

/** `//userinfo@` in any text; any `//`, not only after a well-formed scheme (`gopher{://u:pw@h` still holds a password). */
const CREDENTIALS_RE = /(\/\/)([^\s"'<>`]*)@/g;
/** `?key=value` / `&key=value` in any text. */
const QUERY_PARAM_RE = /([?&])([\w.~-]+)=([^&\s#"'<>`]*)/g;

function isSecretQueryKey(key: string): boolean {
  return isSecretKey(key) || key === 'p' || key === 'u';
}

function maskValue(value: unknown, secret: boolean): unknown {
  if (secret && value !== undefined && value !== null && value !== '') return MASK;
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? maskUrl(value) : value;
  if (Array.isArray(value)) return value.map((v) => maskValue(v, false));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, isSecretKey(k));
    return out;
  }
  return value;
}
