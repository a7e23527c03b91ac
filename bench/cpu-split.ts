/**
 * Issue 14, "explained with the profile that shows why not": where an ingestor child's main-thread CPU goes, per
 * event, by part of the work — the same parts for ours and the hand-written peer, so the two can be read side by
 * side (the e2e floor does its parsing and line writing in one function: it has no split). The child records a V8 CPU profile of its measured window only (settings `cpuSplit`,
 * inspector `Profiler`), and this module sorts every sample into a part by the source file of the nearest frame
 * (leaf upwards) that belongs to a part. In an esbuild bundle the source file of a line is the last
 * `// path/to/file.ts` comment above it (esbuild writes one per module).
 *
 * Main-thread only: GC helper threads and zlib's thread pool are in `process.cpuUsage()` but not here.
 */

/** The parts of the V8 `Profiler.Profile` this reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface CpuSplitPart {
  readonly part: string;
  /** Main-thread µs per event handled in the window. */
  readonly usPerEvent: number;
  /** Share of the main thread's busy time (0–1). */
  readonly share: number;
}

export interface CpuSplit {
  /** Main-thread busy µs per event (idle samples excluded). */
  readonly busyUsPerEvent: number;
  readonly events: number;
  readonly parts: readonly CpuSplitPart[];
}

/**
 * The parts, tested in this order against a frame's source (a bundle's module path, else the frame's URL, else
 * its function name for V8's own entries). Kept coarse on purpose: each names work the peer does too (or does not
 * do at all), so a row compares like with like.
 */
export const CPU_PARTS: readonly (readonly [part: string, test: RegExp])[] = [
  ['garbage collection', /^\(garbage collector\)#/],
  [
    'bench harness (latency reports over IPC)',
    /bench\/(e2e\/(ingestor-child|ours-ingestor|pipeline-hooks)|util)|child_process|serialization/,
  ],
  ['JSON.parse of frames (+ depth bound)', /core\/src\/json\/parse|haws\.cjs/],
  [
    'WebSocket frames and socket reads',
    /(^|[/:])ws\/lib\/|stream_base_commons|internal\/streams\/readable|^node:net#|lib\/websocket|event-target\.js/,
  ],
  ['source: frame split, normalise, intake', /source-ws\/src\//],
  [
    'pipeline: validate, select, dedupe, acks',
    /core\/src\/(stages\/(dedupe|select|validate|stage)|runtime\/|model\/identity|primitives\/|delivery\/)/,
  ],
  ['enrichment (stage, registry, time context)', /core\/src\/stages\/enrich|enrichers\/src\//],
  [
    'line protocol (event to line)',
    /sink-influx\/src\/(schema\/|field-types|written-line)|core\/src\/(line-protocol|model\/time)|bench\/e2e\/peer-hajs|influxdb-client\/dist\/[^#]*#(\w*Field|\w*[Pp]oint\w*|toLineProtocol|tag|timestamp|escape\w*)$/,
  ],
  [
    'HTTP write, gzip, retries (sink)',
    /zlib|_http_|http_agent|abort_controller|abort_listener|event_target|sink-influx\/src\/|writev|writeUtf8String|internal\/streams\/writable|opossum|p-retry|[/:]retry\/lib|influxdb-client/,
  ],
];

/** The catch-all part: timers, microtask queue, V8's "(program)", everything no rule claims. */
export const OTHER_PART = 'runtime: timers, microtasks, program';

/**
 * Maps each line of a bundle's text to the module it came from (esbuild's `// path` comments), with
 * `node_modules/.pnpm/<pkg>@<version>/node_modules/` shortened to `<pkg>/`.
 */
export function bundleModuleOfLine(text: string): (line: number) => string | undefined {
  const lines = text.split('\n');
  const starts: number[] = [];
  const names: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs|json))$/.exec(lines[i] as string);
    if (m !== null) {
      starts.push(i);
      names.push((m[1] as string).replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, ''));
    }
  }
  return (line) => {
    // Binary search: the last module start at or before `line`.
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) <= line) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : names[found];
  };
}

/**
 * Sorts the profile's samples into {@link CPU_PARTS}. `sourceOf(url, line)` names a frame's source (a bundle's
 * module for frames in the bundle, else the URL); `#<function>` is appended so a rule can pick one function of a
 * file (influxdb-client's point code).
 */
export function splitCpuProfile(
  profile: CpuProfile,
  events: number,
  sourceOf: (url: string, line: number) => string = (url) => url,
): CpuSplit {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const timeOf = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const partOfNode = new Map<number, string>();
  const partOf = (id: number): string => {
    const known = partOfNode.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    let part = OTHER_PART;
    if (node !== undefined) {
      const { url, lineNumber, functionName } = node.callFrame;
      const source = `${url === '' ? functionName : sourceOf(url, lineNumber)}#${functionName}`;
      const rule = CPU_PARTS.find(([, test]) => test.test(source));
      if (rule !== undefined) part = rule[0];
      else {
        const up = parent.get(id);
        if (up !== undefined) part = partOf(up);
      }
    }
    partOfNode.set(id, part);
    return part;
  };
  let busy = 0;
  const totals = new Map<string, number>();
  for (const [id, t] of timeOf) {
    const name = byId.get(id)?.callFrame.functionName;
    if (name === '(idle)' || name === '(root)') continue;
    busy += t;
    const part = partOf(id);
    totals.set(part, (totals.get(part) ?? 0) + t);
  }
  const per = Math.max(1, events);
  const parts = [...CPU_PARTS.map(([p]) => p), OTHER_PART].map((part) => ({
    part,
    usPerEvent: (totals.get(part) ?? 0) / per,
    share: busy === 0 ? 0 : (totals.get(part) ?? 0) / busy,
  }));
  return { busyUsPerEvent: busy / per, events, parts };
}
