#!/usr/bin/env node
// `npm run demo` / `pnpm ingestor <args>`: the built reference app, built first when stale. Runs the CLI
// in this process (no second Node): process.argv.slice(2) is the CLI's argv, as with the bin.
import { ensureAppBuilt, APP_DIR } from './ensure-app-built.mjs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

try {
  ensureAppBuilt();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(join(APP_DIR, 'bin', 'ha-ingestor.js')).href);
