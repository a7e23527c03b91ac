/**
 * Scenario 4 alone (issue 14, event-loop delay): `tsx --conditions=source bench/steady.ts [--seconds=N]
 * [--rate=N] [--warmup=events] [--split] [--variant='label:SETTING=value,…:--node-flag …[:child.mjs]']…` runs our
 * ingestor child (or, with `mode=peer-hajs` / `mode=floor` among the settings, the hand-written peer / the e2e
 * floor) at a steady rate against the
 * simulator and the discard endpoint, variants alternating (`--rounds=N` rounds), and prints per run: achieved
 * rate, CPU per event, event-loop delay p99/max, latency p99 and the GC pauses. Settings are those of
 * `IngestorSettings` (numbers and booleans); env for the child (e.g. `HA_INGESTOR_…`) is inherited.
 * A variant's fourth part runs another ingestor-child bundle (e.g. one built from another commit: copy
 * `.tmp/bench-ingestor-child.mjs` away after a run there), for before/after ratios in one run.
 * `--events=N` runs scenario 3's full-speed load (N events, at most 4,000 unacknowledged) instead of the rate.
 * With `BENCH_CPU_PROF=<dir>` each child writes a V8 CPU profile (see `bench/long-tasks.ts`); with `--split` each
 * child profiles its measured window and prints its main-thread time per event by part of the work (cpu-split.ts).
 */
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { bundleChildren } from './bundle.js';
import { memoryPartsLine } from './memory-parts.js';
import { startDiscardServer } from './e2e/discard-server.js';
import { DEFAULT_SETTINGS, TSX_INGESTOR_CHILD, runIngestor } from './e2e/runner.js';
import type { ChildRuntime } from './e2e/runner.js';
import type { IngestorMode, IngestorSettings } from './e2e/protocol.js';

const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : Number(found.slice(name.length + 3));
};
const seconds = arg('seconds', 20);
const rate = arg('rate', 2000);
const rounds = arg('rounds', 1);
const warmup = arg('warmup', 3000);
const split = process.argv.includes('--split');
// `--events=N`: scenario 3's load instead (N events as fast as the ingestor takes them, ≤ 4,000 unacknowledged).
const fullSpeedEvents = arg('events', 0);
const variants: {
  label: string;
  mode: IngestorMode;
  settings: Partial<IngestorSettings>;
  nodeArgs: string[];
  childPath: string | undefined;
}[] = process.argv
  .filter((a) => a.startsWith('--variant='))
  .map((a) => {
    const [label = '', rest = '', flags = '', childPath] = a.slice('--variant='.length).split(':');
    const settings: Record<string, number | boolean> = {};
    let mode: IngestorMode = 'ours';
    for (const pair of rest.split(',').filter((p) => p !== '')) {
      const [k = '', v = ''] = pair.split('=');
      if (k === 'mode') mode = v as IngestorMode;
      else settings[k] = v === 'true' ? true : v === 'false' ? false : Number(v);
    }
    return {
      label,
      mode,
      settings: settings as Partial<IngestorSettings>,
      nodeArgs: flags.split(' ').filter((f) => f !== ''),
      childPath: childPath === '' ? undefined : childPath,
    };
  });
if (variants.length === 0)
  variants.push({ label: 'default', mode: 'ours', settings: {}, nodeArgs: [], childPath: undefined });

const bundles = await bundleChildren({
  'ingestor-child': new URL('./e2e/ingestor-child.ts', import.meta.url).pathname,
});
const child: ChildRuntime =
  bundles?.['ingestor-child'] === undefined
    ? TSX_INGESTOR_CHILD
    : { path: bundles['ingestor-child'], execArgv: [], kind: 'node (esbuild bundle)' };
const sim = await createHaSimulator({ seed: 7, entityCount: 1500, heartbeatMs: 0, maxEmitted: 1000 });
const discard = await startDiscardServer();
try {
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const r = await runIngestor(
        {
          ...child,
          ...(v.childPath === undefined ? {} : { path: v.childPath }),
          execArgv: [...child.execArgv, ...v.nodeArgs],
        },
        sim,
        discard.url,
        v.mode,
        { ...DEFAULT_SETTINGS, ...v.settings, ...(split ? { cpuSplit: true } : {}) },
        fullSpeedEvents > 0
          ? { kind: 'throughput', events: fullSpeedEvents, window: 4000 }
          : { kind: 'steady', ratePerSecond: rate, seconds },
        60_000 + seconds * 1000,
        warmup,
      );
      const gc = Object.entries(r.gcPauses ?? {})
        .map(([k, g]) => `${k} ${g.count}× Σ${g.totalMs.toFixed(0)} max ${g.maxMs.toFixed(1)} >5ms ${g.over5ms}`)
        .join('; ');
      process.stdout.write(
        `${v.label}: ${r.achievedRate.toFixed(0)}/s, ${((1e6 * r.cpuSeconds) / Math.max(1, r.handled)).toFixed(1)} µs CPU/ev (cum), ` +
          `${r.cpuPercent.toFixed(1)} % core, ELD p99 ${r.eventLoopDelayP99Ms.toFixed(1)} max ${r.eventLoopDelayMaxMs.toFixed(1)} ms, ` +
          `latency p50/p99 ${r.latencyP50Ms.toFixed(0)}/${r.latencyP99Ms.toFixed(0)} ms, RSS ${r.rssMaxMb.toFixed(0)} MB | GC ${gc}\n`,
      );
      if (r.memory !== undefined)
        process.stdout.write(`  RSS at the end ${r.memory.rssMb.toFixed(0)} MB: ${memoryPartsLine(r.memory)}\n`);
      if (r.cpuSplit !== undefined)
        process.stdout.write(
          `  main thread ${r.cpuSplit.busyUsPerEvent.toFixed(1)} µs/event: ${r.cpuSplit.parts
            .filter((p) => p.usPerEvent >= 0.05)
            .map((p) => `${p.part} ${p.usPerEvent.toFixed(1)}`)
            .join('; ')}\n`,
        );
    }
  }
} finally {
  await sim.close();
  await discard.close();
}
