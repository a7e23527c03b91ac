import { join } from 'node:path';
import {
  ConfigError,
  createFileCheckpointStore,
  createReportingGuard,
  parseHaTime,
  type Logger,
  type PipelineStats,
} from '@ha-ingestor/core';
import {
  connectHa,
  haStatisticsImportSource,
  listStatistics,
  readStatistics,
  selectStatistics,
  type StatisticsCheckpoint,
  type StatisticsProgress,
} from '@ha-ingestor/source-ws';
import { createIngestor } from './app.js';
import type { AppConfig } from './config.js';

/** Checkpoint key of the statistics import and sync (one position per statistic, shared by both). */
export const STATISTICS_CHECKPOINT_KEY = 'ha-statistics';

/** Options of {@link runImportStatistics}. */
export interface ImportStatisticsOptions {
  /** ISO 8601: first hour to import; absent → all time. */
  readonly since?: string | undefined;
  /** Statistic id globs; absent → every statistic with a mean or a sum. */
  readonly ids?: readonly string[] | undefined;
  readonly dryRun: boolean;
  /** Progress as one JSON object per line instead of a status line. */
  readonly json: boolean;
  /** Receives progress text (stderr). */
  readonly progress: (text: string) => void;
  /** Clock for progress throttling (epoch ms). */
  readonly now?: () => number;
}

/** What an import did (or, dry, would do). */
export interface ImportStatisticsResult {
  readonly dryRun: boolean;
  readonly statistics: number;
  readonly rows: number;
  readonly rejected: number;
  /** The pipeline's counts (absent on a dry run). */
  readonly stats?: PipelineStats;
}

/**
 * `ha-ingestor import-statistics`: imports HA's hourly long-term statistics through the configured sinks'
 * delivery (retries, outbox, acknowledgements). The per-statistic checkpoint under DATA_DIR advances only
 * for acknowledged rows, so a run cut by a dropped connection, a kill or a database outage resumes where
 * it stopped; points are keyed by statistic and hour, so a second run adds nothing. `dryRun` reads and
 * counts, and writes nothing (no point, no checkpoint, no dead-letter file).
 */
export async function runImportStatistics(
  config: AppConfig,
  logger: Logger,
  options: ImportStatisticsOptions,
): Promise<ImportStatisticsResult> {
  const { url, token } = config.homeAssistant;
  if (url === undefined || token === undefined) {
    throw new ConfigError('import-statistics needs HA_URL and HA_TOKEN', [
      { path: 'homeAssistant.url', message: 'required for import-statistics' },
    ]);
  }
  let since: number | undefined;
  if (options.since !== undefined) {
    const us = parseHaTime(options.since);
    if (us === undefined) throw new ConfigError(`--since ${JSON.stringify(options.since)} is not an ISO 8601 time`, []);
    since = Math.floor(us / 1000);
  }
  const checkpoints = createFileCheckpointStore({ dir: join(config.dataDir, 'checkpoints') });
  const report = progressReporter(options);

  if (options.dryRun) return dryRun({ url, token, since, options, report, checkpoints });

  let total = 0;
  let last: StatisticsProgress | undefined;
  const source = haStatisticsImportSource(
    {
      url,
      token,
      checkpointKey: STATISTICS_CHECKPOINT_KEY,
      ...(since === undefined ? {} : { since }),
      ...(options.ids === undefined ? {} : { ids: [...options.ids] }),
    },
    {
      checkpoints,
      onPlan: (metas) => (total = metas.length),
      onProgress: (p) => {
        last = p;
        report(p, false);
      },
    },
  );
  const ingestor = await createIngestor(config, logger, { sources: [source], history: true });
  await ingestor.pipeline.start();
  try {
    await ingestor.pipeline.idle();
  } finally {
    if (last !== undefined) report(last, true);
  }
  const stats = await ingestor.pipeline.stop();
  return { dryRun: false, statistics: total, rows: last?.rows ?? 0, rejected: last?.rejected ?? 0, stats };
}

/** Formats the result for stdout (text or one JSON object). */
export function formatStatisticsResult(result: ImportStatisticsResult, json: boolean): string {
  const written = result.stats === undefined ? 0 : Object.values(result.stats.written).reduce((a, b) => a + b, 0);
  if (json)
    return JSON.stringify({
      type: 'summary',
      dryRun: result.dryRun,
      statistics: result.statistics,
      rows: result.rows,
      rejected: result.rejected,
      ...(result.stats === undefined
        ? {}
        : { written, failed: result.stats.failed, deadLettered: result.stats.deadLettered }),
    });
  const lines = [
    result.dryRun ? 'dry run: nothing written' : 'statistics import finished',
    `  statistics    ${result.statistics}`,
    `  rows          ${result.rows}${result.dryRun ? ' (would be written)' : ''}`,
    `  rejected      ${result.rejected}${result.dryRun ? '' : ' (dead-lettered)'}`,
  ];
  if (result.stats !== undefined) lines.push(`  written       ${written}`, `  failed        ${result.stats.failed}`);
  return lines.join('\n');
}

// --- internal ---

type Report = (progress: StatisticsProgress, final: boolean) => void;

/** Progress on stderr: a status line (text) or JSON lines, at most about once a second until the end. */
function progressReporter(options: ImportStatisticsOptions): Report {
  const now = options.now ?? Date.now;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (p, final) => {
    const t = now();
    if (!final && t - lastAt < 1000) return;
    lastAt = t;
    if (options.json) {
      options.progress(
        `${JSON.stringify({
          type: 'progress',
          statisticsDone: p.statisticsDone,
          statisticsTotal: p.statisticsTotal,
          rows: p.rows,
          rejected: p.rejected,
          rowsPerSecond: Math.round(p.rowsPerSecond),
          etaSeconds: p.etaSeconds === undefined ? null : Math.round(p.etaSeconds),
        })}\n`,
      );
      return;
    }
    const eta = p.etaSeconds === undefined ? '–' : formatDuration(p.etaSeconds);
    options.progress(
      `\rstatistics ${p.statisticsDone}/${p.statisticsTotal} | rows ${p.rows} | ${Math.round(p.rowsPerSecond)} rows/s | ETA ${eta}${p.rejected > 0 ? ` | rejected ${p.rejected}` : ''}${final ? '\n' : ''}`,
    );
  };
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

async function dryRun(args: {
  url: string;
  token: string;
  since: number | undefined;
  options: ImportStatisticsOptions;
  report: Report;
  checkpoints: ReturnType<typeof createFileCheckpointStore>;
}): Promise<ImportStatisticsResult> {
  const { options } = args;
  const stored = await args.checkpoints.load<StatisticsCheckpoint>(STATISTICS_CHECKPOINT_KEY);
  const done = stored?.version === 1 ? stored.doneUntil : {};
  // A socket callback that throws cuts the connection with that error, failing the pending request loudly.
  const held: { connection?: Awaited<ReturnType<typeof connectHa>> } = {};
  const guard = createReportingGuard((error) => held.connection?.terminate(error), 'source:ha-statistics-import');
  const connection = await connectHa({
    guard,
    url: args.url,
    token: args.token,
    connectTimeoutMs: 15_000,
    compression: false,
  });
  held.connection = connection;
  try {
    const { metas, rejected: listRejected } = await listStatistics(connection);
    const selected = selectStatistics(metas, options.ids);
    let rows = 0;
    let rejected = listRejected.length;
    let finished = 0;
    const started = (options.now ?? Date.now)();
    for await (const chunk of readStatistics({
      connection: async () => connection,
      metas: selected,
      since: args.since,
      until: Date.now(),
      resumeFrom: (id) => done[id],
      windowHours: 168,
      batchSize: 25,
    })) {
      rows += chunk.rows.length;
      rejected += chunk.rejected.length;
      finished += chunk.finished.length;
      const elapsed = Math.max(1, (options.now ?? Date.now)() - started) / 1000;
      args.report(
        {
          statisticsDone: finished,
          statisticsTotal: selected.length,
          rows,
          rejected,
          rowsPerSecond: rows / elapsed,
          etaSeconds: undefined,
        },
        finished === selected.length,
      );
    }
    return { dryRun: true, statistics: selected.length, rows, rejected };
  } finally {
    await connection.close();
  }
}
