import { formatHaTime } from '@ha-ingestor/core';
import type { CheckpointStore, EpochMicros, Guard } from '@ha-ingestor/core';

/** The checkpoint value stored under `checkpointKey`. */
export interface HaWebSocketCheckpoint {
  /** Epoch µs: every event with an HA time ≤ this was acknowledged by the pipeline. */
  readonly time: EpochMicros;
  /** The same time as HA formats it (for humans). */
  readonly iso: string;
  /**
   * Entities known to exist at that time: the backfill after a restart asks the recorder for these too,
   * so an entity removed while the process was down still gets its last changes.
   */
  readonly entities?: readonly string[];
}

/** Options of {@link createCheckpointWriter}. */
export interface CheckpointWriterOptions {
  readonly store: CheckpointStore | undefined;
  readonly key: string;
  readonly intervalMs: number;
  readonly watermark: () => EpochMicros | undefined;
  /** Entities to persist, given the watermark being saved. */
  readonly entities: (watermark: EpochMicros) => Iterable<string>;
  /** Runs the timer; save failures have no caller and go to `guard.report`. */
  readonly guard: Guard;
}

/** Persists the watermark when it advances: at most once per `intervalMs`, serialised, and on flush. */
export interface CheckpointWriter {
  /** Called after acknowledgements; schedules a save. */
  readonly schedule: () => void;
  /** Cancels the timer and saves now (on stop). */
  readonly flush: () => Promise<void>;
}

/** Creates the throttled checkpoint writer of one source. */
export function createCheckpointWriter(options: CheckpointWriterOptions): CheckpointWriter {
  const { store } = options;
  let saved: EpochMicros | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  const save = async () => {
    const t = options.watermark();
    if (store === undefined || t === undefined || (saved !== undefined && t <= saved)) return;
    saved = t;
    await store.save<HaWebSocketCheckpoint>(options.key, {
      time: t,
      iso: formatHaTime(t),
      entities: [...options.entities(t)],
    });
  };
  return {
    schedule: () => {
      if (store === undefined || timer !== undefined) return;
      timer = setTimeout(
        options.guard('checkpoint save', () => {
          timer = undefined;
          writing = writing.then(save).catch(options.guard.report);
        }),
        options.intervalMs,
      );
    },
    flush: async () => {
      clearTimeout(timer);
      timer = undefined;
      await writing;
      await save().catch(options.guard.report);
    },
  };
}
