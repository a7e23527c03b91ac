import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { sleep } from '@ha-ingestor/core/resilience';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import { SUBSCRIBED_TYPES } from '../corpus.js';
import type { ChildMeasurement, FromChild, IngestorMode, IngestorSettings, ToChild } from './protocol.js';

/** How the simulator loads the ingestor during the measured window. */
export type Load =
  | { readonly kind: 'throughput'; readonly events: number; readonly window: number }
  | { readonly kind: 'steady'; readonly ratePerSecond: number; readonly seconds: number }
  | { readonly kind: 'burst'; readonly events: number };

export interface E2eResult extends ChildMeasurement {
  readonly mode: IngestorMode;
  readonly settings: IngestorSettings;
  readonly emitted: number;
  /** events handled per CPU-second of the ingestor process. */
  readonly eventsPerCpuSecond: number;
  /** CPU % of one core over the measured window. */
  readonly cpuPercent: number;
  /** Achieved event rate (emitted / wall seconds of the load phase). */
  readonly achievedRate: number;
  /** Burst only: ms from the end of the burst until every event was acknowledged by the sink. */
  readonly drainMs?: number;
  /** Burst only: ms from the end of the burst until every event was read off the socket into the ingestor. */
  readonly intakeMs?: number;
  readonly complete: boolean;
}

export const DEFAULT_SETTINGS: IngestorSettings = {
  compression: false,
  gzip: true,
  batchSize: 1000,
  batchMaxWaitMs: 1000,
  strict: false,
};

/** How to start a child: a bundle on plain node (see bundle.ts), or the TypeScript entry on tsx. */
export interface ChildRuntime {
  readonly path: string;
  readonly execArgv: readonly string[];
  readonly kind: 'node (esbuild bundle)' | 'tsx';
}

/** The ingestor child as TypeScript on tsx (the fallback when no bundle could be made). */
export const TSX_INGESTOR_CHILD: ChildRuntime = {
  path: new URL('./ingestor-child.ts', import.meta.url).pathname,
  execArgv: process.execArgv,
  kind: 'tsx',
};

/** Forks a fresh ingestor child, loads it through `sim`, measures it, and ends it. Bounded by `timeoutMs`. */
export async function runIngestor(
  runtime: ChildRuntime,
  sim: HaSimulator,
  sinkUrl: string,
  mode: IngestorMode,
  settings: IngestorSettings,
  load: Load,
  timeoutMs: number,
  warmupEvents = 500,
): Promise<E2eResult> {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every ingestor child there (open it in Chrome DevTools).
  const profDir = process.env['BENCH_CPU_PROF'];
  const base = [...runtime.execArgv, '--expose-gc'];
  const execArgv =
    profDir === undefined || profDir === '' ? base : [...base, '--cpu-prof', `--cpu-prof-dir=${profDir}`];
  const child = fork(runtime.path, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const deadline = Date.now() + timeoutMs;
  let handled = 0;
  let received = 0;
  let emitted = 0;
  const inbox: FromChild[] = [];
  let wake: () => void = () => undefined;
  let childError: string | undefined;
  child.on('message', (m: FromChild) => {
    if (m.type === 'progress') {
      handled = m.handled;
      received = m.received;
    } else if (m.type === 'error') childError = m.message;
    else inbox.push(m);
    wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const unlisten = sim.onEvent((e) => {
    if (SUBSCRIBED_TYPES.has(e.event.event_type)) emitted++;
  });
  const next = async <T extends FromChild['type']>(type: T): Promise<Extract<FromChild, { type: T }>> => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0] as Extract<FromChild, { type: T }>;
      if (childError !== undefined) throw new Error(`ingestor child (${mode}) failed: ${childError}`);
      if (Date.now() > deadline) throw new Error(`ingestor child (${mode}): no ${type} before the deadline`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  const tell = (m: ToChild) => child.send(m);
  try {
    tell({ cmd: 'init', mode, url: sim.url, token: sim.token, sinkUrl, settings });
    await next('ready');
    await sleep(300); // registry sync and subscriptions settle
    await waitUntil(() => sim.subscriptionCount() >= 4, deadline);
    // Warm-up (JIT, caches, keep-alive sockets) outside the measured window.
    const warmFrom = emitted;
    while (emitted - warmFrom < warmupEvents && Date.now() < deadline) {
      sim.step(Math.min(250, warmupEvents - (emitted - warmFrom)));
      await sleep(5);
    }
    const warm = emitted;
    await waitUntil(() => handled >= warm, deadline);
    const base = await settle(() => handled, deadline);
    const receivedBase = received;
    tell({ cmd: 'mark' });
    await next('marked');
    emitted = 0;
    const target = (): number => base + emitted;
    const t0 = Date.now();
    let drainMs: number | undefined;
    if (load.kind === 'throughput') {
      while (emitted < load.events && Date.now() < deadline) {
        if (emitted + base - handled < load.window) sim.step(Math.min(250, load.events - emitted));
        await sleep(1);
      }
    } else if (load.kind === 'steady') {
      sim.startGenerator({ ratePerSecond: load.ratePerSecond });
      await sleep(Math.min(load.seconds * 1000, deadline - Date.now()));
      sim.stopGenerator();
    } else {
      // HA's writer runs concurrently with event production; the simulator's step() is synchronous, so
      // the burst is produced in chunks with a turn of the event loop between them (else the simulator's
      // own slow-client guard sees 4,096 unsent messages and disconnects, which is not what HA does).
      while (emitted < load.events && Date.now() < deadline) {
        sim.step(Math.min(512, load.events - emitted));
        await new Promise((r) => setImmediate(r));
      }
    }
    const loadSeconds = (Date.now() - t0) / 1000;
    let intakeMs: number | undefined;
    if (load.kind === 'burst') {
      const burstEnd = Date.now();
      await waitUntil(() => received - receivedBase >= emitted, deadline);
      intakeMs = Date.now() - burstEnd;
      await waitUntil(() => handled >= target(), deadline);
      drainMs = Date.now() - burstEnd;
    }
    await waitUntil(() => handled >= target(), deadline);
    tell({ cmd: 'measure' });
    const { result } = await next('measured');
    tell({ cmd: 'exit' });
    const complete = handled >= target();
    return {
      ...result,
      mode,
      settings,
      emitted,
      eventsPerCpuSecond: result.handled === 0 ? 0 : (result.handled - base) / result.cpuSeconds,
      cpuPercent: (100 * result.cpuSeconds) / result.wallSeconds,
      achievedRate: emitted / Math.max(loadSeconds, 1e-3),
      ...(drainMs === undefined ? {} : { drainMs }),
      ...(intakeMs === undefined ? {} : { intakeMs }),
      complete,
    };
  } finally {
    unlisten();
    sim.stopGenerator();
    await Promise.race([exited, sleep(3000)]);
    if (child.exitCode === null) killChild(child);
  }
}

function killChild(child: ChildProcess): void {
  child.kill('SIGKILL');
}

/**
 * Waits until `check()` holds or the run's deadline passes, then carries on either way: a run that misses
 * the deadline is reported as `complete: false`, not failed (unlike the tests' `waitFor`, which rejects).
 */
async function waitUntil(check: () => boolean, deadline: number): Promise<void> {
  while (!check() && Date.now() < deadline) await sleep(5);
}

/** Waits until `value()` stops changing for 200 ms (connect-time traffic done); returns it. */
async function settle(value: () => number, deadline: number): Promise<number> {
  let last = value();
  let since = Date.now();
  while (Date.now() - since < 200 && Date.now() < deadline) {
    await sleep(20);
    const v = value();
    if (v !== last) {
      last = v;
      since = Date.now();
    }
  }
  return last;
}
