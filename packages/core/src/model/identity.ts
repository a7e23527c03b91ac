import type { EpochMicros, HaEvent, StateChangedEvent } from './event.js';

/**
 * The series an event belongs to: the entity for state changes, the event type (plus the entity or
 * domain/service it concerns) otherwise. Dedupe memory is per series.
 */
export function eventSeries(
  event: { readonly event_type: string } & Partial<Pick<StateChangedEvent, 'entity_id'>> & {
      readonly data?: Readonly<Record<string, unknown>>;
    },
): string {
  if (event.event_type === 'state_changed' && event.entity_id !== undefined) return event.entity_id;
  const data = event.data;
  const entity = data?.['entity_id'];
  if (typeof entity === 'string') return `${event.event_type}:${entity}`;
  const domain = data?.['domain'];
  const service = data?.['service'];
  if (typeof domain === 'string' && typeof service === 'string') return `${event.event_type}:${domain}.${service}`;
  return event.event_type;
}

/**
 * Deterministic identity of an HA occurrence: series + HA timestamp (+ context id for non-state events,
 * where two occurrences may share a microsecond). Live, backfilled, imported and MQTT copies of the same
 * state change get the same key.
 */
export function eventKey(input: {
  readonly event_type: string;
  readonly entity_id?: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly time: EpochMicros;
  readonly contextId?: string | null;
}): string {
  const series = eventSeries(input);
  if (input.event_type === 'state_changed') return `${series}@${input.time}`;
  return `${series}@${input.time}#${input.contextId ?? ''}`;
}

/** True when the event is a state change (type guard). */
export function isStateChanged(event: HaEvent): event is StateChangedEvent;
export function isStateChanged<E extends { readonly event_type: string }>(event: E): event is E & StateChangedEvent;
export function isStateChanged(event: { readonly event_type: string }): boolean {
  return event.event_type === 'state_changed';
}

/** Splits an entity id into domain and object id (`sensor.kitchen_temp` → `sensor`, `kitchen_temp`). */
export function splitEntityId(entityId: string): { domain: string; object_id: string } {
  const dot = entityId.indexOf('.');
  if (dot <= 0) return { domain: '', object_id: entityId };
  return { domain: entityId.slice(0, dot), object_id: entityId.slice(dot + 1) };
}

/**
 * The identity of an event for dedupe: `event.key` (see {@link eventKey}), else `series@time_fired`.
 * Undefined when the event has neither, and such an event is never treated as a duplicate.
 */
export function dedupeIdentity(event: unknown): { series: string; key: string } | undefined {
  const series = identitySeries(event);
  if (series === undefined) return undefined;
  const key = identityKey(event as Record<string, unknown>, series);
  return key === undefined ? undefined : { series, key };
}

/**
 * Series of an event for dedupe: {@link eventSeries} for HA-shaped events, else its `entity_id`. With a
 * `provenance.home` (multi-home deployments, issue 16) the series is `<home>:<series>`: two homes that both
 * have `sensor.power` are two series, so a writer receiving many homes never drops one home's change as a
 * repeat of another's.
 */
export function identitySeries(event: unknown): string | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  let series: string | undefined;
  if (typeof e['event_type'] === 'string') {
    series = eventSeries(e as { event_type: string; entity_id?: string; data?: Readonly<Record<string, unknown>> });
  } else if (typeof e['entity_id'] === 'string') {
    series = e['entity_id'];
  }
  if (series === undefined) return undefined;
  const home = homeOf(e);
  return home === undefined ? series : `${home}:${series}`;
}

/**
 * Key of an event for dedupe: `event.key`, else `series@time_fired`; undefined without either. With a
 * `provenance.home` the key is `<home>:<key>` (the same text the NATS sink uses as `Nats-Msg-Id`).
 */
export function identityKey(e: Record<string, unknown>, series: string): string | undefined {
  const key = e['key'];
  if (typeof key === 'string') {
    const home = homeOf(e);
    return home === undefined ? key : `${home}:${key}`;
  }
  const time = e['time_fired'];
  // `series` already carries the home (see identitySeries).
  return typeof time === 'number' ? `${series}@${time}` : undefined;
}

/** `provenance.home` of an event, when it is a non-empty string. */
export function homeOf(e: Readonly<Record<string, unknown>>): string | undefined {
  const provenance = e['provenance'];
  if (provenance === null || typeof provenance !== 'object') return undefined;
  const home = (provenance as Record<string, unknown>)['home'];
  return typeof home === 'string' && home !== '' ? home : undefined;
}
