/**
 * Scenario 10 (issue 14): the reference app AS SHIPPED — `node bin/ha-ingestor.js run` on the tsup build, started
 * the way its launcher starts it — against the parent's HA simulator and discard InfluxDB endpoint at a steady
 * 2,000 events/s. Measured from outside: VmRSS from `/proc/<pid>/status` every 250 ms, CPU from `/proc/<pid>/stat`,
 * events received / written from the app's own `/metrics`. Variants (e.g. without the launcher's V8 flags) run
 * alternately in the same run so machine load hits them alike. Also runnable alone:
 * `tsx --conditions=source bench/app-rss.ts [--quick] [--seconds=N] [--rate=N] [--rounds=N] [--variant=label:flag,flag …]`.
 * A variant's items are node flags, `NAME=value` environment variables, or `bin=<path>`: another build's launcher
 * (e.g. a copy of `bin/` and `dist/` of the base commit, with `package.json` beside them and `node_modules` linked
 * to the app's) to compare two builds in one run. `--rate=0` measures the idle app (no events).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import { startDiscardServer } from './e2e/discard-server.js';
import type { MemoryBreakdown } from './e2e/protocol.js';
import { memoryPartsLine } from './memory-parts.js';
import { procCpuSeconds, procRssMb, startedLine } from './proc.js';
import { median } from './stats.js';
import { fmt, row } from './util.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'examples', 'reference-app');

/** How one variant starts the app: extra environment (e.g. the launcher's opt-out) and node flags before the script. */
export interface AppVariant {
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  readonly nodeArgs?: readonly string[];
  /** The launcher to start (absolute, or relative to the app's folder). @default 'bin/ha-ingestor.js' */
  readonly bin?: string;
}

/** The app exactly as shipped (the launcher decides the V8 flags). */
export const SHIPPED: AppVariant = { label: 'as shipped', env: {} };

/** One variant's figures over the measured window. */
export interface AppRssRun {
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  /** Max VmRSS over the measured window. */
  readonly rssMaxMb: number;
  /** Median VmRSS over the second half of the window (the steady state). */
  readonly rssSteadyMb: number;
  readonly cpuPercent: number;
  /** Events written to InfluxDB per second of the window (from the app's `/metrics`). */
  readonly writtenPerSecond: number;
  /** µs of CPU per written event. */
  readonly cpuMicrosPerEvent: number;
  /** `received − written` at the end of the window (events still in the pipeline). */
  readonly backlog: number;
  /**
   * Issue 14: where the RSS is at the end of the window, from the app's own `/metrics` (prom-client's process
   * metrics: V8 heap space sizes — committed, not resident —, external memory, resident set).
   */
  readonly memory?: MemoryBreakdown;
}

export interface AppRssScenario {
  readonly ratePerSecond: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly runs: readonly AppRssRun[];
  /** Every run in the order run (variants alternating, round by round). */
  readonly allRuns?: readonly AppRssRun[];
}

/** Runs every variant `rounds` times, alternating; the run with the median RSS of each variant is kept. */
export async function scenarioAppRss(options: {
  readonly sim: HaSimulator;
  readonly sinkUrl: string;
  readonly quick: boolean;
  readonly variants: readonly AppVariant[];
  readonly seconds?: number;
  readonly rounds?: number;
  /** Events per second from the simulator; 0 = idle. @default 2000 */
  readonly rate?: number;
}): Promise<AppRssScenario> {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-app-built.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the reference app does not build');
  const seconds = options.seconds ?? (options.quick ? 10 : 40);
  const warmupSeconds = options.quick ? 3 : 10;
  const rounds = options.rounds ?? 1;
  const rate = options.rate ?? RATE;
  const all = new Map<string, AppRssRun[]>();
  const allRuns: AppRssRun[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const v of options.variants) {
      const r = await runApp(options.sim, options.sinkUrl, v, warmupSeconds, seconds, rate);
      all.set(v.label, [...(all.get(v.label) ?? []), r]);
      allRuns.push(r);
    }
  }
  const runs = options.variants.map((v) => {
    const rs = all.get(v.label) ?? [];
    const m = median(rs.map((r) => r.rssMaxMb));
    return rs.reduce((best, r) => (Math.abs(r.rssMaxMb - m) < Math.abs(best.rssMaxMb - m) ? r : best));
  });
  return { ratePerSecond: rate, warmupSeconds, seconds, runs, allRuns };
}

/** Markdown lines of scenario 10 for the report. */
export function appRssLines(s: AppRssScenario): string[] {
  return [
    row([
      `10 app as shipped, ${fmt(s.ratePerSecond, 0)}/s for ${s.seconds} s (after ${s.warmupSeconds} s)`,
      'RSS max',
      'RSS steady',
      'written/s',
      'CPU % core',
      'µs CPU/event',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    ...s.runs.map((r) =>
      row([
        r.label,
        `${fmt(r.rssMaxMb, 0)} MB`,
        `${fmt(r.rssSteadyMb, 0)} MB`,
        fmt(r.writtenPerSecond, 0),
        fmt(r.cpuPercent, 1),
        fmt(r.cpuMicrosPerEvent, 1),
      ]),
    ),
  ];
}

// --- internal ---

const RATE = 2000;

async function runApp(
  sim: HaSimulator,
  sinkUrl: string,
  variant: AppVariant,
  warmupSeconds: number,
  seconds: number,
  rate: number,
): Promise<AppRssRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-app-rss-'));
  const bin = variant.bin ?? 'bin/ha-ingestor.js';
  const child = spawn(process.execPath, [...(variant.nodeArgs ?? []), bin, 'run'], {
    cwd: appDir,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? tmpdir(),
      HA_URL: sim.url,
      HA_TOKEN: sim.token,
      INFLUXDB_URL: sinkUrl,
      INFLUXDB_TOKEN: 'bench',
      INFLUXDB_ORG: 'bench',
      INFLUXDB_BUCKET: 'bench',
      DATA_DIR: dataDir,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ...variant.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const { url } = await startedLine(child, 60_000);
    for (const deadline = Date.now() + 30_000; ;) {
      if (
        (await fetch(`${url}/ready`).then(
          (r) => r.status,
          () => 0,
        )) === 200
      )
        break;
      if (Date.now() > deadline) throw new Error(`${variant.label}: /ready never answered 200`);
      await delay(20);
    }
    const pid = child.pid ?? 0;
    if (rate > 0) sim.startGenerator({ ratePerSecond: rate });
    await delay(warmupSeconds * 1000);
    const before = await counters(url);
    const cpu0 = procCpuSeconds(pid);
    const t0 = Date.now();
    const samples: number[] = [];
    while (Date.now() - t0 < seconds * 1000) {
      samples.push(procRssMb(pid));
      await delay(250);
    }
    const wall = (Date.now() - t0) / 1000;
    const cpu = procCpuSeconds(pid) - cpu0;
    const after = await counters(url);
    const memory = await memoryOf(url);
    sim.stopGenerator();
    const written = after.written - before.written;
    return {
      label: variant.label,
      env: variant.env,
      rssMaxMb: Math.max(...samples),
      rssSteadyMb: median(samples.slice(Math.floor(samples.length / 2))),
      cpuPercent: (100 * cpu) / wall,
      writtenPerSecond: written / wall,
      cpuMicrosPerEvent: written > 0 ? (cpu * 1e6) / written : Number.NaN,
      backlog: after.received - after.written,
      ...(memory === undefined ? {} : { memory }),
    };
  } finally {
    sim.stopGenerator();
    child.kill('SIGTERM');
    await Promise.race([exited, delay(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `events_received_total` (all sources) and `sink_points_written_total{sink="influx"}` from `/metrics`. */
async function counters(url: string): Promise<{ received: number; written: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let received = 0;
  let written = 0;
  for (const line of text.split('\n')) {
    const m = /^ha_ingestor_(events_received_total|sink_points_written_total)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null) continue;
    if (m[1] === 'events_received_total') received += Number(m[3]);
    else if (m[2]?.includes('sink="influx"') === true) written += Number(m[3]);
  }
  return { received, written };
}

/** The app's memory by part from its `/metrics` (prefix `ha_ingestor_process_`), or undefined when absent. */
export async function memoryOf(url: string): Promise<MemoryBreakdown | undefined> {
  return memoryFromMetrics(await (await fetch(`${url}/metrics`)).text());
}

/** Parses prom-client's process metrics (`nodejs_heap_space_size_*_bytes{space}`, external, resident) into MB. */
export function memoryFromMetrics(text: string): MemoryBreakdown | undefined {
  const mb = (v: string) => Number(v) / 2 ** 20;
  const spacesMb: Record<string, number> = {};
  let heapUsedMb = 0;
  let externalMb: number | undefined;
  let rssMb: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^ha_ingestor_process_(\w+?)(?:\{space="(\w+)"\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const [, name, space, value = '0'] = m;
    if (name === 'nodejs_heap_space_size_total_bytes' && space !== undefined) spacesMb[`${space}_space`] = mb(value);
    else if (name === 'nodejs_heap_space_size_used_bytes') heapUsedMb += mb(value);
    else if (name === 'nodejs_external_memory_bytes') externalMb = mb(value);
    else if (name === 'process_resident_memory_bytes') rssMb = mb(value);
  }
  if (rssMb === undefined || externalMb === undefined || Object.keys(spacesMb).length === 0) return undefined;
  return { rssMb, spacesMb, heapUsedMb, externalMb };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const secondsArg = process.argv.find((a) => a.startsWith('--seconds='));
  const rateArg = process.argv.find((a) => a.startsWith('--rate='));
  const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
  const variants = process.argv
    .filter((a) => a.startsWith('--variant='))
    .map((a): AppVariant => {
      const [label = '', flags = ''] = a.slice('--variant='.length).split(':');
      // `NAME=value` items are environment variables, `bin=<path>` the launcher, the others node flags (before it).
      const items = flags === '' ? [] : flags.split(',');
      const isEnv = (f: string) => /^[A-Z_][A-Z0-9_]*=/.test(f);
      const env = Object.fromEntries(items.filter(isEnv).map((f) => f.split(/=(.*)/s, 2)));
      const bin = items.find((f) => f.startsWith('bin='))?.slice('bin='.length);
      return {
        label,
        env,
        nodeArgs: items.filter((f) => !isEnv(f) && !f.startsWith('bin=')),
        ...(bin === undefined ? {} : { bin }),
      };
    });
  const sim = await createHaSimulator({ seed: 7, entityCount: 1500, heartbeatMs: 0, maxEmitted: 1000 });
  const discard = await startDiscardServer();
  try {
    const result = await scenarioAppRss({
      sim,
      sinkUrl: discard.url,
      quick,
      variants: variants.length > 0 ? variants : [SHIPPED],
      ...(secondsArg === undefined ? {} : { seconds: Number(secondsArg.slice('--seconds='.length)) }),
      ...(rateArg === undefined ? {} : { rate: Number(rateArg.slice('--rate='.length)) }),
      ...(roundsArg === undefined ? {} : { rounds: Number(roundsArg.slice('--rounds='.length)) }),
    });
    process.stdout.write(`${appRssLines(result).join('\n')}\n`);
    for (const r of result.runs) {
      process.stdout.write(`${r.label}: backlog ${r.backlog}\n`);
      if (r.memory !== undefined) process.stdout.write(`  end of window: ${memoryPartsLine(r.memory)}\n`);
    }
    // Every run, in order (pairs of alternating variants: compare within a round).
    for (const r of result.allRuns ?? [])
      process.stdout.write(
        `run ${r.label}: RSS max ${fmt(r.rssMaxMb, 1)} MB, steady ${fmt(r.rssSteadyMb, 1)} MB, ${fmt(r.cpuMicrosPerEvent, 1)} µs/event, backlog ${r.backlog}\n`,
      );
  } finally {
    await sim.close();
    await discard.close();
  }
}
