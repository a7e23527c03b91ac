/**
 * The floor's line protocol: the least a hand-written ingestor must do to store the same information as
 * the `ha` schema (HA's InfluxDB integration): measurement = unit of measurement (else entity id), tags
 * `domain` + `entity_id`, a float `value` for numeric states else a `state` string, every attribute as a
 * float field or a `<key>_str` string; other events as one `events` line with the data as JSON. Correct
 * escaping, µs timestamps; no validation, no dedupe, no enrichment, no type bookkeeping.
 */

type Json = Record<string, unknown>;

/** Serialises one HA wire event (`{event_type, data, time_fired, …}`); `undefined` when there is nothing to write. */
export function handLine(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as Json;
  const type = e['event_type'];
  const data = e['data'] as Json | undefined;
  if (typeof type !== 'string' || data === undefined) return undefined;
  if (type !== 'state_changed') {
    const fired = typeof e['time_fired'] === 'string' ? isoToMicros(e['time_fired']) : undefined;
    if (fired === undefined) return undefined;
    return `events,event_type=${escapeTag(type)} data=${quote(JSON.stringify(data))} ${fired}`;
  }
  const entityId = data['entity_id'];
  const ns = data['new_state'] as Json | null | undefined;
  if (typeof entityId !== 'string' || ns === null || ns === undefined) return undefined;
  const state = ns['state'];
  const lastUpdated = typeof ns['last_updated'] === 'string' ? isoToMicros(ns['last_updated']) : undefined;
  if (typeof state !== 'string' || lastUpdated === undefined) return undefined;
  const attrs = (ns['attributes'] ?? {}) as Json;
  const dot = entityId.indexOf('.');
  const unit = attrs['unit_of_measurement'];
  const measurement = typeof unit === 'string' && unit !== '' ? unit : entityId;
  let line = `${escapeMeasurement(measurement)},domain=${escapeTag(entityId.slice(0, dot))},entity_id=${escapeTag(entityId.slice(dot + 1))} `;
  const num = state.trim() === '' ? Number.NaN : Number(state);
  line += Number.isFinite(num) ? `value=${num}` : `state=${quote(state)}`;
  for (const key in attrs) {
    if (key === 'unit_of_measurement') continue;
    const v = attrs[key];
    if (typeof v === 'number' && Number.isFinite(v)) line += `,${escapeTag(key)}=${v}`;
    else if (v !== null && v !== undefined)
      line += `,${escapeTag(key)}_str=${quote(typeof v === 'string' ? v : JSON.stringify(v))}`;
  }
  return `${line} ${lastUpdated}`;
}

/** `2026-01-01T00:00:00.123456+00:00` → epoch µs (HA always sends an offset). */
export function isoToMicros(iso: string): number | undefined {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const dot = iso.indexOf('.', 17);
  let micros = 0;
  if (dot > 0) {
    const frac = /^\d+/.exec(iso.slice(dot + 1))?.[0] ?? '';
    micros = Number(frac.slice(3, 6).padEnd(3, '0'));
  }
  return ms * 1000 + micros;
}

function escapeMeasurement(s: string): string {
  return /[,\s\\]/.test(s) ? s.replace(/[,\s\\]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : s;
}

function escapeTag(s: string): string {
  return /[,=\s\\]/.test(s) ? s.replace(/[,=\s\\]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : s;
}

function quote(s: string): string {
  return `"${/["\\]/.test(s) ? s.replace(/["\\]/g, '\\$&') : s}"`;
}
