/**
 * Issue 14: where the event loop's long synchronous stretches come from. Reads a V8 CPU profile (written by
 * `BENCH_CPU_PROF=<dir>`, best with `--cpu-prof-interval 250`) and finds the stretches of consecutive
 * non-idle samples longer than a threshold: how many, how long, and which modules and functions the time in
 * them goes to. Modules of a bundled child come from esbuild's `// packages/…` markers in the bundle.
 *
 *   tsx bench/long-tasks.ts <file.cpuprofile> [thresholdMs=5]
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
}

const [file, thresholdArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: long-tasks.ts <file.cpuprofile> [thresholdMs]');
const thresholdUs = Number(thresholdArg ?? 5) * 1000;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);

// esbuild's module markers: a line `// packages/core/src/x.ts` starts that module's code in the bundle.
const markerCache = new Map<string, { line: number; module: string }[]>();
const moduleOf = (url: string, line: number): string => {
  if (!url.startsWith('file://')) return url === '' ? '(native)' : url.replace(/^node:/, 'node:');
  let markers = markerCache.get(url);
  if (markers === undefined) {
    markers = [];
    const path = fileURLToPath(url);
    if (existsSync(path)) {
      const lines = readFileSync(path, 'utf8').split('\n');
      for (let i = 0; i < lines.length; i++) {
        const m = /^\/\/ ((?:packages|bench|node_modules)\/\S+)$/.exec(lines[i] ?? '');
        if (m?.[1] !== undefined) markers.push({ line: i, module: m[1] });
      }
    }
    markerCache.set(url, markers);
  }
  let found = url.slice(url.lastIndexOf('/') + 1);
  for (const m of markers) {
    if (m.line > line) break;
    found = m.module;
  }
  return found.replace(/^packages\/([^/]+)\/src\//, '$1/');
};

const IDLE = new Set(['(idle)']);
const stack = (id: number): ProfileNode[] => {
  const out: ProfileNode[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
    const n = byId.get(cur);
    if (n !== undefined) out.push(n);
  }
  return out; // leaf first
};

interface Stretch {
  startUs: number;
  durationUs: number;
  samples: number[];
  deltas: number[];
}
const stretches: Stretch[] = [];
let current: Stretch | undefined;
let t = profile.startTime;
let busyUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  t += delta;
  const node = byId.get(profile.samples[i] ?? -1);
  const idle = node === undefined || IDLE.has(node.callFrame.functionName);
  if (idle) {
    if (current !== undefined) stretches.push(current);
    current = undefined;
    continue;
  }
  // A sample stands for the time until the next one.
  const span = profile.timeDeltas[i + 1] ?? delta;
  busyUs += span;
  current ??= { startUs: t, durationUs: 0, samples: [], deltas: [] };
  current.durationUs += span;
  current.samples.push(profile.samples[i] ?? -1);
  current.deltas.push(span);
}
if (current !== undefined) stretches.push(current);

const long = stretches.filter((s) => s.durationUs >= thresholdUs).sort((a, b) => b.durationUs - a.durationUs);
const totalUs = (profile.timeDeltas.reduce((a, b) => a + b, 0) || 1) as number;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
process.stdout.write(
  `${file}\n${stretches.length} busy stretches, ${(busyUs / 1000).toFixed(0)} ms busy of ${(totalUs / 1000).toFixed(0)} ms; ` +
    `${long.length} ≥ ${thresholdUs / 1000} ms (${(sum(long.map((s) => s.durationUs)) / 1000).toFixed(0)} ms), longest ${long
      .slice(0, 8)
      .map((s) => (s.durationUs / 1000).toFixed(1))
      .join(', ')} ms\n`,
);

const entryOf = (frames: ProfileNode[]): string => {
  // The frame just below (root): the kind of macrotask (processImmediate, listOnTimeout, socket reads, …).
  const top = frames.at(-2) ?? frames.at(-1);
  return top === undefined ? '?' : top.callFrame.functionName || '(anonymous)';
};
const tally = (key: (frames: ProfileNode[]) => string) => {
  const m = new Map<string, number>();
  for (const s of long)
    s.samples.forEach((id, i) => {
      const k = key(stack(id));
      m.set(k, (m.get(k) ?? 0) + (s.deltas[i] ?? 0));
    });
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};
const longUs = sum(long.map((s) => s.durationUs)) || 1;
const print = (title: string, rows: [string, number][], n: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of rows.slice(0, n))
    process.stdout.write(
      `  ${((100 * us) / longUs).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}\n`,
    );
};
print('time in long stretches, by macrotask entry', tally(entryOf), 8);
print(
  'by module of the leaf frame',
  tally((f) => {
    const leaf = f[0];
    return leaf === undefined
      ? '?'
      : leaf.callFrame.url === ''
        ? leaf.callFrame.functionName
        : moduleOf(leaf.callFrame.url, leaf.callFrame.lineNumber);
  }),
  15,
);
print(
  'by leaf function',
  tally((f) => {
    const leaf = f[0];
    return leaf === undefined
      ? '?'
      : `${leaf.callFrame.functionName || '(anonymous)'} (${moduleOf(leaf.callFrame.url, leaf.callFrame.lineNumber)})`;
  }),
  20,
);
print(
  'by first frame of ours under the entry (the stage or component that runs)',
  tally((f) => {
    for (let i = f.length - 1; i >= 0; i--) {
      const n = f[i];
      if (n === undefined) continue;
      const mod = moduleOf(n.callFrame.url, n.callFrame.lineNumber);
      if (/^(core|source-ws|sink-influx|enrichers)\//.test(mod))
        return `${n.callFrame.functionName || '(anonymous)'} (${mod})`;
    }
    return '(none of ours)';
  }),
  12,
);
