/**
 * Scenario 9, start-up (issue 13 item 1): the reference app as shipped (built JavaScript: `node bin/ha-ingestor.js`)
 * against the old way (`node --import tsx --conditions=source src/cli.ts`, TypeScript transpiled at run time).
 * Per variant: wall time from spawn to the exit of `--version`; for `run` against the HA simulator, time from
 * spawn to the "ha-ingestor started" log line and to the first `/ready` 200, then the RSS of the idle process
 * after a fixed idle period. Variants alternate run by run so machine load hits both alike; medians and
 * tsx/built ratios are reported. Also runnable alone: `pnpm bench:startup [--quick]`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { procRssMb, startedLine } from './proc.js';
import { median, ratio } from './stats.js';
import { fmt, row } from './util.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'examples', 'reference-app');

/** How a variant starts the CLI (argv after `node`). */
interface Variant {
  readonly label: string;
  readonly execArgv: readonly string[];
}

const VARIANTS = {
  built: { label: 'built: node bin/ha-ingestor.js', execArgv: ['bin/ha-ingestor.js'] },
  tsx: {
    label: 'tsx: node --import tsx --conditions=source src/cli.ts',
    execArgv: ['--import', 'tsx', '--conditions=source', 'src/cli.ts'],
  },
} as const satisfies Record<string, Variant>;

/** Medians of one variant, and every sample. */
export interface StartupVariant {
  readonly label: string;
  readonly versionMs: number;
  readonly startedMs: number;
  readonly readyMs: number;
  readonly idleRssMb: number;
  readonly samples: {
    readonly versionMs: readonly number[];
    readonly startedMs: readonly number[];
    readonly readyMs: readonly number[];
    readonly idleRssMb: readonly number[];
  };
}

/** Scenario 9's result: both variants and tsx ÷ built (above 1 = the built app is faster / smaller). */
export interface StartupScenario {
  readonly versionRuns: number;
  readonly runRuns: number;
  readonly idleMs: number;
  readonly built: StartupVariant;
  readonly tsx: StartupVariant;
  readonly ratios: { readonly versionMs: number; readonly readyMs: number; readonly idleRssMb: number };
}

/** Runs scenario 9 (builds the app first when stale). */
export async function scenarioStartup(quick: boolean): Promise<StartupScenario> {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-app-built.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the reference app does not build');
  const versionRuns = quick ? 5 : 15;
  const runRuns = quick ? 3 : 7;
  const idleMs = quick ? 2000 : 5000;
  const sim = await createHaSimulator({ seed: 9 });
  const samples = { built: emptySamples(), tsx: emptySamples() };
  try {
    for (let i = 0; i < versionRuns; i++) {
      for (const key of ['built', 'tsx'] as const) samples[key].versionMs.push(await timeVersion(VARIANTS[key]));
    }
    for (let i = 0; i < runRuns; i++) {
      for (const key of ['built', 'tsx'] as const) {
        const r = await timeRun(VARIANTS[key], sim, idleMs);
        samples[key].startedMs.push(r.startedMs);
        samples[key].readyMs.push(r.readyMs);
        samples[key].idleRssMb.push(r.idleRssMb);
      }
    }
  } finally {
    await sim.close();
  }
  const built = summarise(VARIANTS.built.label, samples.built);
  const tsx = summarise(VARIANTS.tsx.label, samples.tsx);
  return {
    versionRuns,
    runRuns,
    idleMs,
    built,
    tsx,
    ratios: {
      versionMs: ratio(tsx.versionMs, built.versionMs),
      readyMs: ratio(tsx.readyMs, built.readyMs),
      idleRssMb: ratio(tsx.idleRssMb, built.idleRssMb),
    },
  };
}

/** Markdown lines of scenario 9 for the report. */
export function startupLines(s: StartupScenario): string[] {
  return [
    row([
      `9 start-up (medians: ${s.versionRuns} × --version, ${s.runRuns} × run)`,
      '--version exit',
      'run: started log',
      'run: /ready 200',
      `idle RSS after ${s.idleMs / 1000} s`,
    ]),
    row(['---', '---:', '---:', '---:', '---:']),
    ...[s.built, s.tsx].map((v) =>
      row([
        v.label,
        `${fmt(v.versionMs, 0)} ms`,
        `${fmt(v.startedMs, 0)} ms`,
        `${fmt(v.readyMs, 0)} ms`,
        `${fmt(v.idleRssMb, 0)} MB`,
      ]),
    ),
    row([
      'tsx ÷ built',
      `${fmt(s.ratios.versionMs)}×`,
      `${fmt(ratio(s.tsx.startedMs, s.built.startedMs))}×`,
      `${fmt(s.ratios.readyMs)}×`,
      `${fmt(s.ratios.idleRssMb)}×`,
    ]),
  ];
}

// --- internal ---

function emptySamples() {
  return { versionMs: [] as number[], startedMs: [] as number[], readyMs: [] as number[], idleRssMb: [] as number[] };
}

function summarise(label: string, s: ReturnType<typeof emptySamples>): StartupVariant {
  return {
    label,
    versionMs: median(s.versionMs),
    startedMs: median(s.startedMs),
    readyMs: median(s.readyMs),
    idleRssMb: median(s.idleRssMb),
    samples: s,
  };
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), ...extra };
}

function timeVersion(variant: Variant): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...variant.execArgv, '--version'], {
      cwd: appDir,
      env: childEnv({}),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${variant.label} --version exited ${code}`)),
    );
  });
}

async function timeRun(
  variant: Variant,
  sim: HaSimulator,
  idleMs: number,
): Promise<{ startedMs: number; readyMs: number; idleRssMb: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [...variant.execArgv, 'run'], {
    cwd: appDir,
    env: childEnv({ HA_URL: sim.url, HA_TOKEN: sim.token, DATA_DIR: dataDir, HTTP_PORT: '0', LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const { url, at } = await startedLine(child, 60_000);
    const startedMs = at - t0;
    let readyMs = Number.NaN;
    for (const deadline = performance.now() + 30_000; performance.now() < deadline;) {
      const status = await fetch(`${url}/ready`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) {
        readyMs = performance.now() - t0;
        break;
      }
      await delay(10);
    }
    if (!Number.isFinite(readyMs)) throw new Error(`${variant.label}: /ready never answered 200`);
    await delay(idleMs);
    return { startedMs, readyMs, idleRssMb: procRssMb(child.pid ?? 0) };
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await scenarioStartup(process.argv.includes('--quick'));
  process.stdout.write(`${startupLines(result).join('\n')}\n`);
}
