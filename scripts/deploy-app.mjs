#!/usr/bin/env node
// `node scripts/deploy-app.mjs <targetDir>`: the reference app as users install it. Builds when stale,
// `npm pack`s examples/reference-app (the tarball holds only bin/, dist/, README and LICENSE; the workspace
// packages are inside the bundle), then installs that tarball with production dependencies only into
// <targetDir>, leaving <targetDir>/node_modules/.bin/ha-ingestor. The Dockerfile's build stage runs exactly
// this; so does test/integration/deploy.test.ts. Needs the registry (npm install) unless npm's cache has it all.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_DIR, ensureAppBuilt } from './ensure-app-built.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args, cwd) {
  const result = spawnSync(npm, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  if (result.status !== 0) {
    throw new Error(`npm ${args.join(' ')} failed in ${cwd} (exit ${result.status}):\n${result.stderr.toString()}`);
  }
  return result.stdout.toString();
}

/** Packs the built app into `destination`; returns the tarball's path. */
export function packApp(destination) {
  ensureAppBuilt();
  mkdirSync(destination, { recursive: true });
  const [info] = JSON.parse(run(['pack', '--json', '--pack-destination', destination], APP_DIR));
  return join(destination, info.filename);
}

/** Packs and installs the app into `targetDir`; returns the installed bin's path. */
export function deployApp(targetDir) {
  const target = resolve(targetDir);
  mkdirSync(target, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'ha-ingestor-pack-'));
  try {
    const packed = packApp(scratch);
    // The tarball stays beside the install, so the deployment is self-contained (package.json points at it).
    const tarball = join(target, packed.slice(scratch.length + 1));
    copyFileSync(packed, tarball);
    if (!existsSync(join(target, 'package.json'))) {
      writeFileSync(
        join(target, 'package.json'),
        `${JSON.stringify({ name: 'ha-ingestor-deployment', private: true, description: 'ha-ingestor, installed from its tarball' }, null, 2)}\n`,
      );
    }
    run(
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', `./${packed.slice(scratch.length + 1)}`],
      target,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const bin = join(target, 'node_modules', '.bin', process.platform === 'win32' ? 'ha-ingestor.cmd' : 'ha-ingestor');
  if (!existsSync(bin)) throw new Error(`npm install finished but ${bin} is missing`);
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (target === undefined) {
    process.stderr.write('usage: node scripts/deploy-app.mjs <targetDir>\n');
    process.exit(2);
  }
  try {
    const bin = deployApp(target);
    process.stderr.write(`[ha-ingestor] deployed: ${bin}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
