#!/usr/bin/env node
// Runs the pinned pnpm without assuming a global install: the quick start promises only Node.js and npm.
// Uses a global/corepack-free pnpm when one of the pinned major is on PATH, else `npx -y pnpm@<pinned>`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const args = process.argv.slice(2);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const result = spawnSync(npx, ['-y', `pnpm@${pinned}`, ...args], { cwd: root, stdio: 'inherit' });
if (result.error) {
  console.error(`could not run pnpm@${pinned} through npx: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
