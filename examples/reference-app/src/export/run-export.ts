import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { PassThrough, type Writable } from 'node:stream';
import { ConfigError } from '@ha-ingestor/core';
import type { AppConfig } from '../config.js';
import { createLineProtocolExporter } from '../lp-export.js';
import { isExportFormat, EXPORT_FORMATS } from './formats.js';
import { createExportProgress, type ExportSummary } from './progress.js';
import { exportFromStore } from './store-export.js';
import { parseRange, storeOptionsOf } from './store-options.js';

/** Options of {@link runExport} (the `export` command). */
export interface RunExportOptions {
  readonly start: string;
  readonly end: string;
  readonly entities?: readonly string[];
  readonly format: string;
  /** A file path, or `-` for stdout. */
  readonly out: string;
  readonly stdout: Writable;
  readonly stderr: { readonly write: (text: string) => unknown; readonly isTTY?: boolean };
  /** `--json`: progress and summary as JSON lines on stderr. */
  readonly jsonProgress: boolean;
  readonly signal: AbortSignal;
  readonly now?: () => number;
}

/**
 * `ha-ingestor export`: checks the request (times, format, database) before anything is opened, then
 * streams the range to the file or stdout. A file is written under a temporary name and renamed when
 * complete, so a failed or interrupted export never leaves a truncated file under the asked name.
 * Progress goes to stderr: a live line on a TTY, JSON lines with `--json`, else only the summary.
 */
export async function runExport(config: AppConfig, options: RunExportOptions): Promise<ExportSummary> {
  const { start, end } = parseRange(options.start, options.end);
  if (!isExportFormat(options.format))
    throw new ConfigError(
      `--format ${JSON.stringify(options.format.slice(0, 40))} is not one of ${EXPORT_FORMATS.join(', ')}`,
      [{ path: 'format', message: 'unknown format' }],
    );
  const format = options.format;
  const database = storeOptionsOf(config);
  const progress = createExportProgress({
    write: (text) => options.stderr.write(text),
    mode: options.jsonProgress ? 'json' : options.stderr.isTTY === true ? 'bar' : 'quiet',
    now: options.now ?? Date.now,
  });
  const toLineProtocol = createLineProtocolExporter({ kind: config.influx.schema }, config.influx.precision);
  const request = { start, end, entities: options.entities ?? [], format };
  const context = { database, toLineProtocol, signal: options.signal, onProgress: progress.update };

  if (options.out === '-') {
    const rows = await exportFromStore(request, intoStdout(options.stdout), context);
    return progress.done(rows);
  }
  const temp = `${options.out}.partial-${process.pid}`;
  try {
    const rows = await exportFromStore(request, createWriteStream(temp, { flags: 'wx' }), context);
    await rename(temp, options.out);
    return progress.done(rows);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

// --- internal ---

/**
 * A stream into stdout that the writer may end without closing fd 1 (the process still prints its
 * summary and errors afterwards); `pipe` carries stdout's backpressure back to the writer.
 */
function intoStdout(stdout: Writable): Writable {
  const pass = new PassThrough();
  pass.pipe(stdout, { end: false });
  return pass;
}
