import { access, constants, mkdir } from 'node:fs/promises';
import { ErrorCode, SdkError, toSdkError, errorMessage } from '../model/errors.js';
import {
  defaultToLines,
  lineProtocolHeader,
  serialisationFailure,
  unsafeLineReason,
  type FileSinkEvent,
  type ToLinesResult,
} from './lines.js';
import { createRotatingFile, type RotatingFile } from './rotating.js';
import { FileSinkOptionsSchema, type FileSinkOptions, type ResolvedFileSinkOptions } from './options.js';
import type { Logger } from '../observability/logger.js';
import { createLock } from '../primitives/lock.js';
import { defineSink, type RejectedEvent, type Sink, type SinkImpl } from '../component/sink.js';

const SINK_NAME = 'file';
/** defineSink's metadata, typed so that the declarations name the schema instead of spelling out its type. */
const METADATA: { readonly componentName: string; readonly optionsSchema: typeof FileSinkOptionsSchema } = {
  componentName: SINK_NAME,
  optionsSchema: FileSinkOptionsSchema,
};

/** Hooks of {@link fileSink} (code, not data: the second argument of the factory), typed by the event `E` it receives. */
export interface FileSinkHooks<E extends FileSinkEvent = FileSinkEvent> {
  /**
   * Maps a batch to line protocol for `lp` files, e.g. the InfluxDB sink's schema, so files import into
   * the same series as live writes. Events it cannot map go to `rejected` (by index), never throw.
   * Serialise with `serializePoints(points, precision, { target: 'file' })` and return `indices`: a line
   * unsafe for `influx -import` (a line break, a leading `#`) then rejects its event (`unsafe_line`).
   * Inside `.to(fileSink(…))` the events are typed as the pipeline delivers them (enriched fields included).
   * Declared with method syntax on purpose: its parameter is then checked bivariantly, so a mapping
   * typed for a richer event (`readonly HaEvent[]`) plugs in without a cast.
   * Default: {@link defaultToLines}.
   */
  toLines?(events: readonly E[]): ToLinesResult;
}

/**
 * The embedded default sink: NDJSON and/or InfluxDB line protocol files in `dir`, rotated by size and
 * age, fsynced per batch so `write()` resolves only once the batch is on disk. Events it cannot
 * serialise are returned as `rejected` (dead-lettered by the pipeline), never failing their batch.
 * Line protocol files start with the `# DML` / `# CONTEXT-DATABASE:` header of `influx -import`.
 * Generic over the event type `E` it receives: inside `.to(fileSink(…))` TypeScript infers it from the
 * pipeline, so a `toLines` hook sees enriched fields; alone it is {@link FileSinkEvent}.
 *
 * @example
 * const sink = fileSink({ dir: './data', format: 'both', rotate: { maxBytes: 32 * 1024 * 1024 } });
 * pipeline(source).to(sink).build();
 */
export const fileSink = Object.assign(
  <E extends FileSinkEvent = FileSinkEvent>(options: FileSinkOptions, hooks?: FileSinkHooks<E>): Sink<E> =>
    // defineSink per call (a few property writes) so that `E` reaches `create` without a cast (issue 20).
    defineSink({
      name: SINK_NAME,
      options: FileSinkOptionsSchema,
      create: (resolved, h: FileSinkHooks<E>): SinkImpl<E> => createFileSink(resolved, h),
    })(options, hooks),
  METADATA,
);

function createFileSink<E extends FileSinkEvent>(
  options: ResolvedFileSinkOptions,
  hooks: FileSinkHooks<E>,
): SinkImpl<E> {
  const lock = createLock();
  const stage = `sink:${SINK_NAME}`;
  let writers: { ndjson?: RotatingFile; lp?: RotatingFile } | undefined;
  let closed = false;

  const writersFor = (logger: Logger) => {
    writers ??= makeWriters(options, stage, logger);
    return writers;
  };

  return {
    write: (batch, ctx) =>
      lock.run(async () => {
        if (closed) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `${stage}: closed`, { stage, retryable: false });
        if (batch.length === 0) return undefined;
        const now = ctx.now();
        const { ndjson, lp } = writersFor(ctx.logger);
        const rejected = new Map<number, RejectedEvent>();
        if (ndjson) await ndjson.append(toNdjson(batch, rejected), now);
        if (lp) {
          let mapped: ToLinesResult;
          try {
            mapped = hooks.toLines ? hooks.toLines(batch) : defaultToLines(batch, options.precision);
          } catch (error) {
            throw toSdkError(error, ErrorCode.INTERNAL, stage);
          }
          for (const r of mapped.rejected) if (!rejected.has(r.index)) rejected.set(r.index, r);
          const lines = safeLines(mapped, rejected, (entry) =>
            ctx.deadLetter({ stage, code: ErrorCode.SINK_REJECTED, ...entry }),
          );
          if (lines.length > 0) await lp.append(`${lines.join('\n')}\n`, now);
        }
        return rejected.size === 0 ? undefined : { rejected: [...rejected.values()].sort((a, b) => a.index - b.index) };
      }),

    healthcheck: async (signal) => {
      if (signal.aborted)
        throw new SdkError(ErrorCode.ABORTED, `${stage}: healthcheck aborted`, { stage, cause: signal.reason });
      try {
        await mkdir(options.dir, { recursive: true });
        await access(options.dir, constants.W_OK);
      } catch (error) {
        throw new SdkError(
          ErrorCode.SINK_UNAVAILABLE,
          `${stage}: ${options.dir} is not writable: ${errorMessage(error)}`,
          {
            stage,
            cause: error,
          },
        );
      }
    },

    close: () =>
      lock.run(async () => {
        if (closed) return;
        closed = true;
        if (!writers) return;
        await writers.ndjson?.close();
        await writers.lp?.close();
      }),
  };
}

// --- internal ---

function makeWriters(
  options: ResolvedFileSinkOptions,
  stage: string,
  logger: Logger,
): { ndjson?: RotatingFile; lp?: RotatingFile } {
  const common = {
    dir: options.dir,
    prefix: options.prefix,
    maxBytes: options.rotate.maxBytes,
    maxAgeMs: options.rotate.maxAgeMs,
    fsync: options.fsync,
    stage,
    logger,
  };
  return {
    ...(options.format === 'lp' ? {} : { ndjson: createRotatingFile({ ...common, ext: 'ndjson' }) }),
    ...(options.format === 'ndjson'
      ? {}
      : {
          lp: createRotatingFile({
            ...common,
            ext: 'lp',
            header: `${lineProtocolHeader(options.database, options.retentionPolicy)}\n`,
          }),
        }),
  };
}

/**
 * The lines of a mapping that are safe for `influx -import` ({@link unsafeLineReason}): the built-in mapping
 * only writes safe lines, but a `toLines` hook might not (issue 11). The event of an unsafe line is
 * rejected when the hook gave `indices`; otherwise the line itself is dead-lettered.
 */
function safeLines(
  mapped: ToLinesResult,
  rejected: Map<number, RejectedEvent>,
  deadLetter: (entry: { reason: string; message: string; raw: unknown }) => void,
): readonly string[] {
  const { lines, indices } = mapped;
  let out: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const problem = unsafeLineReason(line);
    if (problem === undefined) {
      out?.push(line);
      continue;
    }
    out ??= lines.slice(0, i);
    const message = `line protocol line ${problem}`;
    const index = indices?.length === lines.length ? indices[i] : undefined;
    if (index === undefined) deadLetter({ reason: 'unsafe_line', message, raw: line });
    else if (!rejected.has(index)) rejected.set(index, { index, reason: 'unsafe_line', message });
  }
  return out ?? lines;
}

/** One JSON line per event; events JSON cannot represent (bigint, cycles) are rejected, not thrown. */
function toNdjson(batch: readonly unknown[], rejected: Map<number, RejectedEvent>): string {
  let text = '';
  for (let i = 0; i < batch.length; i++) {
    let line: string | undefined;
    try {
      line = JSON.stringify(batch[i]);
    } catch (error) {
      rejected.set(i, { index: i, ...serialisationFailure(error, 'event') });
      continue;
    }
    if (line === undefined) {
      rejected.set(i, { index: i, reason: 'not_serialisable', message: 'event is not a JSON value' });
      continue;
    }
    text += `${line}\n`;
  }
  return text;
}
