import type { EpochMicros, HaContext } from '@ha-ingestor/core';

/**
 * The event shape the schema mappers read: core's `HaEvent` (and every enriched variant of it) fits.
 * Kept structural and tolerant so enriched events (registry fields such as `area`, `floor`,
 * `device_name`, `labels`, `unique_id`) and hand-built test events map too.
 */
export interface MappableEvent {
  readonly event_type: string;
  readonly time_fired: EpochMicros;
  readonly context?: HaContext | null;
  /** State changes (flattened new state). */
  readonly entity_id?: string;
  readonly domain?: string;
  readonly object_id?: string;
  /**
   * HA's state text, or a number when an enricher already converted it (`unitNormalize`): both schemas
   * write a number exactly as they write the numeric text it came from. `null` = entity removed.
   */
  readonly state?: string | number | null;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly last_changed?: EpochMicros;
  readonly last_updated?: EpochMicros;
  /** Other events. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A `state_changed` event with a new state (what the state mappers receive). */
export interface StateView {
  readonly entity_id: string;
  readonly domain: string;
  readonly object_id: string;
  /** The state as text (a number state as `String(n)`). */
  readonly state: string;
  /** The state as a number when the event carried one (an enricher converted it); else parse `state`. */
  readonly numeric?: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly time: EpochMicros;
  /** The whole event, for enricher fields. */
  readonly event: MappableEvent;
}

/**
 * The home of an event (`provenance.home`, issue 16), when it has a non-empty one. Read structurally, not
 * declared on {@link MappableEvent}: a declared `provenance` would narrow which event types the sink accepts.
 */
export function homeOfEvent(event: MappableEvent): string | undefined {
  const provenance = (event as { readonly provenance?: unknown }).provenance;
  if (provenance === null || typeof provenance !== 'object') return undefined;
  const home = (provenance as { readonly home?: unknown }).home;
  return typeof home === 'string' && home !== '' ? home : undefined;
}
