import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeadLetterInput, DeadLetterRecord } from '../component/context.js';
import { ErrorCode, SdkError, errorMessage } from '../model/errors.js';
import { toJsonSafe } from '../json/safe.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** Largest serialised `raw` value kept in a record; larger ones are cut with a marker. */
const MAX_RAW_CHARS = 64 * 1024;
/**
 * Distinct (stage, reason) label pairs of `ha_ingestor_dead_lettered_total`; later pairs are counted under
 * `{stage="other", reason="other"}` (the record in the file keeps its real stage and reason). Issue 11: a
 * plugin that puts outside text in a reason must not grow the metric without bound.
 */
export const MAX_DEAD_LETTER_LABELS = 256;

/** Options of {@link createDeadLetter}. */
export interface DeadLetterOptions {
  /** NDJSON file; omitted → records are only logged, counted and passed to `onRecord`. */
  readonly path?: string;
  /** Rotate to `<path>.1` before the file would exceed this size. */
  readonly maxBytes: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Clock (epoch ms) for the record time. */
  readonly now: () => number;
  /** Receives every record (the pipeline emits `dead-letter`). */
  readonly onRecord: (record: DeadLetterRecord) => void;
  /** Receives the first write failure (the pipeline reports it). */
  readonly report: (error: SdkError) => void;
}

/** The dead-letter writer; `write` never throws. */
export interface DeadLetter {
  readonly write: (entry: DeadLetterInput) => void;
  /** Records written so far (to the file, or counted when there is no file). */
  readonly count: () => number;
  /** Records that could not be written to the file. */
  readonly failures: () => number;
}

/**
 * Creates the dead-letter writer: one JSON line per record `{time, stage, reason, code?, message, raw?, data?}`,
 * appended synchronously (dead letters are rare, and a sync append keeps them ordered and crash-safe up to
 * the last line), directories created, rotated to `<path>.1` by size. A failing write is reported once,
 * then counted (`ha_ingestor_dead_letter_write_failures_total`); it never throws into the pipeline.
 */
export function createDeadLetter(options: DeadLetterOptions): DeadLetter {
  const { path, maxBytes, logger, metrics } = options;
  const failuresCounter = metrics.counter(
    'dead_letter_write_failures_total',
    'Dead-letter records that could not be written to the file',
  );
  let size: number | undefined;
  let written = 0;
  const labels = new Set<string>();
  let failed = 0;

  const append = (file: string, line: string) => {
    if (size === undefined) {
      mkdirSync(dirname(file), { recursive: true });
      try {
        size = statSync(file).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        size = 0;
      }
    }
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > maxBytes) {
      renameSync(file, `${file}.1`);
      size = 0;
    }
    appendFileSync(file, line);
    size += bytes;
  };

  return {
    write: (entry) => {
      const record = toRecord(entry, new Date(options.now()).toISOString());
      written++;
      const pair = `${record.stage}\u0000${record.reason}`;
      if (labels.size < MAX_DEAD_LETTER_LABELS) labels.add(pair);
      metrics.deadLettered.inc(
        labels.has(pair) ? { stage: record.stage, reason: record.reason } : { stage: 'other', reason: 'other' },
      );
      logger.warn({ stage: record.stage, reason: record.reason, code: record.code }, `dead-letter: ${record.message}`);
      if (path !== undefined) {
        try {
          append(path, `${JSON.stringify(record)}\n`);
        } catch (error) {
          failed++;
          failuresCounter.inc();
          size = undefined;
          if (failed === 1) {
            options.report(
              new SdkError(ErrorCode.STORAGE_FAILED, `dead-letter file ${path}: ${errorMessage(error)}`, {
                cause: error,
                stage: 'dead-letter',
              }),
            );
          }
        }
      }
      try {
        options.onRecord(record);
      } catch (error) {
        options.report(
          new SdkError(ErrorCode.INTERNAL, 'a dead-letter listener threw', { cause: error, stage: 'dead-letter' }),
        );
      }
    },
    count: () => written,
    failures: () => failed,
  };
}

// --- internal ---

function toRecord(entry: DeadLetterInput, time: string): DeadLetterRecord {
  return {
    time,
    stage: entry.stage,
    reason: entry.reason,
    ...(entry.code === undefined ? {} : { code: entry.code }),
    message: entry.message,
    ...(entry.raw === undefined ? {} : { raw: safeRaw(entry.raw) }),
    ...(entry.data === undefined ? {} : { data: toJsonSafe(entry.data) as Record<string, unknown> }),
  };
}

function safeRaw(raw: unknown): unknown {
  const safe = toJsonSafe(raw);
  const text = JSON.stringify(safe) ?? '';
  if (text.length <= MAX_RAW_CHARS) return safe;
  return { truncated: true, length: text.length, preview: text.slice(0, MAX_RAW_CHARS) };
}
