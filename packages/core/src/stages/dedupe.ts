import { AckGroup } from '../runtime/ack.js';
import { createBoundedMap } from '../primitives/bounded-map.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import { identityKey, identitySeries } from '../model/identity.js';
import type { ResolvedDedupeOptions } from './dedupe-options.js';
import type { StageBatch, StageEnv, StageRunner } from './stage.js';

/**
 * Dedupe memory, two parts:
 *
 * - **Committed** keys: per series, a small ring of the last `maxPerSeries` keys whose event was handled,
 *   each expiring `windowMs` after its commit. HA's `last_updated` only moves forward per entity, so a
 *   replayed copy is always one of the newest few keys of its series; memory grows with the number of
 *   series, never with rate x window. Series whose newest key expired are evicted by a clock-driven sweep,
 *   and at most `maxSeries` series are kept (issue 11: series names come from outside; a flood of new names
 *   evicts the least recently used settled series, counted through `outcomes.evicted`).
 * - **In-flight** keys: one entry per event that passed the stage and is not settled yet (bounded by the
 *   events in flight: the queues are bounded), kept in a map of its series that exists only while the series
 *   has entries in flight. A later copy of such a key is held back on
 *   the entry (at most `maxWaiting` copies in all) and settles with it: handled as `duplicate` when the first
 *   copy is handled, failed when it fails (its source keeps the data and redelivers). A series with entries
 *   in flight is never evicted; an entry leaves when it settles.
 */
export interface DedupeStore {
  /** True only when this exact key was committed for the series and has not expired. */
  readonly isDuplicate: (series: string, key: string) => boolean;
  /**
   * Decides for one event: `DUPLICATE` (`'duplicate'`) when its key is committed (drop it); `undefined` when a copy of
   * the key is in flight and the event was held back on it (the store settles `group` later); else the group
   * it carries on with: a per-event group settling into `group`, so the store learns this event's outcome.
   */
  readonly admit: (series: string, key: string, group: AckGroup) => AckGroup | typeof DUPLICATE | undefined;
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
  /** `count` series were forgotten because `maxSeries` was reached (a later replay of their keys is rewritten). */
  readonly evicted?: (count: number) => void;
}

/** {@link DedupeStore.admit}: the key was committed within the window. */
export const DUPLICATE = 'duplicate';

const NO_OUTCOMES: DedupeOutcomes = { duplicates: () => undefined, failed: () => undefined };

/** Creates a {@link DedupeStore} on the given clock (epoch ms). */
export function createDedupeStore(
  options: ResolvedDedupeOptions,
  now: () => number,
  outcomes: DedupeOutcomes = NO_OUTCOMES,
): DedupeStore {
  const { windowMs, maxPerSeries, maxWaiting, maxSeries } = options;
  // A series with entries in flight is pinned: its entries settle into it.
  const rings = createBoundedMap<string, Ring>({
    max: maxSeries,
    eviction: 'second-chance',
    pinned: (ring) => ring.flying !== undefined,
  });
  let inFlight = 0;
  let waiting = 0;
  let lastSweep = now();
  // Issue 14: a sweep every window let a series that went quiet stay up to two windows (quiet at 10 s, still
  // there after the sweep at 300 s, gone at 600 s). Every eighth of a window, it leaves within 1.125 windows;
  // a sweep walks the series (≤ maxSeries), so it never runs more than once a second of the clock.
  const sweepEveryMs = Math.max(windowMs / 8, Math.min(windowMs, 1000));

  const sweep = (t: number) => {
    if (t - lastSweep < sweepEveryMs) return;
    lastSweep = t;
    for (const [series, ring] of rings)
      if (ring.flying === undefined && ring.newest + windowMs <= t) rings.delete(series);
  };
  const ringOf = (series: string, t: number): Ring => {
    let ring = rings.get(series);
    if (ring === undefined) {
      ring = { keys: [], times: [], flying: undefined, newest: t };
      const evicted = rings.set(series, ring).length;
      if (evicted > 0) outcomes.evicted?.(evicted);
    }
    return ring;
  };

  /**
   * Appends a committed key. Keys whose window has passed are forgotten from the front first (issue 14: else
   * every series kept `maxPerSeries` keys however old, and memory kept growing for as long as slow entities were
   * still filling their rings, well past the window); when still full, the oldest committed key is forgotten (a
   * later replay of it is rewritten, never lost; a copy of it in flight keeps its entry and takes a new place
   * when it commits).
   */
  const pushKey = (ring: Ring, key: RingKey, t: number) => {
    const { keys, times } = ring;
    while (times.length > 0 && (times[0] as number) + windowMs <= t) {
      keys.shift();
      times.shift();
    }
    if (keys.length >= maxPerSeries) {
      keys.shift();
      times.shift();
    }
    keys.push(key);
    times.push(t);
  };

  /** Commits `key` at `t`: a committed key keeps its place and takes the new time. */
  const commitAt = (ring: Ring, key: RingKey, t: number) => {
    ring.newest = t;
    const i = committedIndex(ring, key);
    if (i >= 0) ring.times[i] = t;
    else pushKey(ring, key, t);
  };

  const settle: Settle = (entry, error) => {
    const { ring, key } = entry;
    const held = entry.held;
    entry.held = undefined;
    if (held !== undefined) waiting -= held.length;
    const current = removeFlying(ring, entry);
    if (current) inFlight--;
    if (error === undefined) {
      // Commit before anyone is told: a copy emitted from an onHandled callback is already a duplicate.
      if (current) {
        const t = now();
        sweep(t);
        commitAt(ring, key, t);
      }
      if (held !== undefined) {
        outcomes.duplicates(held.length);
        for (const g of held) g.release(1);
      }
      entry.parent.release(1);
      return;
    }
    // A failed copy leaves the committed keys as they were (an expired commit it was admitted over included).
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
      const ring = rings.get(series);
      if (ring === undefined) return false;
      const i = committedIndex(ring, ringKey(series, key));
      return i >= 0 && (ring.times[i] as number) + windowMs > t;
    },
    admit: (series, fullKey, group) => {
      const key = ringKey(series, fullKey);
      const t = now();
      sweep(t);
      const ring = ringOf(series, t);
      const first = flyingEntry(ring, key);
      if (first !== undefined) {
        // Too many held back: pass it on untracked (written again: an idempotent rewrite, never a loss).
        if (waiting >= maxWaiting) return group;
        (first.held ??= []).push(group);
        waiting++;
        return undefined;
      }
      const i = committedIndex(ring, key);
      if (i >= 0 && (ring.times[i] as number) + windowMs > t) return DUPLICATE;
      const entry = new InFlightKey(settle, group, ring, key);
      addFlying(ring, entry);
      inFlight++;
      return entry;
    },
    commit: (series, keys) => {
      const t = now();
      sweep(t);
      for (let i = 0; i < keys.length; i++) {
        const s = series[i] as string;
        const ring = ringOf(s, t);
        const key = ringKey(s, keys[i] as string);
        if (flyingEntry(ring, key) !== undefined)
          ring.newest = t; // it commits when it settles
        else commitAt(ring, key, t);
      }
    },
    seriesCount: () => rings.size(),
    ringSize: (series) => {
      const ring = rings.get(series);
      if (ring === undefined) return 0;
      let n = 0;
      for (const k of ring.keys) if (flyingEntry(ring, k) === undefined) n++;
      return n;
    },
    inFlightCount: () => inFlight,
    waitingCount: () => waiting,
    clear: () => {
      const error = new SdkError(ErrorCode.ABORTED, 'dedupe: pipeline stopped before the first copy was handled', {
        stage: 'dedupe',
      });
      const open: InFlightKey[] = [];
      for (const ring of rings.values()) {
        const flying = ring.flying;
        if (flying instanceof InFlightKey) open.push(flying);
        else if (flying !== undefined) open.push(...flying.values());
      }
      for (const entry of open) entry.fail(error);
      rings.clear();
      inFlight = 0;
      waiting = 0;
    },
  };
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
          const admitted = store.admit(series, key, group);
          if (admitted === DUPLICATE) {
            env.drop(group, 'duplicate');
            continue;
          }
          if (admitted === undefined) continue; // held back on its in-flight first copy
          group = admitted;
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

/**
 * How a ring stores a key (issue 14, memory). The ring is per series, so in a key `<series>@<digits>` — every
 * HA state change: `entity_id@time` — the prefix says nothing: such a key is kept as the number after the `@`
 * (a heap number, 16 bytes), where the key string as built by `${series}@${time}` cost ~96 bytes (two cons
 * nodes over the time text) and made up half of dedupe's memory. Any other key (non-state events carry a
 * `#context` suffix, custom `event.key`s, leading zeros, more than 16 digits) is kept as given. Strings and
 * numbers never equal each other as map keys, so the mapping stays one to one.
 */
export function ringKey(series: string, key: string): RingKey {
  const at = series.length;
  const digits = key.length - at - 1;
  if (digits < 1 || digits > 16 || key.charCodeAt(at) !== 64 /* @ */) return key;
  if (digits > 1 && key.charCodeAt(at + 1) === 48 /* leading 0: `@01` is not `@1` */) return key;
  let value = 0;
  for (let i = at + 1; i < key.length; i++) {
    const d = key.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return key;
    value = value * 10 + d;
  }
  if (value > Number.MAX_SAFE_INTEGER || !key.startsWith(series)) return key;
  return value;
}

/** A key as a ring stores it: see {@link ringKey}. */
export type RingKey = string | number;

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
    readonly ring: Ring,
    readonly key: RingKey,
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

/**
 * One series' memory (issue 14: two short arrays, ~0.4 kB for 16 keys, where a Map of key → time or entry grew
 * its table to 1.8–3.6 kB under the inserts and deletes of a sliding window).
 */
interface Ring {
  /** The committed keys in commit order, oldest first (at most maxPerSeries; a shift moves ≤ 16 slots). */
  readonly keys: RingKey[];
  /** Commit time (epoch ms) of each key in `keys`, same index. */
  readonly times: number[];
  /**
   * Entries of this series in flight (they exist only while there are any: the ring is pinned). One entry is kept
   * as itself, more in a map by key (issue 14: at a home rate a series rarely has two events in flight, and a Map
   * made and dropped per event was ~0.3 kB of the bytes allocated per event).
   */
  flying: InFlightKey | Map<RingKey, InFlightKey> | undefined;
  /** Commit time of the newest key (for eviction). */
  newest: number;
}

/** The entry of `key` in flight in this series, if any. */
function flyingEntry(ring: Ring, key: RingKey): InFlightKey | undefined {
  const flying = ring.flying;
  if (flying === undefined) return undefined;
  if (flying instanceof InFlightKey) return flying.key === key ? flying : undefined;
  return flying.get(key);
}

/** Adds an entry in flight (its key has none in flight in the series: the caller checked). */
function addFlying(ring: Ring, entry: InFlightKey): void {
  const flying = ring.flying;
  if (flying === undefined) ring.flying = entry;
  else if (flying instanceof InFlightKey)
    ring.flying = new Map<RingKey, InFlightKey>([
      [flying.key, flying],
      [entry.key, entry],
    ]);
  else flying.set(entry.key, entry);
}

/** Removes `entry` if it is its key's entry in flight; false when it is not (already settled or replaced). */
function removeFlying(ring: Ring, entry: InFlightKey): boolean {
  const flying = ring.flying;
  if (flying === entry) {
    ring.flying = undefined;
    return true;
  }
  if (flying === undefined || flying instanceof InFlightKey || flying.get(entry.key) !== entry) return false;
  flying.delete(entry.key);
  if (flying.size === 0) ring.flying = undefined;
  return true;
}

/** Index of a committed key in its ring, newest first (a replayed copy is one of the newest few), or -1. */
function committedIndex(ring: Ring, key: RingKey): number {
  const { keys } = ring;
  for (let i = keys.length - 1; i >= 0; i--) if (keys[i] === key) return i;
  return -1;
}
