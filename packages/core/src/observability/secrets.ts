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
    if (isSecretKey(key) || key === 'p' || key === 'u') url.searchParams.set(key, MASK);
  }
  return url.toString();
}

// --- internal ---

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
