import { errorMessage, isSdkError, redactSecrets } from '@ha-ingestor/core';
import type { CliArgs } from '../cli-args.js';
import type { AppConfig } from '../config.js';
import { runExport } from './run-export.js';

/**
 * The `export` command of the CLI: exit 0 when the whole range was written, 2 for a request that can
 * never work (bad times, unknown format, no database configured), 1 for a failure
 * while exporting (database unreachable, query refused, output closed); Ctrl-C stops the query (130).
 */
export async function runExportCommand(config: AppConfig, args: CliArgs): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  // guard-exempt: controller.abort() cannot throw
  process.once('SIGINT', onSignal);
  // guard-exempt: as above
  process.once('SIGTERM', onSignal);
  try {
    await runExport(config, {
      start: args.start as string,
      end: args.end as string,
      ...(args.entities === undefined ? {} : { entities: args.entities }),
      format: args.format ?? 'ndjson',
      out: args.out ?? '-',
      stdout: process.stdout,
      stderr: process.stderr,
      jsonProgress: args.json === true,
      signal: controller.signal,
    });
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      process.stderr.write('\nha-ingestor: export interrupted\n');
      return 130;
    }
    const message = isSdkError(error) ? `${error.code}: ${error.message}` : errorMessage(error);
    process.stderr.write(`\nha-ingestor: export failed: ${redactSecrets(message)}\n`);
    return isSdkError(error, 'CONFIG_INVALID') ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
