/**
 * Reads a sampling heap profile of the bench child (`BENCH_HEAP_SAMPLING=<file> BENCH_HEAP_SAMPLING_ALL=1`, every
 * allocation sampled) and prints the bytes allocated by source module and by function (self):
 * `tsx bench/alloc-profile.ts <profile> <child bundle> [events] [top]`. With the bundle (`.tmp/bench-*.mjs`),
 * bundle lines are attributed to the source module through esbuild's `// path` markers; with `events` (handled in
 * the window), bytes are also given per event.
 */
import { readFileSync } from 'node:fs';

interface Frame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface Node {
  readonly callFrame: Frame;
  readonly selfSize: number;
  readonly children: readonly Node[];
}

const [file, bundlePath, eventsArg, topArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: alloc-profile.ts <profile> [bundle] [events] [top]');
const head = JSON.parse(readFileSync(file, 'utf8')) as { head: Node };
const moduleAt: string[] = [];
if (bundlePath !== undefined) {
  let current = '(bundle)';
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs|json))$/.exec(line);
      if (m?.[1] !== undefined)
        current = m[1]
          .replace(/^.*node_modules\/(?:\.pnpm\/)?/, 'nm:')
          .replace(/^nm:([^/]+)@[^/]+\/node_modules\/([^/]+(?:\/[^/]+)?).*$/, 'nm:$2');
      moduleAt[i] = current;
    });
}
const events = Number(eventsArg ?? 0);
const top = Number(topArg ?? 30);
const byModule = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const bundleName = bundlePath?.split('/').pop();
// Built-ins (`join`, `replace`, `slice`, …) have no URL: their bytes go to the module that called them.
const walk = (n: Node, caller: string) => {
  const f = n.callFrame;
  const native = f.url === '';
  const module = native
    ? caller
    : bundleName !== undefined && f.url.endsWith(`/${bundleName}`)
      ? (moduleAt[f.lineNumber] ?? '?')
      : f.url.replace(/^.*node_modules\/(?:\.pnpm\/)?([^/]+).*$/, 'nm:$1');
  total += n.selfSize;
  add(byModule, module, n.selfSize);
  const name = f.functionName || '(anonymous)';
  add(byFunction, native ? `${name} (built-in, from ${caller})` : `${name} ${module}:${f.lineNumber + 1}`, n.selfSize);
  for (const c of n.children) walk(c, module);
};
walk(head.head, '(root)');
const show = (title: string, m: Map<string, number>) => {
  console.log(`--- ${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${((100 * v) / total).toFixed(1).padStart(5)} %  ${(v / 2 ** 20).toFixed(1).padStart(7)} MB` +
        (events > 0 ? `  ${(v / events).toFixed(0).padStart(6)} B/event` : '') +
        `  ${k}`,
    );
};
console.log(
  `sampled ${(total / 2 ** 20).toFixed(1)} MB${events > 0 ? `, ${(total / events).toFixed(0)} B per event` : ''}`,
);
show('by module', byModule);
show('by function (self)', byFunction);
