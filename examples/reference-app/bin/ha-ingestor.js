#!/usr/bin/env node
// The built CLI (dist/, made by `npm run build` with tsup): plain Node, no TypeScript loader at run time.
// In a clone, `npm run demo` / `pnpm ingestor` build first when the sources are newer (scripts/ensure-app-built.mjs).
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('ha-ingestor: the CLI is not built (dist/cli.js is missing): run `npm run build` first\n');
  process.exitCode = 1;
}
