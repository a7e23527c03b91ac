import type { EpochMicros } from '@ha-ingestor/core';

/** One tracked event: its HA time and whether the pipeline acknowledged it. */
export interface TrackedEntry {
  readonly time: EpochMicros;
  acked: boolean;
}

/**
 * Contiguous-acknowledgement watermark: the newest HA time T such that every tracked event with
 * time ≤ T has been acknowledged. Not "the max acked time": an early event still in flight holds T
 * below itself even when later ones are already written. Holds pin T below a gap (an overflow, a
 * failed batch) until the backfill that covers it is acknowledged.
 */
export interface CheckpointTracker {
  /** Registers an event (in receipt order) and returns its entry. */
  readonly track: (time: EpochMicros) => TrackedEntry;
  /** Marks entries acknowledged. */
  readonly ack: (entries: readonly TrackedEntry[]) => void;
  /** Pins the watermark below `time` until the returned release function runs. */
  readonly hold: (time: EpochMicros) => () => void;
  /** Current watermark, or `undefined` before anything is known. */
  readonly watermark: () => EpochMicros | undefined;
  /** Entries tracked and not yet acknowledged. */
  readonly pending: () => number;
}

/** Creates a tracker starting at `initial` (the loaded checkpoint, or the first subscribe time). */
export function createCheckpointTracker(initial?: EpochMicros): CheckpointTracker {
  let entries: TrackedEntry[] = [];
  let head = 0;
  let ackedMax: EpochMicros | undefined = initial;
  let pendingCount = 0;
  const holds = new Map<number, EpochMicros>();
  let holdSeq = 0;

  const compact = () => {
    while (head < entries.length) {
      const entry = entries[head];
      if (entry === undefined || !entry.acked) break;
      if (ackedMax === undefined || entry.time > ackedMax) ackedMax = entry.time;
      head += 1;
    }
    if (head > 4096 && head * 2 > entries.length) {
      entries = entries.slice(head);
      head = 0;
    }
  };

  return {
    track: (time) => {
      const entry: TrackedEntry = { time, acked: false };
      entries.push(entry);
      pendingCount += 1;
      return entry;
    },
    ack: (list) => {
      for (const entry of list) {
        if (entry.acked) continue;
        entry.acked = true;
        pendingCount -= 1;
      }
      compact();
    },
    hold: (time) => {
      const id = holdSeq++;
      holds.set(id, time);
      return () => {
        holds.delete(id);
      };
    },
    watermark: () => {
      compact();
      let t = ackedMax;
      if (t === undefined) return undefined;
      // Events behind the head may be older than ackedMax (HA times are not strictly ordered across types).
      for (let i = head; i < entries.length; i++) {
        const entry = entries[i];
        if (entry !== undefined && !entry.acked && entry.time <= t) t = entry.time - 1;
      }
      for (const time of holds.values()) if (time <= t) t = time - 1;
      return t;
    },
    pending: () => pendingCount,
  };
}
