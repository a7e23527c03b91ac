import { z } from 'zod';
import { ErrorCode, createReportingGuard, defineSource, isSdkError } from '@ha-ingestor/core';
import type { CheckpointStore, SourceContext, SourceImpl } from '@ha-ingestor/core';
import { waitOrAbort } from '@ha-ingestor/core/resilience';
import { connectHa, type CreateSocket, type HaConnection } from '../connection/connection.js';
import { HaWebSocketUrlSchema } from '../options.js';
import { floorHour, listStatistics, type ConnectionProvider } from './statistics-reader.js';
import { runStatisticsPass, selectStatistics, type StatisticsProgress } from './statistics-import.js';
import { isRejection, type StatisticEvent, type StatisticMeta } from './statistic-rows.js';

const IMPORT_NAME = 'ha-statistics-import';
const SYNC_NAME = 'ha-statistics-sync';
/** HA fires it after compiling each hour's long-term statistics (recorder `StatisticsTask`). */
export const HOURLY_STATISTICS_EVENT = 'recorder_hourly_statistics_generated';

const ConnectionOptions = {
  url: HaWebSocketUrlSchema,
  token: z.string().min(1).describe('Long-lived access token. Secret: never logged'),
  ids: z
    .array(z.string().min(1))
    .optional()
    .describe('Statistic id globs (`sensor.*energy*`, `tibber:*`); omitted → every statistic with a mean or a sum'),
  windowHours: z
    .number()
    .int()
    .positive()
    .max(8784)
    .default(168)
    .describe('Hours per statistics_during_period request'),
  batchSize: z.number().int().positive().max(1000).default(25).describe('Statistic ids per request'),
  checkpointKey: z.string().min(1).default('ha-statistics').describe('Key of the per-statistic checkpoint'),
  connectTimeoutMs: z.number().int().positive().default(15_000).describe('Time allowed for connect + auth'),
};

/** Options of {@link haStatisticsImportSource}. */
export const HaStatisticsImportOptionsSchema = z.object({
  ...ConnectionOptions,
  since: z.number().optional().describe('Epoch ms of the first hour to import; omitted → all time'),
});
/** Options of {@link haStatisticsImportSource} as a user writes them. */
export type HaStatisticsImportOptions = z.input<typeof HaStatisticsImportOptionsSchema>;

/** Options of {@link haStatisticsSyncSource}. */
export const HaStatisticsSyncOptionsSchema = z.object({
  ...ConnectionOptions,
  trailingHours: z
    .number()
    .int()
    .positive()
    .max(8784)
    .default(48)
    .describe(
      'Each pass re-reads this many past hours, so adjusted sums and late external rows overwrite their points',
    ),
  pollIntervalMs: z
    .number()
    .int()
    .positive()
    .default(300_000)
    .describe(`Checks for a new hour this often (for servers that do not fire \`${HOURLY_STATISTICS_EVENT}\`)`),
});
/** Options of {@link haStatisticsSyncSource} as a user writes them. */
export type HaStatisticsSyncOptions = z.input<typeof HaStatisticsSyncOptionsSchema>;

/** Hooks of the statistics sources. */
export interface HaStatisticsHooks {
  /** Where the per-statistic position is kept; without it every run starts over (still idempotent). */
  readonly checkpoints?: CheckpointStore;
  /** Called after each request with the progress so far (statistics done, rows, rate, ETA). */
  readonly onProgress?: (progress: StatisticsProgress) => void;
  /** Called once the statistics to read are known (after filtering). */
  readonly onPlan?: (statistics: readonly StatisticMeta[]) => void;
  readonly createSocket?: CreateSocket;
  /** Wait before retrying a request after a dropped connection (default 500 ms, growing). */
  readonly retryDelayMs?: number;
}

/**
 * Imports HA's hourly long-term statistics (one `ha_statistic` event per row) and ends when every row up to
 * the last finished hour is acknowledged. Resumes from its checkpoint; a dropped connection is re-opened and
 * the request retried.
 * @example
 * const source = haStatisticsImportSource({ url, token }, { checkpoints: createFileCheckpointStore({ dir }) });
 */
export const haStatisticsImportSource = defineSource({
  name: IMPORT_NAME,
  options: HaStatisticsImportOptionsSchema,
  create: (options, hooks: HaStatisticsHooks): SourceImpl<StatisticEvent> => ({
    run: async (ctx) => {
      const provider = createConnectionProvider(options, hooks, ctx, IMPORT_NAME);
      try {
        const metas = await listed(ctx, await provider.get(), options.ids, IMPORT_NAME);
        hooks.onPlan?.(metas);
        await runStatisticsPass(ctx, {
          connection: provider.get,
          metas,
          since: options.since,
          until: ctx.now(),
          resumeFrom: (_id, checkpoint) => checkpoint,
          windowHours: options.windowHours,
          batchSize: options.batchSize,
          checkpoints: hooks.checkpoints,
          checkpointKey: options.checkpointKey,
          stage: `source:${IMPORT_NAME}`,
          onProgress: hooks.onProgress,
          retryDelayMs: hooks.retryDelayMs,
        });
      } finally {
        await provider.close();
      }
    },
  }),
});

/**
 * Keeps statistics in sync while the service runs: a pass after each `recorder_hourly_statistics_generated`
 * (and, where HA does not fire it, when polling finds a new hour). A pass reads from each statistic's
 * checkpoint or the trailing window, whichever is earlier, so sums changed by `recorder/adjust_sum_statistics`
 * and late external rows overwrite their points. History older than the window is `import-statistics`' job.
 */
export const haStatisticsSyncSource = defineSource({
  name: SYNC_NAME,
  options: HaStatisticsSyncOptionsSchema,
  create: (options, hooks: HaStatisticsHooks): SourceImpl<StatisticEvent> => ({
    run: async (ctx) => {
      const provider = createConnectionProvider(options, hooks, ctx, SYNC_NAME);
      let wake: () => void = () => undefined;
      let subscribedOn: HaConnection | undefined;
      let lastPassHour = Number.NEGATIVE_INFINITY;
      let eventSeen = false;
      // Set while HA refuses the hourly event; `warned` keeps the warning to once per run (not per reconnect).
      let polledOnly = false;
      let warned = false;
      const polling = `polled every ${formatInterval(options.pollIntervalMs)}: HA refused ${HOURLY_STATISTICS_EVENT}`;
      try {
        while (!ctx.signal.aborted) {
          let failed = false;
          try {
            const connection = await provider.get();
            if (subscribedOn !== connection) {
              subscribedOn = connection;
              polledOnly = !(await subscribeHourly(ctx, connection, !warned, () => {
                eventSeen = true;
                wake();
              }));
              warned ||= polledOnly;
            }
            // Polling: an hour is due once HA has had time to compile it (HA compiles a few minutes after it).
            const hour = floorHour(ctx.now() - COMPILE_DELAY_MS);
            if (eventSeen || hour > lastPassHour) {
              eventSeen = false;
              const metas = await listed(ctx, connection, options.ids, SYNC_NAME);
              const trailing = floorHour(ctx.now()) - options.trailingHours * 3_600_000;
              await runStatisticsPass(ctx, {
                connection: provider.get,
                metas,
                since: undefined,
                until: ctx.now(),
                resumeFrom: (_id, checkpoint) => Math.min(checkpoint ?? trailing, trailing),
                windowHours: options.windowHours,
                batchSize: options.batchSize,
                checkpoints: hooks.checkpoints,
                checkpointKey: options.checkpointKey,
                stage: `source:${SYNC_NAME}`,
                onProgress: hooks.onProgress,
                retryDelayMs: hooks.retryDelayMs,
              });
              lastPassHour = hour;
              const synced = `statistics synced up to ${new Date(hour).toISOString()}`;
              ctx.setStatus({ connected: true, message: polledOnly ? `${synced} (${polling})` : synced });
            }
          } catch (error) {
            if (ctx.signal.aborted) break;
            failed = true;
            // A failed pass (HA away, database refusing) is retried at the next poll; never fatal.
            ctx.report(error);
            ctx.setStatus({ connected: false, message: error instanceof Error ? error.message : String(error) });
            subscribedOn = undefined;
          }
          // An hourly event seen during a pass that went through (its wake() found no waiter) starts the next
          // pass at once; after a failure the poll interval is kept, so HA being away never spins this loop.
          if (eventSeen && !failed) continue;
          const woke = new Promise<void>((resolve) => (wake = resolve));
          await waitOrAbort(Promise.race([woke, waitOrAbort(options.pollIntervalMs, ctx.signal)]), ctx.signal);
        }
      } finally {
        await provider.close();
      }
    },
  }),
});

// --- internal ---

const COMPILE_DELAY_MS = 15 * 60_000;

const formatInterval = (ms: number): string => (ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/**
 * Subscribes to the hourly event; false when the server refuses it (then it is polled only, and `warn` says
 * so in the log). Connection errors propagate.
 */
async function subscribeHourly(
  ctx: SourceContext<StatisticEvent>,
  connection: HaConnection,
  warn: boolean,
  onEvent: () => void,
): Promise<boolean> {
  try {
    await connection.subscribeEvents(HOURLY_STATISTICS_EVENT, onEvent);
    return true;
  } catch (error) {
    if (!isSdkError(error, ErrorCode.COMMAND_FAILED)) throw error;
    if (warn)
      ctx.logger.warn({ err: error }, `cannot subscribe to ${HOURLY_STATISTICS_EVENT}; statistics are polled only`);
    return false;
  }
}

async function listed(
  ctx: SourceContext<StatisticEvent>,
  connection: HaConnection,
  globs: readonly string[] | undefined,
  name: string,
): Promise<StatisticMeta[]> {
  const { metas, rejected } = await listStatistics(connection);
  for (const r of rejected) {
    ctx.deadLetter({ stage: `source:${name}`, reason: r.reason, message: r.message, raw: r.raw });
  }
  return selectStatistics(
    metas.filter((m) => !isRejection(m)),
    globs,
  );
}

interface Provider {
  readonly get: ConnectionProvider;
  readonly close: () => Promise<void>;
}

/** One connection at a time, re-opened after it closed. */
function createConnectionProvider(
  options: { url: string; token: string; connectTimeoutMs: number },
  hooks: HaStatisticsHooks,
  ctx: SourceContext<StatisticEvent>,
  name: string,
): Provider {
  let current: HaConnection | undefined;
  let open = false;
  const guard = createReportingGuard((error) => current?.terminate(error), `source:${name}`);
  return {
    get: async () => {
      if (current !== undefined && open) return current;
      const connection = await connectHa({
        guard,
        url: options.url,
        token: options.token,
        connectTimeoutMs: options.connectTimeoutMs,
        compression: false,
        stage: `source:${name}`,
        signal: ctx.signal,
        ...(hooks.createSocket === undefined ? {} : { createSocket: hooks.createSocket }),
      });
      current = connection;
      open = true;
      void connection.closed.then(() => {
        if (current === connection) open = false;
      });
      ctx.setStatus({ connected: true });
      return connection;
    },
    close: async () => {
      if (current !== undefined && open) await current.close();
      current = undefined;
    },
  };
}
