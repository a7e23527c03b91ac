import type { RecentFilter } from './recent.js';

/** Query parameters each route accepts; anything else is a 400 naming the parameter. */
export const QUERY_PARAMS: Readonly<Record<string, readonly string[]>> = {
  '/api/v1/events/recent': ['limit', 'entity_id', 'domain', 'event_type'],
  '/api/v1/events/stream': ['entity_id', 'domain', 'event_type'],
  '/api/v1/export': ['format', 'limit', 'entity_id', 'domain', 'event_type', 'start', 'end', 'entities'],
};

/** What a route's query parsed into, or the 400 message. */
export type QueryResult =
  | { readonly ok: true; readonly filter: RecentFilter; readonly limit: number; readonly format: string }
  | { readonly ok: false; readonly error: string };

/**
 * Reads a route's query parameters: filters (single identifiers), `limit` (1–10000) and `format`. Every
 * outside string is checked before use and quoted cut to 80 characters in errors; a parameter given twice
 * is refused rather than silently taking the first (issue 11: HTTP inputs are untrusted).
 */
export function readQuery(url: URL, route: string, defaultLimit: number): QueryResult {
  const allowed = QUERY_PARAMS[route] ?? [];
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (!allowed.includes(key)) {
      const hint = allowed.length === 0 ? 'this route takes none' : `allowed: ${allowed.join(', ')}`;
      return { ok: false, error: `unknown query parameter ${quote(key)} (${hint})` };
    }
    if (seen.has(key)) return { ok: false, error: `query parameter ${quote(key)} given more than once` };
    seen.add(key);
  }
  const filter: { entity_id?: string; domain?: string; event_type?: string } = {};
  for (const key of ['entity_id', 'domain', 'event_type'] as const) {
    const value = url.searchParams.get(key);
    if (value === null) continue;
    if (value === '' || value.length > 255 || /[\s,\p{Cc}]/u.test(value)) {
      return {
        ok: false,
        error: `${key} must be a single non-empty identifier without spaces, commas or control characters (got ${quote(value)})`,
      };
    }
    filter[key] = value;
  }
  const rawLimit = url.searchParams.get('limit');
  const limit = rawLimit === null ? defaultLimit : Number(rawLimit);
  if (rawLimit !== null && (!/^\d{1,5}$/.test(rawLimit) || limit < 1 || limit > 10_000)) {
    return { ok: false, error: `limit must be an integer between 1 and 10000 (got ${quote(rawLimit)})` };
  }
  const format = url.searchParams.get('format') ?? 'ndjson';
  if (!['ndjson', 'csv', 'lp', 'json', 'parquet'].includes(format))
    return { ok: false, error: `format must be one of ndjson, csv, lp, json, parquet (got ${quote(format)})` };
  return { ok: true, filter, limit, format };
}

// --- internal ---

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
