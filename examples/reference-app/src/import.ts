import { ConfigError, parseHaTime, type Logger, type PipelineStats } from '@ha-ingestor/core';
import { haHistoryImportSource, type ImportProgress } from '@ha-ingestor/source-ws';
import { createIngestor } from './app.js';
import type { AppConfig } from './config.js';

/** Options of {@link runImport}. */
export interface ImportOptions {
  readonly start: string;
  readonly end: string;
  readonly entities?: readonly string[];
  /** Receives progress text (a carriage-return progress bar). */
  readonly progress: (text: string) => void;
}

/**
 * Imports HA history for [start, end] through the same pipeline as the live service (same schema, same
 * points; dedupe and idempotent writes make overlaps harmless), then flushes and stops.
 */
export async function runImport(config: AppConfig, logger: Logger, options: ImportOptions): Promise<PipelineStats> {
  const { url, token } = config.homeAssistant;
  if (url === undefined || token === undefined) {
    throw new ConfigError('import needs HA_URL and HA_TOKEN', [
      { path: 'homeAssistant.url', message: 'required for import' },
    ]);
  }
  const start = parseHaTime(options.start);
  const end = parseHaTime(options.end);
  if (start === undefined)
    throw new ConfigError(`--start ${JSON.stringify(options.start)} is not an ISO 8601 time`, []);
  if (end === undefined) throw new ConfigError(`--end ${JSON.stringify(options.end)} is not an ISO 8601 time`, []);
  if (end <= start) throw new ConfigError('--end must be after --start', []);

  const source = haHistoryImportSource(
    {
      url,
      token,
      start: new Date(start / 1000).toISOString(),
      end: new Date(end / 1000).toISOString(),
      ...(options.entities === undefined ? {} : { entityIds: [...options.entities] }),
    },
    {
      onProgress: (p: ImportProgress) => {
        const width = 30;
        const filled = Math.round(Math.min(1, Math.max(0, p.fraction)) * width);
        const pct = (p.fraction * 100).toFixed(0).padStart(3);
        options.progress(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${p.events} events${p.invalidRows ? `, ${p.invalidRows} invalid rows` : ''}`,
        );
      },
    },
  );
  const ingestor = await createIngestor({ ...config, http: config.http }, logger, { sources: [source], history: true });
  await ingestor.pipeline.start();
  try {
    await ingestor.pipeline.idle();
  } finally {
    options.progress('\n');
  }
  return ingestor.pipeline.stop();
}
