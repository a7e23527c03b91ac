import { ErrorCode, SdkError, millisToMicros } from '@ha-ingestor/core';
import type { CheckpointStore, SdkError as SdkErrorType, SourceContext } from '@ha-ingestor/core';
import { globToRegExp } from '@ha-ingestor/core/stages';
import { floorHour, readStatistics, type ConnectionProvider } from './statistics-reader.js';
import { statisticEvent, type StatisticEvent, type StatisticMeta } from './statistic-rows.js';

/** Bound of the per-statistic checkpoint (statistic ids come from HA). */
export const MAX_STATISTICS = 100_000;

/**
 * The checkpoint never covers the newest hours: HA compiles an hour's statistics a few minutes after it
 * ends (and later when busy), so a run just after the hour would otherwise mark an hour done before its
 * row exists. The next run re-reads them (same points, overwritten).
 */
export const CHECKPOINT_MARGIN_HOURS = 2;

/** Progress after each request. */
export interface StatisticsProgress {
  /** Statistics whose whole range is read and acknowledged. */
  readonly statisticsDone: number;
  readonly statisticsTotal: number;
  /** Rows read so far (emitted, or counted on a dry run). */
  readonly rows: number;
  /** Rows and replies refused (dead-lettered). */
  readonly rejected: number;
  /** Rows per second since the start. */
  readonly rowsPerSecond: number;
  /** Estimated seconds left; undefined until something is done. */
  readonly etaSeconds: number | undefined;
}

/** The stored position: per statistic id, epoch ms up to which every row is acknowledged. */
export interface StatisticsCheckpoint {
  readonly version: 1;
  readonly doneUntil: Record<string, number>;
}

/** Which statistics to import: those with a mean or a sum, optionally only ids matching globs. */
export function selectStatistics(metas: readonly StatisticMeta[], globs?: readonly string[]): StatisticMeta[] {
  const patterns = globs === undefined || globs.length === 0 ? undefined : globs.map(globToRegExp);
  return metas.filter(
    (m) => (m.mean_type !== 0 || m.has_sum) && (patterns === undefined || patterns.some((p) => p.test(m.statistic_id))),
  );
}

/** Options of {@link runStatisticsPass}. */
export interface StatisticsPassOptions {
  readonly connection: ConnectionProvider;
  readonly metas: readonly StatisticMeta[];
  readonly since: number | undefined;
  readonly until: number;
  /** Per id start given the checkpoint (import: the checkpoint; sync: min(checkpoint, trailing window)). */
  readonly resumeFrom: (statisticId: string, checkpoint: number | undefined) => number | undefined;
  readonly windowHours: number;
  readonly batchSize: number;
  readonly checkpoints?: CheckpointStore | undefined;
  readonly checkpointKey: string;
  readonly stage: string;
  /** Called after each request with the progress so far. */
  readonly onProgress?: ((progress: StatisticsProgress) => void) | undefined;
  /** Wait before retrying a request after a dropped connection. */
  readonly retryDelayMs?: number | undefined;
}

/**
 * Reads the statistics and emits one event per row through the pipeline. The checkpoint of an id
 * advances only when every request that covered it up to that point is acknowledged (written or in the
 * outbox), in request order; it is saved after each advance. Refused rows and replies are dead-lettered
 * with their reason and the import goes on. Rejects with the first delivery failure.
 */
export async function runStatisticsPass(
  ctx: SourceContext<StatisticEvent>,
  options: StatisticsPassOptions,
): Promise<void> {
  const { checkpoints, checkpointKey } = options;
  const stored = checkpoints === undefined ? undefined : await checkpoints.load<StatisticsCheckpoint>(checkpointKey);
  const doneUntil = new Map<string, number>(
    stored?.version === 1 ? Object.entries(stored.doneUntil).slice(0, MAX_STATISTICS) : [],
  );
  const startedAt = ctx.now();
  const total = options.metas.length;
  let rows = 0;
  let rejectedCount = 0;
  let finishedCount = 0;
  let failure: SdkErrorType | undefined;

  interface Pending {
    readonly ids: readonly string[];
    readonly until: number;
    readonly finished: readonly string[];
    done: boolean;
  }
  const queue: Pending[] = [];
  let saving: Promise<void> = Promise.resolve();
  let saveNeeded = false;
  const save = (): void => {
    if (checkpoints === undefined || saveNeeded) return;
    saveNeeded = true;
    saving = saving.then(async () => {
      saveNeeded = false;
      await checkpoints.save<StatisticsCheckpoint>(checkpointKey, {
        version: 1,
        doneUntil: Object.fromEntries(doneUntil),
      });
    });
    saving = saving.catch((error: unknown) => {
      failure ??= toError(error);
    });
  };
  const advance = (): void => {
    let moved = false;
    while (queue.length > 0 && (queue[0] as Pending).done) {
      const entry = queue.shift() as Pending;
      for (const id of entry.ids) bump(id, entry.until);
      for (const id of entry.finished) {
        bump(id, entry.until);
        finishedCount += 1;
      }
      moved = true;
    }
    if (moved) save();
  };
  const margin = floorHour(options.until) - CHECKPOINT_MARGIN_HOURS * 3_600_000;
  const bump = (id: string, end: number): void => {
    const until = Math.min(end, margin);
    const previous = doneUntil.get(id);
    if (previous !== undefined && previous >= until) return;
    if (previous === undefined && doneUntil.size >= MAX_STATISTICS) return; // bounded: re-read next time
    doneUntil.set(id, until);
  };
  const progress = (fraction: number): void => {
    const elapsed = Math.max(1, ctx.now() - startedAt) / 1000;
    options.onProgress?.({
      statisticsDone: finishedCount,
      statisticsTotal: total,
      rows,
      rejected: rejectedCount,
      rowsPerSecond: rows / elapsed,
      etaSeconds: fraction > 0 && fraction < 1 ? (elapsed / fraction) * (1 - fraction) : fraction >= 1 ? 0 : undefined,
    });
  };

  const acks: Promise<void>[] = [];
  let readIds = 0;
  for await (const chunk of readStatistics({
    connection: options.connection,
    metas: options.metas,
    since: options.since,
    until: options.until,
    resumeFrom: (id) => options.resumeFrom(id, doneUntil.get(id)),
    windowHours: options.windowHours,
    batchSize: options.batchSize,
    signal: ctx.signal,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  })) {
    if (failure !== undefined) break;
    for (const r of chunk.rejected) {
      rejectedCount += 1;
      ctx.deadLetter({
        stage: options.stage,
        reason: r.reason,
        message: r.message,
        raw: r.raw,
        ...(r.statistic_id === undefined ? {} : { data: { statistic_id: r.statistic_id } }),
      });
    }
    const entry: Pending = { ids: chunk.ids, until: chunk.windowEnd, finished: chunk.finished, done: false };
    queue.push(entry);
    readIds += chunk.finished.length;
    if (chunk.rows.length === 0) {
      entry.done = true;
      advance();
    } else {
      const receivedAt = millisToMicros(ctx.now());
      const events = chunk.rows.map((row) => statisticEvent(row, options.stage.replace(/^source:/, ''), receivedAt));
      rows += events.length;
      acks.push(
        new Promise<void>((resolve) => {
          const settle = (error?: SdkErrorType): void => {
            if (error !== undefined) failure ??= error;
            else {
              entry.done = true;
              advance();
            }
            resolve();
          };
          ctx
            .emitBatch(events, { onHandled: () => settle(), onFailed: (error) => settle(error) })
            .catch((error: unknown) => settle(toError(error)));
        }),
      );
    }
    progress(
      total === 0 ? 1 : Math.min(1, (readIds + chunk.progress * (chunk.batchSize - chunk.finished.length)) / total),
    );
  }
  await Promise.all(acks);
  await saving;
  progress(1);
  if (failure !== undefined) throw failure;
}

// --- internal ---

function toError(error: unknown): SdkErrorType {
  return error instanceof SdkError
    ? error
    : new SdkError(ErrorCode.SINK_UNAVAILABLE, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
}
