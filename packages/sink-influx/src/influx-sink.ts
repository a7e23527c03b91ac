import { defineSink, ErrorCode, isSdkError, noopLogger, SdkError, errorMessage } from '@ha-ingestor/core';
import { serializePoint } from '@ha-ingestor/core/line-protocol';
import { estimateSize } from '@ha-ingestor/core/resilience';
import type { Logger, RejectedEvent, Sink, SinkImpl, SinkWriteResult, StageContext } from '@ha-ingestor/core';
import type { Point } from '@ha-ingestor/core/line-protocol';
import type { LineRejection, SentLine } from './attribute.js';
import { createFieldTypeRegistry } from './field-types.js';
import { writeIsolated } from './isolate.js';
import { freshFields, samplePoint, WrittenLine } from './written-line.js';
import { InfluxSinkOptionsSchema } from './options.js';
import type { InfluxSinkOptions, ResolvedInfluxSinkOptions } from './options.js';
import { classifyResponse } from './responses.js';
import { MAX_CACHED_ENTITIES } from './schema/ha.js';
import { createLineFields } from './schema/ha-line.js';
import { createSchemaCodec, MAPPING_INVALID, rejectionReason } from './schema/mapper.js';
import type { MappableEvent } from './schema/types.js';
import { createV1Writer } from './write-v1.js';
import { createV2Writer } from './write-v2.js';
import type { InfluxWriter } from './writer.js';

/** How long a failed `SHOW FIELD KEYS` / `CREATE DATABASE` waits before the next write tries again. */
const PREPARE_RETRY_MS = 30_000;

const SINK_NAME = 'influx';
/** defineSink's metadata, typed so that the declarations name the schema instead of spelling out its type. */
const METADATA: { readonly componentName: string; readonly optionsSchema: typeof InfluxSinkOptionsSchema } = {
  componentName: SINK_NAME,
  optionsSchema: InfluxSinkOptionsSchema,
};

/**
 * Writes HA events to InfluxDB (v2 API by default, v1 for InfluxDB 1.x). One bad point costs only its
 * event: points that can't be serialised or that conflict with the database's field types are refused
 * before sending, and points the server refuses are isolated (error parsing, else bisection) and returned
 * as `rejected` with the server's reason. Outages throw SINK_UNAVAILABLE / AUTH_FAILED (retryable) so the
 * pipeline retries, opens its breaker and moves batches to its disk outbox.
 *
 * Generic over the event type `E` it receives: inside `.to(influxSink(…))` TypeScript infers `E` from the
 * pipeline (every enriched field, `state` as a number after `unitNormalize`), so a `toPoints` hook sees
 * the enriched event. Alone, `E` defaults to {@link MappableEvent}, which every enriched HA event fits.
 *
 * @example
 * pipeline(source)
 *   .use(timeContext(undefined, { registry }))
 *   .to(influxSink({ url: 'http://localhost:8086', apiVersion: '1', database: 'ha' }), { outbox: { dir: './data/outbox/influx' } });
 */
export const influxSink = Object.assign(
  <E extends MappableEvent = MappableEvent>(options: InfluxSinkOptions, hooks?: InfluxSinkHooks<E>): Sink<E> =>
    // defineSink per call (it is a few property writes) so that `E` reaches `create` without a cast:
    // one shared factory would fix the hook's event type to MappableEvent.
    defineSink({
      name: SINK_NAME,
      options: InfluxSinkOptionsSchema,
      create: (resolved, h: InfluxSinkHooks<E>): SinkImpl<E> => createInfluxSink(resolved, h),
    })(options, hooks),
  METADATA,
);

/** Code-only options of {@link influxSink} (second argument), typed by the event `E` the sink receives. */
export interface InfluxSinkHooks<E extends MappableEvent = MappableEvent> {
  /**
   * Replaces the schema mapping: the points of one event (`[]` writes nothing). A throw rejects that event
   * (dead-letter, reason from `SdkError.data.reason` or `mapping_invalid`). `event` is typed as the
   * pipeline delivers it, enriched fields included.
   */
  readonly toPoints?: ((event: E) => Point[]) | undefined;
}

function createInfluxSink<E extends MappableEvent>(
  options: ResolvedInfluxSinkOptions,
  hooks: InfluxSinkHooks<E>,
): SinkImpl<E> {
  const stage = `sink:${options.name}`;
  const serializeOptions = {
    stringNewlines:
      options.stringNewlines === 'auto' ? (options.apiVersion === '1' ? 'literal' : 'escape') : options.stringNewlines,
  } as const;
  // Per-entity records evicted to stay within their bound (below); counted in a metric per write: those of the
  // schema's records when the write maps its batch, those of the line sizes at the next write.
  let evictedRecords = 0;
  let evictedSizes = 0;
  // Issue 14: without a user mapping, the built-in schema writes an event straight to its line (`toLine`, the
  // `ha` schema); what it leaves (other schemas and events, rare shapes, refusals) takes the point path.
  const codec =
    hooks.toPoints === undefined
      ? createSchemaCodec(
          options.schema,
          { onEvict: () => evictedRecords++ },
          { precision: options.precision, serializeOptions },
        )
      : undefined;
  const pointsOf: (event: E) => Point[] = codec?.mapper ?? (hooks.toPoints as (event: E) => Point[]);
  const toLine = codec?.toLine;
  const lineFields = createLineFields();
  const types = createFieldTypeRegistry();
  // Issue 14: the batcher's byte trigger asks every event's size. The length of the entity's last line is
  // known here (and close: entities write lines of similar length), so that is the size; an entity not
  // written yet falls back to core's estimate (which walks the event two levels deep). Bounded, evictions
  // counted with the schema's records. Keyed by entity id alone, even when homes share a writer (issue 16):
  // it is only a size estimate, homes' lines of one entity differ by the home tag's few bytes.
  const lineSizes = new Map<string, number>();
  const sizeOf = (event: E): number => {
    const id = event.entity_id;
    return (typeof id === 'string' ? lineSizes.get(id) : undefined) ?? estimateSize(event);
  };
  const noteSize = (event: E | undefined, bytes: number): void => {
    const id = event?.entity_id;
    if (typeof id !== 'string' || lineSizes.get(id) === bytes) return;
    if (lineSizes.size >= MAX_CACHED_ENTITIES && !lineSizes.has(id)) {
      const oldest = lineSizes.keys().next();
      if (oldest.done !== true) lineSizes.delete(oldest.value);
      evictedSizes++;
    }
    lineSizes.set(id, bytes);
  };
  let logger: Logger = noopLogger;
  // The pipeline's report once a write or open gave us a context; the logger before that.
  let report: (error: SdkError) => void = (error) =>
    logger.error({ sink: options.name, err: error }, `sink ${options.name}: ${error.message}`);
  const reportLate = (error: SdkError) => report(error);
  const writer: InfluxWriter =
    options.apiVersion === '1'
      ? createV1Writer(options, stage, () => Date.now(), reportLate)
      : createV2Writer(options, stage, () => Date.now(), reportLate);
  let closed = false;
  let prepared = options.apiVersion === '2' || (!options.createDatabase && !options.seedFieldTypes);
  let nextPrepareAt = 0;

  /** v1: CREATE DATABASE and SHOW FIELD KEYS; a failure is logged and tried again later, never fatal. */
  const prepare = async (ctx: StageContext): Promise<void> => {
    if (prepared || ctx.now() < nextPrepareAt || writer.query === undefined) return;
    try {
      if (options.createDatabase)
        await writer.query(`CREATE DATABASE ${quoteIdentifier(options.database ?? '')}`, ctx.signal);
      if (options.seedFieldTypes) {
        const added = types.seedFromShowFieldKeys(await writer.query('SHOW FIELD KEYS', ctx.signal));
        logger.debug(
          { sink: options.name, fields: added },
          `sink ${options.name}: field types seeded from the database`,
        );
      }
      prepared = true;
    } catch (error) {
      nextPrepareAt = ctx.now() + PREPARE_RETRY_MS;
      if (isSdkError(error, ErrorCode.ABORTED)) throw error;
      logger.warn(
        { sink: options.name, err: error },
        `sink ${options.name}: could not prepare the database (field types unknown until it answers): ${errorMessage(error)}`,
      );
    }
  };

  const countCoerced = (ctx: StageContext, n: number) => {
    if (n > 0)
      ctx.metrics
        .counter('influx_points_coerced_total', 'Points whose conflicting field types were coerced', ['sink'])
        .inc({ sink: options.name }, n);
  };

  /** Sends lines with poison-point isolation; learns the types the server reports in conflicts. */
  const sendLines = async (
    lines: readonly SentLine[],
    ctx: StageContext,
    reported: Set<string>,
  ): Promise<LineRejection[]> => {
    const requests = ctx.metrics.counter('influx_requests_total', 'Write requests sent, by why they were sent', [
      'sink',
      'kind',
    ]);
    try {
      return await writeIsolated(lines, {
        send: writer.send,
        classify: (response) => classifyResponse(response, writer.describe),
        maxBatchBytes: options.maxBatchBytes,
        stage,
        signal: ctx.signal,
        onRequest: (kind) => requests.inc({ sink: options.name, kind }),
        onReportedType: ({ measurement, field, type }) => {
          reported.add(`${measurement}\u0000${field}`);
          types.forget(measurement, field);
          types.seedFromShowFieldKeys({
            results: [{ series: [{ name: measurement, columns: ['fieldKey', 'fieldType'], values: [[field, type]] }] }],
          });
        },
      });
    } catch (error) {
      const reason = isSdkError(error) ? error.data?.['reason'] : undefined;
      if (reason === 'not_found' || reason === 'config') {
        logger.error(
          { sink: options.name, code: (error as SdkError).code },
          `sink ${options.name}: ${(error as SdkError).message}`,
        );
        if (options.createDatabase) prepared = false; // dropped meanwhile? create it again before the next write
        nextPrepareAt = 0;
      }
      throw error;
    }
  };

  /**
   * typeConflict 'coerce': lines the server refused for a type conflict the registry did not know are
   * coerced to the type it reported and sent once more; what still fails stays refused.
   */
  const coerceRefused = async (
    lines: readonly SentLine[],
    refused: LineRejection[],
    ctx: StageContext,
    reported: Set<string>,
  ): Promise<LineRejection[]> => {
    const again: { line: number; sent: SentLine }[] = [];
    for (const r of refused) {
      if (r.reason !== 'type_conflict') continue;
      const checked = types.coerce((lines[r.line] as SentLine).point, 'coerce');
      if (checked.action !== 'coerced') continue;
      try {
        again.push({
          line: r.line,
          sent: { text: serializePoint(checked.point, options.precision, serializeOptions), point: checked.point },
        });
      } catch (error) {
        logger.debug({ sink: options.name, err: error }, 'coerced point not serialisable: keeping the refusal');
      }
    }
    if (again.length === 0) return refused;
    countCoerced(ctx, again.length);
    const retried = new Set(again.map((a) => a.line));
    const second = await sendLines(
      again.map((a) => a.sent),
      ctx,
      reported,
    );
    return [
      ...refused.filter((r) => !retried.has(r.line)),
      ...second.map((r) => ({ ...r, line: (again[r.line] as { line: number }).line })),
    ];
  };

  const write = async (batch: readonly E[], ctx: StageContext): Promise<SinkWriteResult | void> => {
    if (closed)
      throw new SdkError(ErrorCode.SINK_UNAVAILABLE, `sink ${options.name} is closed`, { stage, retryable: false });
    logger = ctx.logger;
    report = ctx.report;
    if (batch.length === 0) return;
    if (ctx.signal.aborted) throw new SdkError(ErrorCode.ABORTED, 'write aborted', { stage, retryable: false });
    await prepare(ctx);

    const rejected = new Map<number, RejectedEvent>();
    const reject = (index: number, reason: string, message: string) => {
      if (!rejected.has(index)) rejected.set(index, { index, reason, message });
    };
    const sizeEvictions = evictedSizes;
    evictedSizes = 0;

    // Per event: its line (toLine), else its points, checked for field types (as the server would judge them,
    // first write wins) and serialised.
    const sent: SentLine[] = [];
    const sentOwner: number[] = [];
    const learnt: (readonly (readonly [string, string])[])[] = [];
    let coerced = 0;
    const writePoint = (point: Point, owner: number): void => {
      const checked = types.coerce(point, options.typeConflict);
      if (checked.action === 'dead-letter') {
        const c = checked.conflicts[0];
        const what = c
          ? `field "${c.field}" of measurement "${checked.point.measurement}" is ${c.actual} here but ${c.expected} in the database`
          : 'field type conflict';
        reject(owner, 'type_conflict', `${what} (typeConflict: dead-letter)`);
        return;
      }
      if (checked.action === 'coerced') coerced++;
      const p = checked.point;
      let text: string;
      try {
        text = serializePoint(p, options.precision, serializeOptions);
      } catch (error) {
        reject(owner, rejectionReason(error, 'invalid_point'), errorMessage(error));
        return;
      }
      const fresh: [string, string][] = [];
      for (const field in p.fields)
        if (types.get(p.measurement, field) === undefined) fresh.push([p.measurement, field]);
      types.learn(p);
      noteSize(batch[owner], text.length + 1);
      sent.push({ text, point: p });
      sentOwner.push(owner);
      learnt.push(fresh);
    };
    /** A line of `toLine`: sent unless a field's type conflicts (the point path then coerces or refuses). */
    const writeLine = (text: string, owner: number, event: E): boolean => {
      const fresh = freshFields(types, lineFields);
      if (fresh === undefined) return false;
      if (fresh.length > 0) types.learn(samplePoint(lineFields));
      noteSize(event, text.length + 1);
      sent.push(new WrittenLine(text, event, pointsOf));
      sentOwner.push(owner);
      learnt.push(fresh);
      return true;
    };

    for (let i = 0; i < batch.length; i++) {
      const event = batch[i] as E;
      if (toLine !== undefined) {
        const line = toLine(event, lineFields);
        if (line === undefined || (line !== null && writeLine(line, i, event))) continue;
      }
      let points: Point[];
      try {
        points = pointsOf(event);
      } catch (error) {
        // One malformed event must not cost the batch: report it with its reason, carry on.
        reject(i, rejectionReason(error, MAPPING_INVALID), errorMessage(error));
        continue;
      }
      // An event with a refused point: none of its later points are queued (nor, below, its earlier ones).
      for (const point of points) if (!rejected.has(i)) writePoint(point, i);
    }
    const evicted = evictedRecords + sizeEvictions;
    evictedRecords = 0;
    if (evicted > 0) {
      ctx.metrics
        .counter(
          'influx_entity_cache_evictions_total',
          'Per-entity records (ha schema measurement/tags, last line size) evicted to stay within their bound',
          ['sink'],
        )
        .inc({ sink: options.name }, evicted);
    }
    countCoerced(ctx, coerced);

    // An event refused after some of its points were queued: send none of them.
    let lines = sent;
    let lineOwner = sentOwner;
    let lineLearnt = learnt;
    if (rejected.size > 0) {
      const keep = sent.map((_, i) => !rejected.has(sentOwner[i] as number));
      learnt.forEach((fresh, i) => {
        if (!keep[i]) for (const [m, f] of fresh) types.forget(m, f);
      });
      lines = sent.filter((_, i) => keep[i]);
      lineOwner = sentOwner.filter((_, i) => keep[i]);
      lineLearnt = learnt.filter((_, i) => keep[i]);
    }

    const reported = new Set<string>();
    let refused = await sendLines(lines, ctx, reported);
    if (options.typeConflict === 'coerce') refused = await coerceRefused(lines, refused, ctx, reported);

    for (const r of refused) {
      // A refused line's first-seen field types never reached the database: forget them.
      for (const [m, f] of lineLearnt[r.line] ?? []) if (!reported.has(`${m}\u0000${f}`)) types.forget(m, f);
      reject(lineOwner[r.line] as number, r.reason, r.message);
    }
    if (rejected.size === 0) return;
    const byReason: Record<string, number> = {};
    for (const r of rejected.values()) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    logger.warn(
      { sink: options.name, rejected: byReason },
      `sink ${options.name}: ${rejected.size} of ${batch.length} events refused (dead-lettered)`,
    );
    return { rejected: [...rejected.values()].sort((a, b) => a.index - b.index) };
  };

  return {
    name: options.name,
    sizeOf,
    open: async (ctx) => {
      logger = ctx.logger;
      report = ctx.report;
      await prepare(ctx);
    },
    write,
    healthcheck: (signal) => {
      if (closed)
        return Promise.reject(
          new SdkError(ErrorCode.SINK_UNAVAILABLE, `sink ${options.name} is closed`, { stage, retryable: false }),
        );
      return writer.ping(signal);
    },
    close: () => {
      if (!closed) {
        closed = true;
        writer.close();
      }
      return Promise.resolve();
    },
  };
}

/** An InfluxQL identifier in double quotes. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
