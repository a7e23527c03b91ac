import type { AckGroup, DedupeCommitter } from './ack.js';
import { eventSeries } from './identity.js';
import type { ResolvedDedupeOptions } from './runtime-options.js';
import type { StageBatch, StageEnv, StageRunner } from './stage.js';

/**
 * Dedupe memory: per series, a small ring of the last `maxPerSeries` committed keys, each expiring
 * `windowMs` after its commit. HA's `last_updated` only moves forward per entity, so a replayed copy is
 * always one of the newest few keys of its series; memory grows with the number of series, never with
 * rate x window. Series whose newest key expired are evicted by a sweep driven by the injected clock.
 */
export interface DedupeStore extends DedupeCommitter {
  /** True only when this exact key was committed for the series and has not expired. */
  readonly isDuplicate: (series: string, key: string) => boolean;
  /** Series currently remembered. */
  readonly seriesCount: () => number;
  /** Keys remembered for a series (≤ maxPerSeries). */
  readonly ringSize: (series: string) => number;
  readonly clear: () => void;
}

/** Creates a {@link DedupeStore} on the given clock (epoch ms). */
export function createDedupeStore(options: ResolvedDedupeOptions, now: () => number): DedupeStore {
  const { windowMs, maxPerSeries } = options;
  const rings = new Map<string, Ring>();
  let lastSweep = now();

  const sweep = (t: number) => {
    if (t - lastSweep < windowMs) return;
    lastSweep = t;
    for (const [series, ring] of rings) if (ring.newest + windowMs <= t) rings.delete(series);
  };

  return {
    isDuplicate: (series, key) => {
      const t = now();
      sweep(t);
      const committedAt = rings.get(series)?.times.get(key);
      return committedAt !== undefined && committedAt + windowMs > t;
    },
    commit: (series, keys) => {
      const t = now();
      sweep(t);
      for (let i = 0; i < keys.length; i++) {
        const s = series[i] as string;
        const key = keys[i] as string;
        let ring = rings.get(s);
        if (ring === undefined) {
          ring = { times: new Map(), order: [], next: 0, newest: t };
          rings.set(s, ring);
        }
        ring.newest = t;
        if (ring.times.has(key)) {
          ring.times.set(key, t);
          continue;
        }
        if (ring.order.length < maxPerSeries) ring.order.push(key);
        else {
          // Full: forget the oldest committed key of this series (a later replay of it is rewritten, never lost).
          ring.times.delete(ring.order[ring.next] as string);
          ring.order[ring.next] = key;
          ring.next = (ring.next + 1) % maxPerSeries;
        }
        ring.times.set(key, t);
      }
    },
    seriesCount: () => rings.size,
    ringSize: (series) => rings.get(series)?.times.size ?? 0,
    clear: () => rings.clear(),
  };
}

/**
 * The identity of an event for dedupe: `event.key` (see `identity.ts`), else `series@time_fired`.
 * Undefined when the event has neither, and such an event is never treated as a duplicate.
 */
export function dedupeIdentity(event: unknown): { series: string; key: string } | undefined {
  const series = identitySeries(event);
  if (series === undefined) return undefined;
  const key = identityKey(event as Record<string, unknown>, series);
  return key === undefined ? undefined : { series, key };
}

/** The dedupe stage: drops exact repeats (reason `duplicate`); keys commit when the event's group is handled. */
export function dedupeStage(store: DedupeStore): StageRunner {
  return {
    name: 'dedupe',
    run: (batch: StageBatch, env: StageEnv) => {
      const { events, groups } = batch;
      let w = 0;
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        const group = groups[i] as AckGroup;
        // Series and key as two strings, not a {series, key} object: no allocation per event beyond the key.
        const series = identitySeries(event);
        const key = series === undefined ? undefined : identityKey(event as Record<string, unknown>, series);
        if (series !== undefined && key !== undefined) {
          if (store.isDuplicate(series, key)) {
            env.drop(group, 'duplicate');
            continue;
          }
          group.addCommit(store, series, key);
        }
        events[w] = event;
        groups[w] = group;
        w++;
      }
      events.length = w;
      groups.length = w;
    },
  };
}

// --- internal ---

interface Ring {
  /** Committed key → commit time (epoch ms); at most maxPerSeries entries (hash lookup, no string scans). */
  readonly times: Map<string, number>;
  /** The same keys in commit order, as a ring; `next` is the oldest once full. */
  readonly order: string[];
  next: number;
  /** Commit time of the newest key (for eviction). */
  newest: number;
}

function identitySeries(event: unknown): string | undefined {
  if (event === null || typeof event !== 'object') return undefined;
  const e = event as Record<string, unknown>;
  if (typeof e['event_type'] === 'string') {
    return eventSeries(e as { event_type: string; entity_id?: string; data?: Readonly<Record<string, unknown>> });
  }
  return typeof e['entity_id'] === 'string' ? e['entity_id'] : undefined;
}

function identityKey(e: Record<string, unknown>, series: string): string | undefined {
  const key = e['key'];
  if (typeof key === 'string') return key;
  const time = e['time_fired'];
  return typeof time === 'number' ? `${series}@${time}` : undefined;
}
