/**
 * Child process entry: runs ONE ingestor implementation against the parent's simulator and discard
 * endpoint, so that `process.cpuUsage()` here is the ingestor's CPU and nothing else.
 * Modes: `ours` (source-ws → pipeline → sink), `floor` (bare ws client → JSON.parse → hand LP → POST),
 * `peer-hajs` (home-assistant-js-websocket + @influxdata/influxdb-client Point API, as a user writes it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import type {
  FromChild,
  IngestorMode,
  LatencySink,
  MemoryBreakdown,
  RunningIngestor,
  StartArgs,
  ToChild,
} from './protocol.js';
import { percentile } from '../util.js';
import { bundleModuleOfLine, splitCpuProfile } from '../cpu-split.js';
import type { CpuProfile, CpuSplit } from '../cpu-split.js';
import { startFloor } from './floor-ingestor.js';
import { startEdgeNats, startWriterNats } from './nats-ingestors.js';
import { startOurs } from './ours-ingestor.js';
import { startPeerHajs } from './peer-hajs.js';

const MAX_LATENCY_SAMPLES = 200_000;

function send(message: FromChild): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  let ingestor: RunningIngestor | undefined;
  let progress: NodeJS.Timeout | undefined;
  let latencies: number[] = [];
  let seen = 0;
  const onLatency: LatencySink = (timeFiredMs) => {
    seen++;
    const v = Date.now() - timeFiredMs;
    if (latencies.length < MAX_LATENCY_SAMPLES) latencies.push(v);
    else if (seen % 7 === 0) latencies[seen % MAX_LATENCY_SAMPLES] = v;
  };
  const eld = monitorEventLoopDelay({ resolution: 10 });
  // Issue 14: GC pauses are main-thread stretches too; summed per kind so the ELD figure can be attributed.
  let heapSession: Session | undefined;
  let profileSession: Session | undefined;
  let settings: StartArgs['settings'] | undefined;
  let gcPauses: Record<string, { count: number; totalMs: number; maxMs: number; over5ms: number }> = {};
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = gcKindName((entry as { detail?: { kind?: number } }).detail?.kind);
      const g = (gcPauses[kind] ??= { count: 0, totalMs: 0, maxMs: 0, over5ms: 0 });
      g.count++;
      g.totalMs += entry.duration;
      g.maxMs = Math.max(g.maxMs, entry.duration);
      if (entry.duration > 5) g.over5ms++;
    }
  });
  let cpu0 = process.cpuUsage();
  let t0 = process.hrtime.bigint();
  let rssMax = 0;
  let handledAtMark = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 250);

  process.on('message', (raw: ToChild) => {
    void handle(raw).catch((error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    });
  });

  async function handle(msg: ToChild): Promise<void> {
    switch (msg.cmd) {
      case 'init': {
        settings = msg.settings;
        ingestor = await start(msg.mode, {
          url: msg.url,
          token: msg.token,
          sinkUrl: msg.sinkUrl,
          settings: msg.settings,
          onLatency,
        });
        progress = setInterval(
          () =>
            send({
              type: 'progress',
              handled: ingestor?.handled() ?? 0,
              received: (ingestor?.received ?? ingestor?.handled)?.() ?? 0,
            }),
          20,
        );
        send({ type: 'ready', notes: ingestor.notes });
        return;
      }
      case 'mark':
        latencies = [];
        eld.reset();
        eld.enable();
        gcPauses = {};
        gcObserver.observe({ entryTypes: ['gc'] });
        // BENCH_HEAP_SAMPLING=<file>: a sampling heap profile of the measured window that keeps the objects a major
        // GC collected (promoted, then dead in old space: what makes scavenges long) — open it in DevTools. With
        // BENCH_HEAP_SAMPLING_ALL=1 also those a scavenge collected: every allocation, sampled (bytes allocated per
        // function, `bench/alloc-profile.ts`).
        if (process.env['BENCH_HEAP_SAMPLING'] !== undefined) {
          heapSession = new Session();
          heapSession.connect();
          heapSession.post('HeapProfiler.startSampling', {
            samplingInterval: 4096,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: process.env['BENCH_HEAP_SAMPLING_ALL'] === '1',
          });
        }
        // BENCH_HEAP_SNAPSHOT=<ms>[,<ms>…]: heap snapshots (in the working directory), the first that long into the
        // measured window, each next one that long after the previous one was written. Objects of a later snapshot
        // with node ids above every id of an earlier one were allocated between them and are still alive.
        if (process.env['BENCH_HEAP_SNAPSHOT'] !== undefined) {
          const delays = process.env['BENCH_HEAP_SNAPSHOT'].split(',').map(Number);
          const next = (i: number): void => {
            const delay = delays[i];
            if (delay === undefined) return;
            setTimeout(() => {
              writeHeapSnapshot();
              next(i + 1);
            }, delay).unref();
          };
          next(0);
        }
        if (settings?.cpuSplit === true) profileSession = await startProfiler();
        rssMax = process.memoryUsage.rss();
        cpu0 = process.cpuUsage();
        t0 = process.hrtime.bigint();
        handledAtMark = ingestor?.handled() ?? 0;
        await ingestor?.begin?.();
        send({ type: 'marked' });
        return;
      case 'measure': {
        const cpu = process.cpuUsage(cpu0);
        const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
        eld.disable();
        gcObserver.disconnect();
        const session = heapSession;
        const samplingFile = process.env['BENCH_HEAP_SAMPLING'];
        if (session !== undefined && samplingFile !== undefined)
          session.post('HeapProfiler.stopSampling', (error, result) => {
            if (error === null) writeFileSync(samplingFile, JSON.stringify(result.profile));
            session.disconnect();
          });
        const handledInWindow = (ingestor?.handled() ?? 0) - handledAtMark;
        const cpuSplit = profileSession === undefined ? undefined : await stopProfiler(profileSession, handledInWindow);
        profileSession = undefined;
        const mem = process.memoryUsage();
        const memory = memoryBreakdown(mem);
        (globalThis as { gc?: () => void }).gc?.();
        const heapAfterGc = process.memoryUsage().heapUsed;
        send({
          type: 'measured',
          result: {
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
            wallSeconds,
            handled: ingestor?.handled() ?? 0,
            eventLoopDelayP99Ms: eld.percentile(99) / 1e6,
            eventLoopDelayMaxMs: eld.max / 1e6,
            latencyP50Ms: percentile(latencies, 50),
            latencyP99Ms: percentile(latencies, 99),
            latencySamples: latencies.length,
            rssMaxMb: Math.max(rssMax, mem.rss) / 2 ** 20,
            rssEndMb: mem.rss / 2 ** 20,
            heapUsedMb: mem.heapUsed / 2 ** 20,
            heapAfterGcMb: heapAfterGc / 2 ** 20,
            notes: ingestor?.notes ?? [],
            gcPauses,
            memory,
            ...(cpuSplit === undefined ? {} : { cpuSplit }),
          },
        });
        return;
      }
      case 'exit':
        clearInterval(progress);
        clearInterval(rssTimer);
        await ingestor?.stop();
        process.disconnect?.();
        setTimeout(() => process.exit(0), 100).unref();
        return;
    }
  }
}

function memoryBreakdown(mem: NodeJS.MemoryUsage): MemoryBreakdown {
  const mb = (bytes: number) => bytes / 2 ** 20;
  const spacesMb: Record<string, number> = {};
  let used = 0;
  for (const s of getHeapSpaceStatistics()) {
    spacesMb[s.space_name] = mb(s.physical_space_size);
    used += s.space_used_size;
  }
  return { rssMb: mb(mem.rss), spacesMb, heapUsedMb: mb(used), externalMb: mb(mem.external) };
}

/** Issue 14 (settings `cpuSplit`): a CPU profile of the measured window only, through the inspector. */
async function startProfiler(): Promise<Session> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<void>((resolve, reject) =>
      session.post(method, params ?? {}, (error) => (error === null ? resolve() : reject(error))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return session;
}

async function stopProfiler(session: Session, events: number): Promise<CpuSplit> {
  const profile = await new Promise<CpuProfile>((resolve, reject) =>
    session.post('Profiler.stop', (error, result) =>
      error === null ? resolve(result.profile as unknown as CpuProfile) : reject(error),
    ),
  );
  session.disconnect();
  // In an esbuild bundle (bench/bundle.ts) a frame's module is found by line; on tsx the URL is the source file.
  const self = process.argv[1] ?? '';
  const moduleOf = self.endsWith('.mjs') ? bundleModuleOfLine(readFileSync(self, 'utf8')) : undefined;
  return splitCpuProfile(profile, events, (url, line) => {
    if (moduleOf !== undefined && url.startsWith('file:') && fileURLToPath(url) === self) return moduleOf(line) ?? url;
    return url;
  });
}

function gcKindName(kind: number | undefined): string {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 'scavenge';
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'mark-compact';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weak-callbacks';
    default:
      return 'other';
  }
}

function start(mode: IngestorMode, args: StartArgs): Promise<RunningIngestor> {
  switch (mode) {
    case 'ours':
      return startOurs(args);
    case 'floor':
      return startFloor(args);
    case 'peer-hajs':
      return startPeerHajs(args);
    case 'edge-nats':
      return startEdgeNats(args);
    case 'writer-nats':
      return startWriterNats(args);
  }
}

// A parent that disappears takes the child with it (no orphaned ingestors).
process.on('disconnect', () => process.exit(0));
void main().catch((error: unknown) => {
  send({ type: 'error', message: String(error) });
  process.exit(1);
});
