/**
 * Issue 14 (memory): where the IDLE reference app's memory goes, against bare node and the bench child (the same
 * pipeline — source-ws → dedupe → enrich → influx sink — without the app's HTTP API, metrics defaults, recent
 * ring, outbox and config). Each process runs with `--expose-gc` and bench/memory-probe.mjs, connected to the
 * parent's HA simulator (1,500 entities, no events) and discard endpoint, and is sampled after a full GC at
 * `--at` seconds: RSS (anonymous, i.e. private, and file-backed: the node binary's shared pages), heap used, external,
 * array buffers, V8 code space. Processes alternate round by round.
 * `tsx --conditions=source bench/idle-memory.ts [--rounds=3] [--at=12] [--snapshot=<dir>]
 *   [--app=label:<launcher>] …` (default: the app as built here; give `--app` several times to compare builds,
 * e.g. a copy of the base commit's `bin/` + `dist/`, see app-rss.ts). `--snapshot` writes one heap snapshot per
 * process kind in the first round (summarise them with bench/heap-summary.mjs).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { bundleChildren } from './bundle.js';
import { startDiscardServer } from './e2e/discard-server.js';
import { DEFAULT_SETTINGS } from './e2e/runner.js';
import type { ToChild } from './e2e/protocol.js';
import { median } from './stats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'examples', 'reference-app');
const probe = join(root, 'bench', 'memory-probe.mjs');

interface Sample {
  readonly rss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly spaces: Record<string, { committed: number; used: number }>;
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const rounds = Number(arg('rounds') ?? 3);
const at = Number(arg('at') ?? 12);
const snapshotDir = arg('snapshot');
const apps = process.argv
  .filter((a) => a.startsWith('--app='))
  .map((a) => {
    const [label = '', bin = ''] = a.slice('--app='.length).split(':');
    return { label, bin };
  });
if (apps.length === 0) apps.push({ label: 'app', bin: 'bin/ha-ingestor.js' });

const bundles = await bundleChildren({ 'ingestor-child': join(root, 'bench', 'e2e', 'ingestor-child.ts') });
const childPath = bundles?.['ingestor-child'];
if (childPath === undefined) throw new Error('esbuild is needed to bundle the bench child');
const sim = await createHaSimulator({ seed: 7, entityCount: 1500, heartbeatMs: 0, maxEmitted: 1000 });
const discard = await startDiscardServer();

/** Runs one process under the probe until its sample is written; returns the sample. */
async function measure(kind: string, start: (env: NodeJS.ProcessEnv) => ChildProcess, snapshot: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
  const file = join(dir, 'probe.ndjson');
  const child = start({
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? tmpdir(),
    MEMORY_PROBE_FILE: file,
    MEMORY_PROBE_AT: String(at),
    ...(snapshot && snapshotDir !== undefined ? { MEMORY_PROBE_SNAPSHOT: snapshotDir } : {}),
    DATA_DIR: join(dir, 'data'),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (const deadline = Date.now() + (at + 60) * 1000; Date.now() < deadline;) {
      await delay(250);
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (text.trim() !== '') return JSON.parse(text.trim().split('\n')[0] as string) as Sample;
    }
    throw new Error(`${kind}: no sample`);
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, delay(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const nodeArgs = ['--expose-gc', `--import=${probe}`];
const kinds: { label: string; start: (env: NodeJS.ProcessEnv) => ChildProcess }[] = [
  {
    label: 'bare node (setInterval)',
    start: (env) =>
      spawn(process.execPath, [...nodeArgs, '-e', 'setInterval(() => {}, 1000)'], { env, stdio: 'ignore' }),
  },
  {
    label: 'bench child (ours, esbuild bundle)',
    start: (env) => {
      const child = fork(childPath, [], { execArgv: nodeArgs, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      const init: ToChild = {
        cmd: 'init',
        mode: 'ours',
        url: sim.url,
        token: sim.token,
        sinkUrl: discard.url,
        settings: DEFAULT_SETTINGS,
      };
      child.send(init);
      return child;
    },
  },
  ...apps.map(({ label, bin }) => ({
    label: `${label}: node ${bin} run`,
    start: (env: NodeJS.ProcessEnv) =>
      spawn(process.execPath, [...nodeArgs, bin, 'run'], {
        cwd: appDir,
        env: {
          ...env,
          HA_URL: sim.url,
          HA_TOKEN: sim.token,
          INFLUXDB_URL: discard.url,
          INFLUXDB_TOKEN: 'bench',
          INFLUXDB_ORG: 'bench',
          INFLUXDB_BUCKET: 'bench',
          HTTP_PORT: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      }),
  })),
];

const results = new Map<string, Sample[]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const k of kinds) {
      const s = await measure(k.label, k.start, round === 0);
      results.set(k.label, [...(results.get(k.label) ?? []), s]);
      process.stderr.write(
        `[idle] round ${round + 1} ${k.label}: rss ${s.rss} MB, heap used ${s.heapUsed} MB, code ${s.spaces['code_space']?.committed} MB\n`,
      );
    }
  }
} finally {
  await sim.close();
  await discard.close();
}

const cols = [
  'RSS',
  'RSS anon',
  'RSS file',
  'heap total',
  'heap used (after GC)',
  'external',
  'array buffers',
  'code space',
  'old space used',
];
process.stdout.write(
  `| idle after ${at} s, medians of ${rounds} (MB) | ${cols.join(' | ')} |\n| --- |${cols.map(() => ' ---: |').join('')}\n`,
);
for (const [label, samples] of results) {
  const m = (f: (s: Sample) => number) => median(samples.map(f)).toFixed(1);
  process.stdout.write(
    `| ${label} | ${[
      m((s) => s.rss),
      m((s) => s.rssAnon),
      m((s) => s.rssFile),
      m((s) => s.heapTotal),
      m((s) => s.heapUsed),
      m((s) => s.external),
      m((s) => s.arrayBuffers),
      m((s) => s.spaces['code_space']?.committed ?? 0),
      m((s) => s.spaces['old_space']?.used ?? 0),
    ].join(' | ')} |\n`,
  );
}
