import { AckGroup } from './ack.js';
import { ErrorCode, SdkError } from './errors.js';
import { eventSeries } from './identity.js';
import type { ResolvedDedupeOptions } from './runtime-options.js';
import type { StageBatch, StageEnv, StageRunner } from './stage.js';

/**
 * Dedupe memory, two parts:
 *
 * - **Committed** keys: per series, a small ring of the last `maxPerSeries` keys whose event was handled,
 *   each expiring `windowMs` after its commit. HA's `last_updated` only moves forward per entity, so a
 *   replayed copy is always one of the newest few keys of its series; memory grows with the number of
 *   series, never with rate x window. Series whose newest key expired are evicted by a clock-driven sweep.
 * - **In-flight** keys: one entry per event that passed the stage and is not settled yet (bounded by the
 *   events in flight: the queues are bounded). A later copy of such a key is held back on the entry (at most
 *   `maxWaiting` copies in all) and settles with it: handled as `duplicate` when the first copy is handled,
 *   failed when it fails (its source keeps the data and redelivers). An entry leaves when it settles.
 */
export interface DedupeStore {
  /** True only when this exact key was committed for the series and has not expired. */
  readonly isDuplicate: (series: string, key: string) => boolean;
  /**
   * Admits an event that is not a committed duplicate. Returns the group it carries on with (a per-event
   * group settling into `group`, so the store learns the outcome of this one event); or `undefined` when a
   * copy of the key is in flight and the event was held back on it (the store settles `group` later).
   */
  readonly admit: (series: string, key: string, group: AckGroup) => AckGroup | undefined;
  /** Commits keys directly (as if their events had been handled). */
  readonly commit: (series: readonly string[], keys: readonly string[]) => void;
  /** Series currently remembered. */
  readonly seriesCount: () => number;
  /** Keys remembered for a series (≤ maxPerSeries). */
  readonly ringSize: (series: string) => number;
  /** Events admitted and not settled yet. */
  readonly inFlightCount: () => number;
  /** Copies held back on an in-flight key. */
  readonly waitingCount: () => number;
  /** Forgets everything; in-flight entries still open fail (ABORTED), and so do the copies held on them. */
  readonly clear: () => void;
}

/** Where the store reports copies it settles outside the stage (the runtime counts them). */
export interface DedupeOutcomes {
  /** `count` held-back copies were handled as duplicates. */
  readonly duplicates: (count: number) => void;
  /** `count` held-back copies failed with their first copy. */
  readonly failed: (count: number) => void;
}

const NO_OUTCOMES: DedupeOutcomes = { duplicates: () => undefined, failed: () => undefined };

/** Creates a {@link DedupeStore} on the given clock (epoch ms). */
export function createDedupeStore(options: ResolvedDedupeOptions, now: () => number, outcomes: DedupeOutcomes = NO_OUTCOMES): DedupeStore {
  const { windowMs, maxPerSeries, maxWaiting } = options;
  const rings = new Map<string, Ring>();
  const inFlight = new Map<string, InFlightKey>();
  let waiting = 0;
  let lastSweep = now();

  const sweep = (t: number) => {
    if (t - lastSweep < windowMs) return;
    lastSweep = t;
    for (const [series, ring] of rings) if (ring.newest + windowMs <= t) rings.delete(series);
  };

  const commitOne = (s: string, key: string, t: number) => {
    let ring = rings.get(s);
    if (ring === undefined) {
      ring = { times: new Map(), order: [], next: 0, newest: t };
      rings.set(s, ring);
    }
    ring.newest = t;
    if (ring.times.has(key)) {
      ring.times.set(key, t);
      return;
    }
    if (ring.order.length < maxPerSeries) ring.order.push(key);
    else {
      // Full: forget the oldest committed key of this series (a later replay of it is rewritten, never lost).
      ring.times.delete(ring.order[ring.next] as string);
      ring.order[ring.next] = key;
      ring.next = (ring.next + 1) % maxPerSeries;
    }
    ring.times.set(key, t);
  };

  const settle: Settle = (entry, error) => {
    if (inFlight.get(entry.key) === entry) inFlight.delete(entry.key);
    const held = entry.held;
    entry.held = undefined;
    if (held !== undefined) waiting -= held.length;
    if (error === undefined) {
      // Commit before anyone is told: a copy emitted from an onHandled callback is already a duplicate.
      const t = now();
      sweep(t);
      commitOne(entry.series, entry.key, t);
      if (held !== undefined) {
        outcomes.duplicates(held.length);
        for (const g of held) g.release(1);
      }
      entry.parent.release(1);
      return;
    }
    // The first copy could not be made durable: neither can its copies be said to be. They fail too, so their
    // sources keep the data and redeliver (MQTT: no PUBACK; WebSocket: no checkpoint advance).
    if (held !== undefined) {
      outcomes.failed(held.length);
      for (const g of held) g.fail(error);
    }
    entry.parent.fail(error);
  };

  return {
    isDuplicate: (series, key) => {
      const t = now();
      sweep(t);
      const committedAt = rings.get(series)?.times.get(key);
      return committedAt !== undefined && committedAt + windowMs > t;
    },
    admit: (series, key, group) => {
      const first = inFlight.get(key);
      if (first === undefined) {
        const entry = new InFlightKey(settle, group, series, key);
        inFlight.set(key, entry);
        return entry;
      }
      // Another series with the same key (a custom key scheme), or too many held back: pass it on untracked
      // (written again: an idempotent rewrite, never a loss).
      if (first.series !== series || waiting >= maxWaiting) return group;
      (first.held ??= []).push(group);
      waiting++;
      return undefined;
    },
    commit: (series, keys) => {
      const t = now();
      sweep(t);
      for (let i = 0; i < keys.length; i++) commitOne(series[i] as string, keys[i] as string, t);
    },
    seriesCount: () => rings.size,
    ringSize: (series) => rings.get(series)?.times.size ?? 0,
    inFlightCount: () => inFlight.size,
    waitingCount: () => waiting,
    clear: () => {
      const error = new SdkError(ErrorCode.ABORTED, 'dedupe: pipeline stopped before the first copy was handled', { stage: 'dedupe' });
      for (const entry of [...inFlight.values()]) entry.fail(error);
      inFlight.clear();
      rings.clear();
      waiting = 0;
    },
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

/**
 * The dedupe stage: drops repeats of committed keys (reason `duplicate`), holds back copies of keys in flight
 * (they settle with their first copy), and hands every other event on under a per-event group so its key
 * commits when that event is handled by every tap after this stage.
 */
export function dedupeStage(store: DedupeStore): StageRunner {
  return {
    name: 'dedupe',
    run: (batch: StageBatch, env: StageEnv) => {
      const { events, groups } = batch;
      let w = 0;
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        let group: AckGroup | undefined = groups[i] as AckGroup;
        // Series and key as two strings, not a {series, key} object: no allocation per event beyond the key.
        const series = identitySeries(event);
        const key = series === undefined ? undefined : identityKey(event as Record<string, unknown>, series);
        if (series !== undefined && key !== undefined) {
          if (store.isDuplicate(series, key)) {
            env.drop(group, 'duplicate');
            continue;
          }
          group = store.admit(series, key, group);
          if (group === undefined) continue; // held back on its in-flight first copy
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

type Settle = (entry: InFlightKey, error: SdkError | undefined) => void;

/**
 * One admitted event from the dedupe stage on: a group of its own holding the event's stage obligation and
 * one per sink tap after the stage. It settles into the source's group (`parent`) and settles the copies
 * held back on it. It depends only on taps downstream of the stage, never on another source's group, so
 * copies crossing between two `emitBatch` groups can't wait on each other in a cycle.
 */
class InFlightKey extends AckGroup {
  /** Groups of copies held back on this key (allocated on the first copy). */
  held: AckGroup[] | undefined = undefined;

  constructor(
    private readonly settle: Settle,
    readonly parent: AckGroup,
    readonly series: string,
    readonly key: string,
  ) {
    super(undefined, 1, undefined);
  }

  protected override handled(): void {
    this.settle(this, undefined);
  }

  protected override failed(error: SdkError): void {
    this.settle(this, error);
  }
}

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
