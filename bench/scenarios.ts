import { fork } from 'node:child_process';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import type { Corpus } from './corpus.js';
import { DEFAULT_SETTINGS, runIngestor } from './e2e/runner.js';
import type { ChildRuntime, E2eResult, Load } from './e2e/runner.js';
import type { IngestorMode, IngestorSettings } from './e2e/protocol.js';
import { floorB, floorJsonParse, floorWsTransport } from './floors.js';
import type { Rate } from './floors.js';
import type { MemoryResult } from './memory-child.js';
import { runProcessingPath } from './processing.js';
import type { ProcessingRun } from './processing.js';
import { median, slope } from './stats.js';
import { errorMessage } from '@ha-ingestor/core';

/** Sizes of one bench run (quick: under a minute; full: under ten). */
export interface Plan {
  readonly quick: boolean;
  readonly corpusFrames: number;
  readonly floorMs: number;
  readonly wsFrames: number;
  readonly processingRuns: number;
  readonly e2eEvents: number;
  /** Events through each ingestor before its measured window (JIT, caches, keep-alive sockets). */
  readonly warmupEvents: number;
  readonly steadySeconds: number;
  readonly memorySeconds: number;
  /** Events per second of event time in scenario 6. */
  readonly memoryRate: number;
  readonly childTimeoutMs: number;
}

export function planFor(quick: boolean): Plan {
  return quick
    ? {
        quick,
        corpusFrames: 5_000,
        floorMs: 400,
        wsFrames: 20_000,
        processingRuns: 3,
        e2eEvents: 2_000,
        warmupEvents: 1_500,
        steadySeconds: 2,
        memorySeconds: 5,
        memoryRate: 5_000,
        childTimeoutMs: 30_000,
      }
    : {
        quick,
        corpusFrames: 30_000,
        floorMs: 3_000,
        wsFrames: 200_000,
        processingRuns: 5,
        e2eEvents: 20_000,
        warmupEvents: 3_000,
        steadySeconds: 30,
        // Issue 14: six minutes of event time, so the 300 s dedupe window expires and the plateau shows.
        memorySeconds: 360,
        // 2,000/s (issue 14's home rate): 720,000 events keep the full run's wall time in bounds.
        memoryRate: 2_000,
        childTimeoutMs: 120_000,
      };
}

export interface FloorsResult {
  readonly jsonParse: Rate;
  readonly floorB: Rate & { bytesPerEvent: number };
  readonly wsTransport: Rate;
}

export async function scenarioFloors(corpus: Corpus, plan: Plan): Promise<FloorsResult> {
  return {
    jsonParse: await floorJsonParse(corpus, plan.floorMs),
    floorB: await floorB(corpus, plan.floorMs),
    wsTransport: await floorWsTransport(corpus, plan.wsFrames, 120_000),
  };
}

export interface ProcessingVariant {
  readonly eventsPerCpuSecond: number;
  readonly eventsPerSecond: number;
  readonly bytesPerEvent: number;
  readonly runs: readonly ProcessingRun[];
}

/** Scenario 2: median of `processingRuns` fresh pipelines over the corpus, fast path and strict. */
export async function scenarioProcessing(
  corpus: Corpus,
  plan: Plan,
): Promise<{ fast: ProcessingVariant; strict: ProcessingVariant }> {
  await runProcessingPath(corpus.frames, corpus.registry, { strict: true }); // warm-up
  const variant = async (strict: boolean): Promise<ProcessingVariant> => {
    const runs: ProcessingRun[] = [];
    for (let i = 0; i < plan.processingRuns; i++)
      runs.push(await runProcessingPath(corpus.frames, corpus.registry, { strict }));
    return {
      eventsPerCpuSecond: median(runs.map((r) => r.events / r.cpuSeconds)),
      eventsPerSecond: median(runs.map((r) => r.events / r.wallSeconds)),
      bytesPerEvent: median(runs.map((r) => r.bytes / r.events)),
      runs,
    };
  };
  return { fast: await variant(false), strict: await variant(true) };
}

/** Runs one ingestor child; a failure is recorded, not thrown, so one broken scenario never hides the rest. */
export async function e2e(
  env: { sim: HaSimulator; sinkUrl: string; child: ChildRuntime },
  mode: IngestorMode,
  settings: Partial<IngestorSettings>,
  load: Load,
  plan: Plan,
): Promise<E2eResult | { readonly error: string }> {
  try {
    return await runIngestor(
      env.child,
      env.sim,
      env.sinkUrl,
      mode,
      { ...DEFAULT_SETTINGS, ...settings },
      load,
      plan.childTimeoutMs + (load.kind === 'steady' ? load.seconds * 1000 : 0),
      plan.warmupEvents,
    );
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

export interface MemoryScenario extends MemoryResult {
  /** Least-squares slope over the second half of the samples, MB per minute of event time. */
  readonly rssSlopeMbPerMin: number;
  readonly heapSlopeMbPerMin: number;
  /** The same run without the pipeline (generator + normalisation only). */
  readonly baseline:
    | (MemoryResult & { readonly rssSlopeMbPerMin: number; readonly heapSlopeMbPerMin: number })
    | { readonly error: string };
}

/** Scenario 6 in a child with --expose-gc (clean RSS), then the generator-only baseline. */
export async function scenarioMemory(
  plan: Plan,
  runtime: ChildRuntime,
): Promise<MemoryScenario | { readonly error: string }> {
  try {
    const main = withSlopes(await memoryChild(plan, runtime, false));
    const baseline = await memoryChild(plan, runtime, true).then(withSlopes, (error: unknown) => ({
      error: errorMessage(error),
    }));
    return { ...main, baseline };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

function withSlopes(result: MemoryResult): MemoryResult & { rssSlopeMbPerMin: number; heapSlopeMbPerMin: number } {
  const half = result.samples.slice(Math.floor(result.samples.length / 2));
  const xs = half.map((s) => s.eventSeconds / 60);
  return {
    ...result,
    rssSlopeMbPerMin: slope(
      xs,
      half.map((s) => s.rssMb),
    ),
    heapSlopeMbPerMin: slope(
      xs,
      half.map((s) => s.heapUsedMb),
    ),
  };
}

async function memoryChild(plan: Plan, runtime: ChildRuntime, baseline: boolean): Promise<MemoryResult> {
  const args = {
    seconds: plan.memorySeconds,
    rate: plan.memoryRate,
    entities: 10_000,
    sampleEvery: plan.quick ? 1 : 10,
    baseline,
  };
  const child = fork(runtime.path, [JSON.stringify(args)], {
    execArgv: [...runtime.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    return await new Promise<MemoryResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('memory scenario timed out')), plan.quick ? 60_000 : 1_200_000);
      child.once('message', (m: MemoryResult) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`memory child exited with ${code}`));
      });
    });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
