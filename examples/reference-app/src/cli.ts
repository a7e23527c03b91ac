#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, isSdkError, redactSecrets } from '@ha-ingestor/core';
import { parseArgs, USAGE, type CliArgs } from './cli-args.js';
import { envWarnings, loadConfig, maskedConfig } from './config.js';
import { assertSafeExposure } from './http-auth.js';
import { createAppLogger } from './logging.js';
import { finalSummary } from './summary.js';

const VERSION = (
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n`);
    return 2;
  }
  const print = (line: string) => process.stdout.write(`${line}\n`);
  switch (args.command) {
    case 'help':
      print(USAGE);
      return 0;
    case 'version':
      print(VERSION);
      return 0;
    case 'check-config': {
      const config = await loadConfig(args.config === undefined ? {} : { file: args.config });
      for (const warning of envWarnings(process.env)) process.stderr.write(`ha-ingestor: warning: ${warning}\n`);
      assertSafeExposure(config.http); // `run` would refuse this config, so the check fails too
      print(JSON.stringify(maskedConfig(config), null, 2));
      return 0;
    }
    case 'demo': {
      const logger = createAppLogger({
        level: (process.env['LOG_LEVEL'] as 'warn' | undefined) ?? 'warn',
        format: 'pretty',
      });
      // Loaded only here: `run` never evaluates the demo, the simulator or the embedded broker.
      const { runDemo } = await import('./demo.js');
      const { ok } = await runDemo({
        logger,
        version: VERSION,
        print,
        ...(args.forSeconds === undefined ? {} : { forSeconds: args.forSeconds }),
        ...(args.port === undefined ? {} : { port: args.port }),
        ...(process.env['DATA_DIR'] ? { dataDir: process.env['DATA_DIR'] } : {}),
      });
      return ok ? 0 : 1;
    }
    case 'run': {
      const { startService, stopOnSignals } = await import('./service.js');
      const config = await loadConfig(args.config === undefined ? {} : { file: args.config });
      const logger = createAppLogger(config.log);
      for (const warning of envWarnings(process.env)) logger.warn(warning);
      // Refuses a non-loopback HTTP_HOST without API_TOKEN before anything starts (issue 11).
      const service = await startService(config, logger, { version: VERSION });
      const { stats, reason } = await stopOnSignals(service, logger);
      logger.info({ stats }, 'stopped');
      return reason === 'fatal' ? 1 : 0;
    }
    // Each command's code is loaded by the command (issue 14, memory): `run` never evaluates the export, the
    // history import or the statistics import, and `--version` / `help` / `check-config` not the service.
    case 'import': {
      const { runImport } = await import('./import.js');
      const config = await loadConfig(args.config === undefined ? {} : { file: args.config });
      const logger = createAppLogger(config.log);
      const stats = await runImport(config, logger, {
        start: args.start as string,
        end: args.end as string,
        ...(args.entities === undefined ? {} : { entities: args.entities }),
        progress: (line) => process.stderr.write(line),
      });
      print(finalSummary(stats, 0));
      return stats.failed === 0 ? 0 : 1;
    }
    case 'export': {
      const { runExportCommand } = await import('./export/export-command.js');
      const config = await loadConfig(args.config === undefined ? {} : { file: args.config });
      return runExportCommand(config, args);
    }
    case 'import-statistics': {
      const { formatStatisticsResult, runImportStatistics } = await import('./import-statistics.js');
      const config = await loadConfig(args.config === undefined ? {} : { file: args.config });
      const logger = createAppLogger(config.log);
      const result = await runImportStatistics(config, logger, {
        since: args.since,
        ids: args.ids,
        dryRun: args.dryRun === true,
        json: args.json === true,
        progress: (text) => process.stderr.write(text),
      });
      print(formatStatisticsResult(result, args.json === true));
      return result.stats === undefined || result.stats.failed === 0 ? 0 : 1;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = isSdkError(error) ? `${error.code}: ${error.message}` : errorMessage(error);
    // Last line of defence: whatever failed, a URL's password is not printed (issue 11).
    process.stderr.write(`ha-ingestor: ${redactSecrets(message)}\n`);
    process.exitCode = 1;
  },
);
