/**
 * Scenario 2 alone (issue 14, for A/B runs of two checkouts alternating in one session):
 * `tsx --conditions=source bench/processing-alone.ts [--frames=N] [--runs=N] [--strict]` builds the bench corpus
 * (seed 42, 1,500 entities), runs the processing path once to warm up, then `--runs` fresh pipelines, and
 * prints the CPU µs per event of each run and their median.
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
await runProcessingPath(corpus.frames, corpus.registry, { strict });
const perEvent: number[] = [];
for (let i = 0; i < arg('runs', 5); i++) {
  const r = await runProcessingPath(corpus.frames, corpus.registry, { strict });
  perEvent.push((1e6 * r.cpuSeconds) / r.events);
}
process.stdout.write(
  `processing (${strict ? 'strict' : 'fast'}): ${perEvent.map((v) => v.toFixed(1)).join(' / ')} µs CPU/event, ` +
    `median ${median(perEvent).toFixed(1)}\n`,
);
