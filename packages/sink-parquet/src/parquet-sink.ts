import { access, constants, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCode,
  SdkError,
  defineSink,
  errorMessage,
  type RejectedEvent,
  type SinkFactory,
  type SinkImpl,
  type StageContext,
} from '@ha-ingestor/core';
import { eventToRow, isRowProblem, type ParquetSinkEvent } from './event-row.js';
import { ParquetSinkOptionsSchema, type ResolvedParquetSinkOptions } from './options.js';
import { removeTempParts, writePartFile } from './part-file.js';
import { createSerial } from './serial.js';
import {
  createStagedPart,
  hourEndUs,
  hourOf,
  recoverStagedParts,
  removeStaged,
  type HourKey,
  type StagedPart,
} from './staging.js';

const SINK_NAME = 'parquet';
const STAGE = `sink:${SINK_NAME}`;
const STAGING_DIR = '.staging';

/**
 * The Parquet archive sink: every event as one row (see `ARCHIVE_COLUMNS`) in hourly part files of event
 * time, laid out for hive partitioning: `<dir>/date=YYYY-MM-DD/hour=HH/part-<id>.parquet`.
 *
 * A Parquet file cannot be appended to, so `write()` appends the batch to the open hour's staging file
 * (`<dir>/.staging/*.rows`) and fsyncs it before resolving: an acknowledged event is on disk. An hour is
 * finished (staging → temporary file → fsync → rename) once event time has moved `closeAfterMs` past its
 * end, when more than `maxOpenHours` are open (oldest first), and on `close()`. A crash leaves no
 * partial `*.parquet`: the next run reopens the staging files, so no acknowledged event is lost; a late
 * event for a finished hour gets a part file of its own.
 *
 * @example
 * const sink = parquetSink({ dir: './archive' });
 * pipeline(source).to(sink).build();
 * // duckdb: select * from read_parquet('archive/**\/*.parquet', hive_partitioning = true)
 */
export const parquetSink: SinkFactory<
  typeof ParquetSinkOptionsSchema,
  ParquetSinkEvent,
  Record<string, never>
> = defineSink({
  name: SINK_NAME,
  options: ParquetSinkOptionsSchema,
  create: (options): SinkImpl<ParquetSinkEvent> => createParquetArchive(options),
});

function createParquetArchive(options: ResolvedParquetSinkOptions): SinkImpl<ParquetSinkEvent> {
  const serial = createSerial();
  const stagingDir = join(options.dir, STAGING_DIR);
  /** The open part of each open hour, by hour id; at most `maxOpenHours`. */
  const open = new Map<string, StagedPart>();
  /** Parts that take no more rows but are not finished yet (a failed append or finish, a recovered extra). */
  const sealed: StagedPart[] = [];
  let recovered: Promise<void> | undefined;
  let watermarkUs = Number.NEGATIVE_INFINITY;
  let closed = false;
  let lastCtx: StageContext | undefined;

  const count = (name: string, help: string, n = 1) => {
    if (n > 0) lastCtx?.metrics.counter(`parquet_${name}_total`, help).inc(n);
  };
  const setOpenGauge = () =>
    lastCtx?.metrics.gauge('parquet_open_hours', 'Hours the Parquet sink is staging').set(open.size);

  /** Once per sink: delete temporary files of a crashed conversion and reopen the staging files. */
  const recover = () => {
    recovered ??= (async () => {
      await mkdir(options.dir, { recursive: true });
      const temps = await removeTempParts(options.dir);
      const found = await recoverStagedParts(stagingDir);
      for (const part of found.parts) {
        if (!open.has(part.hour.id) && open.size < options.maxOpenHours) open.set(part.hour.id, part);
        else sealed.push(part);
      }
      count('rows_recovered', 'Rows found in staging files left by a previous run', found.rows);
      count('torn_bytes', 'Bytes of torn, unacknowledged last lines cut from staging files', found.tornBytes);
      if (found.parts.length > 0 || temps > 0)
        lastCtx?.logger.info(
          { stage: STAGE, parts: found.parts.length, rows: found.rows, tornBytes: found.tornBytes, temps },
          'parquet: recovered staged hours of a previous run',
        );
      setOpenGauge();
    })();
    // A failed recovery (dir not writable yet) is tried again by the next write, not remembered forever.
    recovered.then(undefined, () => {
      recovered = undefined;
    });
    return recovered;
  };

  /** Turns a staged part into its part file and deletes the staging file. */
  const finish = async (part: StagedPart): Promise<void> => {
    await part.release();
    const result = await writePartFile(part, {
      dir: options.dir,
      compression: options.compression,
      rowGroupRows: options.rowGroupRows,
      onBadLine: (p, line, problem) => {
        count('bad_lines', 'Damaged staging lines skipped while writing a part file');
        lastCtx?.logger.error(
          { stage: STAGE, staging: p.path, line, problem },
          'parquet: skipped a damaged staging line',
        );
      },
    });
    await removeStaged(part, stagingDir);
    if (result.file !== undefined && !result.existed) {
      count('parts_written', 'Parquet part files written');
      count('rows_archived', 'Rows written to Parquet part files', result.rows);
      lastCtx?.logger.info({ stage: STAGE, file: result.file, rows: result.rows }, 'parquet: wrote part file');
    }
  };

  /** Finishes `part`; a failure is reported and the part kept (sealed) for the next attempt, never thrown. */
  const finishOrKeep = async (part: StagedPart): Promise<void> => {
    try {
      await finish(part);
    } catch (error) {
      sealed.push(part);
      count('finish_failures', 'Part files that could not be written (kept staged, retried)');
      lastCtx?.report(
        new SdkError(
          ErrorCode.SINK_UNAVAILABLE,
          `${STAGE}: writing the part file of ${part.id} failed: ${errorMessage(error)}`,
          {
            stage: STAGE,
            cause: error,
          },
        ),
      );
    }
  };

  /** The open part of `hour`, opening one (after finishing the oldest open hour when at the limit). */
  const partFor = async (hour: HourKey, now: number): Promise<StagedPart> => {
    const existing = open.get(hour.id);
    if (existing) return existing;
    if (open.size >= options.maxOpenHours) {
      const oldest = [...open.keys()].sort()[0] as string;
      const evicted = open.get(oldest) as StagedPart;
      open.delete(oldest);
      count('hours_evicted', 'Open hours finished early to stay within maxOpenHours');
      await finishOrKeep(evicted);
    }
    const part = await createStagedPart(stagingDir, hour, now);
    open.set(hour.id, part);
    setOpenGauge();
    return part;
  };

  /**
   * Finishes the hours event time has left behind, and retries sealed parts. Hours the batch just wrote to
   * stay open: a backfill of an old hour then fills one part file over many batches, not one per batch.
   */
  const closeDue = async (touched: ReadonlySet<string>): Promise<void> => {
    const due = [...open.values()].filter(
      (p) => !touched.has(p.hour.id) && hourEndUs(p.hour) + options.closeAfterMs * 1000 <= watermarkUs,
    );
    for (const part of due) open.delete(part.hour.id);
    const retry = sealed.splice(0, sealed.length);
    for (const part of [...retry, ...due]) await finishOrKeep(part);
    setOpenGauge();
  };

  return {
    open: async (ctx) => {
      lastCtx = ctx;
      await recover();
    },

    write: (batch, ctx) =>
      serial(async () => {
        if (closed)
          throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${STAGE}: closed`, { stage: STAGE, retryable: false });
        lastCtx = ctx;
        await recover();
        if (batch.length === 0) return undefined;
        const { groups, rejected, maxTimeUs } = stageLines(batch);
        for (const group of groups) {
          const part = await partFor(group.hour, ctx.now());
          try {
            await part.append(group.lines, group.rows, options.fsync);
          } catch (error) {
            // The file may end in a torn line now: this part takes no more rows (its rows so far stay).
            open.delete(part.hour.id);
            sealed.push(part);
            throw new SdkError(
              ErrorCode.SINK_UNAVAILABLE,
              `${STAGE}: staging ${part.path} failed: ${errorMessage(error)}`,
              {
                stage: STAGE,
                retryable: true,
                cause: error,
              },
            );
          }
          count('rows_staged', 'Rows appended (and fsynced) to staging files', group.rows);
        }
        // Event time drives closing, capped at the pipeline clock so one future-stamped event can't close every hour.
        watermarkUs = Math.max(watermarkUs, Math.min(maxTimeUs, ctx.now() * 1000));
        await closeDue(new Set(groups.map((g) => g.hour.id)));
        return rejected.length === 0 ? undefined : { rejected };
      }),

    healthcheck: async (signal) => {
      if (signal.aborted)
        throw new SdkError(ErrorCode.ABORTED, `${STAGE}: healthcheck aborted`, { stage: STAGE, cause: signal.reason });
      try {
        await mkdir(options.dir, { recursive: true });
        await access(options.dir, constants.W_OK);
      } catch (error) {
        throw new SdkError(
          ErrorCode.SINK_UNAVAILABLE,
          `${STAGE}: ${options.dir} is not writable: ${errorMessage(error)}`,
          {
            stage: STAGE,
            cause: error,
          },
        );
      }
    },

    close: () =>
      serial(async () => {
        if (closed) return;
        closed = true;
        await recover();
        const parts = [...sealed.splice(0, sealed.length), ...open.values()];
        open.clear();
        const failures: unknown[] = [];
        for (const part of parts) {
          try {
            await finish(part);
          } catch (error) {
            failures.push(error);
            await part.release();
          }
        }
        setOpenGauge();
        if (failures.length > 0)
          throw new SdkError(
            ErrorCode.SINK_UNAVAILABLE,
            `${STAGE}: ${failures.length} staged hour(s) could not be written as part files (kept in ${stagingDir}, recovered on the next start): ${errorMessage(failures[0])}`,
            { stage: STAGE, cause: failures[0] },
          );
      }),

    sizeOf: (event) => 256 + (typeof event.event_type === 'string' ? event.event_type.length : 0),
  };
}

// --- internal ---

interface HourGroup {
  readonly hour: HourKey;
  lines: string;
  rows: number;
}

/** The batch as NDJSON lines per hour (oldest hour first), the events that cannot be rows, and the newest time. */
function stageLines(batch: readonly ParquetSinkEvent[]): {
  groups: HourGroup[];
  rejected: RejectedEvent[];
  maxTimeUs: number;
} {
  const byHour = new Map<string, HourGroup>();
  const rejected: RejectedEvent[] = [];
  let maxTimeUs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < batch.length; i++) {
    const row = eventToRow(batch[i] as ParquetSinkEvent);
    if (isRowProblem(row)) {
      rejected.push({ index: i, reason: row.reason, message: row.message });
      continue;
    }
    const time = row[0];
    const hour = hourOf(time);
    let group = byHour.get(hour.id);
    if (!group) {
      group = { hour, lines: '', rows: 0 };
      byHour.set(hour.id, group);
    }
    group.lines += `${JSON.stringify(row)}\n`;
    group.rows++;
    if (time > maxTimeUs) maxTimeUs = time;
  }
  const groups = [...byHour.values()].sort((a, b) => a.hour.startUs - b.hour.startUs);
  return { groups, rejected, maxTimeUs };
}
