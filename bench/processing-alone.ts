/**
 * Scenario 2 alone (issue 14, for A/B runs of two checkouts alternating in one session):
 * `tsx --conditions=source bench/processing-alone.ts [--frames=N] [--runs=N] [--strict]` builds the bench corpus
 * (seed 42, 1,500 entities), runs the processing path once to warm up, then `--runs` fresh pipelines, and
 * prints the CPU µs per event of each run and their median. `--ab` alternates the sink's line path and the
 * point path (the write path before issue 14) run by run in the one process, and prints both.
 */
import { buildCorpus } from './corpus.js';
import { runProcessingPath } from './processing.js';
import { median } from './stats.js';

const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : Number(found.slice(name.length + 3));
};
const strict = process.argv.includes('--strict');
const corpus = buildCorpus({ seed: 42, entityCount: 1500, count: arg('frames', 30_000) });
const paths: ('line' | 'point')[] = process.argv.includes('--ab') ? ['point', 'line'] : ['line'];
for (const path of paths) await runProcessingPath(corpus.frames, corpus.registry, { strict, path });
const perEvent = new Map(paths.map((p) => [p, [] as number[]]));
for (let i = 0; i < arg('runs', 5); i++) {
  for (const path of paths) {
    const r = await runProcessingPath(corpus.frames, corpus.registry, { strict, path });
    perEvent.get(path)?.push((1e6 * r.cpuSeconds) / r.events);
  }
}
for (const [path, values] of perEvent)
  process.stdout.write(
    `processing (${strict ? 'strict' : 'fast'}, ${path} path): ${values.map((v) => v.toFixed(1)).join(' / ')} µs CPU/event, ` +
      `median ${median(values).toFixed(1)}\n`,
  );
const point = perEvent.get('point');
const line = perEvent.get('line');
if (point !== undefined && line !== undefined) {
  // Run by run ratios: the two runs of a pair were measured back to back, so they share the machine's load.
  const ratios = line.map((v, i) => v / (point[i] as number));
  process.stdout.write(
    `line ÷ point, pair by pair: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(3)}\n`,
  );
}
