#!/usr/bin/env node
// Installs the workspace's dependencies with the pinned pnpm when they are missing or older than the
// lockfile, so that `npm test` and `npm run demo` work on a fresh clone with only Node.js and npm.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.modules.yaml');
const lockfile = join(root, 'pnpm-lock.yaml');

const stale = !existsSync(marker) || (existsSync(lockfile) && statSync(lockfile).mtimeMs > statSync(marker).mtimeMs);
if (!stale) process.exit(0);

console.error('[ha-ingestor] installing dependencies with pnpm (first run only)…');
const frozen = process.env.CI === 'true' || process.env.CI === '1' ? ['--frozen-lockfile'] : [];
const result = spawnSync(process.execPath, [join(root, 'scripts', 'pnpm.mjs'), 'install', ...frozen], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
