import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { waitFor } from '@ha-ingestor/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from './cli-process.js';

// Issue 13 items 1 and 5: the app as users install it. `scripts/deploy-app.mjs` is the exact step the
// Dockerfile's build stage runs (build when stale, npm pack, npm install --omit=dev of the tarball); the
// installed bin then runs from an empty directory with a clean environment: no workspace, no tsx, no sources.
// One install (from the registry, or npm's cache) is shared by every case.
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoRoot = join(appDir, '..', '..');
const version = (JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { version: string }).version;
const run = promisify(execFile);

describe('the deployed app (scripts/deploy-app.mjs into a temp dir, run from an empty dir)', () => {
  let scratch = '';
  let target = '';
  let empty = '';
  let bin = '';
  /** A clean environment: the Node that runs the tests on PATH, a HOME, nothing of the workspace. */
  let cleanEnv: Record<string, string> = {};
  const cli = (args: readonly string[], env: Record<string, string> = {}): CliProcess =>
    startCli(args, { ...cleanEnv, ...env }, { executable: bin, cwd: empty });

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'ha-ingestor-deploy-'));
    target = join(scratch, 'app');
    empty = join(scratch, 'empty');
    await mkdir(empty);
    cleanEnv = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: scratch };
    await run(process.execPath, [join(repoRoot, 'scripts', 'deploy-app.mjs'), target], {
      cwd: repoRoot,
      maxBuffer: 16 * 2 ** 20,
    });
    bin = join(target, 'node_modules', '.bin', 'ha-ingestor');
  }, 300_000);

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('installs the bin with production dependencies only: no workspace packages, no tsx, no TypeScript', () => {
    expect(existsSync(bin)).toBe(true);
    const modules = join(target, 'node_modules');
    for (const name of ['@ha-ingestor', 'tsx', 'typescript', 'tsup', 'vitest', 'uplot', 'esbuild', 'playwright-core']) {
      expect(existsSync(join(modules, name)), name).toBe(false);
    }
    for (const name of ['ws', 'mqtt', 'zod', 'pino', 'aedes']) {
      expect(existsSync(join(modules, name)), name).toBe(true);
    }
    const installed = join(modules, 'ha-ingestor');
    expect(existsSync(join(installed, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    // Issue 15: the dashboard is built into the package (uPlot bundled), nothing is fetched at run time.
    for (const name of ['index.html', 'app.js', 'app.css', 'app.js.gz'])
      expect(existsSync(join(installed, 'dist', 'dashboard', name)), name).toBe(true);
  });

  it('`ha-ingestor --version` prints the package version', async () => {
    const p = cli(['--version']);
    expect(await p.exited, p.output()).toBe(0);
    expect(p.output().trim()).toBe(version);
  });

  it('`npx ha-ingestor --version` works where the tarball was npm-installed', async () => {
    const { stdout } = await run('npx', ['--no-install', 'ha-ingestor', '--version'], {
      cwd: target,
      env: { ...cleanEnv, npm_config_update_notifier: 'false' },
    });
    expect(stdout.trim()).toBe(version);
  });

  it('`check-config` exits 0 on a small env config and 1 on a bad value, naming the variable', async () => {
    const ok = cli(['check-config'], {
      HA_URL: 'ws://ha.local:8123/api/websocket',
      HA_TOKEN: 'sekrit-token',
      BATCH_SIZE: '250',
    });
    expect(await ok.exited, ok.output()).toBe(0);
    expect(ok.output()).toContain('ws://ha.local:8123/api/websocket');
    expect(ok.output()).toMatch(/"batchSize": 250/);
    expect(ok.output()).not.toContain('sekrit-token');

    const bad = cli(['check-config'], { BATCH_SIZE: 'lots' });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('BATCH_SIZE (pipeline.batchSize) = "lots": expected an integer from 1 to 100000');
  });

  it('`ha-ingestor demo --for 10` exits 0 with events written and none lost', async () => {
    const dataDir = join(scratch, 'demo-data');
    const p = cli(['demo', '--for', '10', '--port', '0'], { DATA_DIR: dataDir });
    // The first line is the dashboard's URL, and the installed package serves the page and its script.
    const url = await waitFor(() => /^Dashboard: (\S+) /m.exec(p.output())?.[1], 'the dashboard URL', {
      until: (u): u is string => u !== undefined,
      timeoutMs: 30_000,
    });
    const page = await fetch(url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('./dashboard/app.js');
    expect((await fetch(new URL('dashboard/app.js', url))).status).toBe(200);
    const code = await p.exited;
    const out = p.output();
    expect(code, out).toBe(0);
    expect(Number(/^ {2}written\s+(\d+) \(file\)$/m.exec(out)?.[1])).toBeGreaterThan(100);
    expect(out).toMatch(/^ {2}dropped\s+0$/m);
    expect(out).toMatch(/^ {2}failed\s+0$/m);
    expect(existsSync(join(dataDir, 'events'))).toBe(true);
  });

  it('`run` never loads the demo broker: with aedes removed it still ingests; only `demo` needs it', async () => {
    const aedes = join(target, 'node_modules', 'aedes');
    await rename(aedes, `${aedes}.away`);
    const sim = await createHaSimulator({ seed: 5 });
    let service: CliProcess | undefined;
    try {
      service = cli(['run'], {
        HA_URL: sim.url,
        HA_TOKEN: sim.token,
        DATA_DIR: join(scratch, 'run-data'),
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
      });
      const started = await service.waitForLog('ha-ingestor started', 30_000);
      const url = started['url'] as string;
      sim.startGenerator({ ratePerSecond: 50 });
      await waitFor(
        async () => {
          const stats = (await (await fetch(`${url}/api/v1/stats`)).json()) as {
            pipeline: { written: Record<string, number> };
          };
          return stats.pipeline.written['file'] ?? 0;
        },
        'events written by `run` without aedes',
        { until: (written) => written > 0, timeoutMs: 20_000, intervalMs: 100 },
      );
      service.child.kill('SIGTERM');
      expect(await service.exited, service.output()).toBe(0);

      const demo = cli(['demo', '--for', '1', '--port', '0'], { DATA_DIR: join(scratch, 'demo-2') });
      expect(await demo.exited).toBe(1);
      expect(demo.output()).toContain("'aedes'");
    } finally {
      if (service?.child.exitCode === null) service.child.kill('SIGKILL');
      await sim.close();
      await rename(`${aedes}.away`, aedes);
    }
  });
});
