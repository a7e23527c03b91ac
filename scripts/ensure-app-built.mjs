#!/usr/bin/env node
// Builds the reference app (examples/reference-app → dist/) when it is missing or older than its inputs:
// the app's src/, tsup.config.ts and package.json, and every workspace package's src/ and package.json
// (the bundle includes them). Fresh → returns after a few stat calls. Concurrent callers (vitest projects,
// parallel scripts) build once: a lock directory serialises them and the staleness is checked again under it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const APP_DIR = join(root, 'examples', 'reference-app');
const OUTPUT = join(APP_DIR, 'dist', 'cli.js');
const LOCK = join(APP_DIR, 'node_modules', '.ha-ingestor-build.lock');
const LOCK_STALE_MS = 5 * 60_000;
const TEST_FILE = /\.test(-d)?\.ts$/;

function newestIn(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (!TEST_FILE.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function newestInput() {
  const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
  const files = [join(APP_DIR, 'tsup.config.ts'), join(APP_DIR, 'package.json')];
  files.push(...packages.map((dir) => join(dir, 'package.json')));
  let newest = Math.max(...files.filter((file) => existsSync(file)).map((file) => statSync(file).mtimeMs));
  for (const dir of [join(APP_DIR, 'src'), join(APP_DIR, 'dashboard'), ...packages.map((dir) => join(dir, 'src'))]) {
    newest = Math.max(newest, newestIn(dir));
  }
  return newest;
}

/** Why the app needs a build, or undefined when dist/ is newer than every input. */
export function appStaleReason() {
  if (!existsSync(OUTPUT)) return 'dist/cli.js is missing';
  if (!existsSync(join(APP_DIR, 'dist', 'dashboard', 'index.html'))) return 'dist/dashboard/ is missing';
  const built = statSync(OUTPUT).mtimeMs;
  return newestInput() > built ? 'sources changed since the last build' : undefined;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock(fn) {
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const age = Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs;
      if (age > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      else sleep(100);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds the app when stale (`npm run build` in examples/reference-app: tsup + the bundle check).
 * Returns 'fresh' or 'built'; throws when the build fails (and leaves no dist/cli.js behind, so the next
 * call builds again rather than trusting a half-checked bundle).
 */
export function ensureAppBuilt({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (appStaleReason() === undefined) return 'fresh';
  return withLock(() => {
    const reason = appStaleReason();
    if (reason === undefined) return 'fresh';
    log(`[ha-ingestor] building the app (${reason})…`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['run', '--silent', 'build'], { cwd: APP_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      rmSync(OUTPUT, { force: true });
      const output = `${result.stdout?.toString() ?? ''}${result.stderr?.toString() ?? ''}`;
      throw new Error(`building examples/reference-app failed (exit ${result.status}):\n${output}`);
    }
    return 'built';
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureAppBuilt();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
