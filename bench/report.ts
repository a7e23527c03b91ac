import type { CpuSplit } from './cpu-split.js';
import { memoryLines } from './memory-parts.js';
import { appRssLines } from './app-rss.js';
import type { AppRssScenario } from './app-rss.js';
import type { CorpusStats } from './corpus.js';
import type { E2eResult } from './e2e/runner.js';
import type { NatsScenarioResult } from './nats.js';
import type { NodeRedPeer } from './peers/node-red.js';
import type { FloorsResult, MemoryScenario, Plan, ProcessingVariant } from './scenarios.js';
import { startupLines } from './startup.js';
import type { StartupScenario } from './startup.js';
import { cpuMicrosPerEvent, judge, ratio } from './stats.js';
import type { Target } from './stats.js';
import { fmt, row } from './util.js';

type Maybe<T> = T | { readonly error: string };

/** Everything bench/results/latest.json holds. */
export interface BenchResults {
  /** Scenario 11 (issue 16): edge and writer over NATS JetStream, backlog drain with 1 and 2 writers. */
  readonly scaleOut?: NatsScenarioResult;
  readonly meta: {
    readonly date: string;
    readonly mode: 'quick' | 'full';
    readonly node: string;
    readonly cpuModel: string;
    readonly cpuCount: number;
    readonly totalMemGb: number;
    readonly platform: string;
    readonly loadAverageAtEnd: readonly number[];
    readonly plan: Plan;
    readonly childRuntime: string;
    readonly durationSeconds: number;
    readonly settings: Readonly<Record<string, unknown>>;
  };
  readonly corpus: CorpusStats;
  readonly floors: FloorsResult;
  readonly processing: { readonly fast: ProcessingVariant; readonly strict: ProcessingVariant };
  readonly endToEnd: { readonly ours: Maybe<E2eResult>; readonly floor: Maybe<E2eResult> };
  readonly steady: {
    readonly at2k: Maybe<E2eResult>;
    readonly at10k: Maybe<E2eResult>;
    /** 2,000/s with the batch timer alone (linger = max-wait), as before issue 14. */
    readonly at2kNoLinger?: Maybe<E2eResult>;
    /** Issue 14: the e2e floor and the hand-written peer at the same 2,000/s (deflate off). */
    readonly at2kFloor?: Maybe<E2eResult>;
    readonly at2kPeer?: Maybe<E2eResult>;
    /** Issue 14: ours and the peer at 2,000/s again, profiled: main-thread time per event by part (cpu-split.ts). */
    readonly split2kOurs?: Maybe<E2eResult>;
    readonly split2kPeer?: Maybe<E2eResult>;
    /** The same at full speed (scenario 3's load). */
    readonly splitE2eOurs?: Maybe<E2eResult>;
    readonly splitE2ePeer?: Maybe<E2eResult>;
  };
  /** Scenario 10: the reference app as shipped at 2,000/s, RSS from outside (issue 14). */
  readonly appRss?: Maybe<AppRssScenario>;
  readonly burst: Maybe<E2eResult>;
  /** The burst with the batch timer alone (linger = max-wait). */
  readonly burstNoLinger?: Maybe<E2eResult>;
  readonly memory: Maybe<MemoryScenario>;
  /** Scenario 9: the built reference app vs the tsx path (issue 13). */
  readonly startup: Maybe<StartupScenario>;
  readonly settings: Readonly<Record<string, Maybe<E2eResult>>>;
  readonly peers: {
    readonly hajs: Maybe<E2eResult>;
    readonly hajsDeflate: Maybe<E2eResult>;
    readonly nodeRed: NodeRedPeer;
  };
  readonly targets: readonly Target[];
}

function ok<T extends object>(r: Maybe<T>): T | undefined {
  return 'error' in r ? undefined : r;
}

const NaN_ = Number.NaN;

/** The issue's targets, judged on this run's figures (reported, never asserted). */
export function targetsOf(r: BenchResults): Target[] {
  const fb = r.floors.floorB.eventsPerCpuSecond;
  const strictRatio = ratio(r.processing.strict.eventsPerCpuSecond, fb);
  const ours = ok(r.endToEnd.ours);
  const floor = ok(r.endToEnd.floor);
  const e2eRatio = ratio(ours?.eventsPerCpuSecond ?? NaN_, floor?.eventsPerCpuSecond ?? NaN_);
  const s2k = ok(r.steady.at2k);
  const burst = ok(r.burst);
  const hajs = ok(r.peers.hajs);
  const peerRatio = ratio(ours?.eventsPerCpuSecond ?? NaN_, hajs?.eventsPerCpuSecond ?? NaN_);
  const maxWait = s2k?.settings.batchMaxWaitMs ?? NaN_;
  const mem = ok(r.memory);
  const memBase = mem === undefined ? undefined : ok(mem.baseline);
  const heapGrowth =
    mem === undefined || memBase === undefined ? NaN_ : mem.heapSlopeMbPerMin - memBase.heapSlopeMbPerMin;
  const nr = r.peers.nodeRed;
  const at2k = issue14At2k(r);
  const nodeRedRatio =
    nr.status === 'not run' ? undefined : ratio(ours?.eventsPerCpuSecond ?? NaN_, nr.eventsPerCpuSecond);
  return [
    {
      name: 'processing path, strict validation',
      target: '≥ 0.6× floor B',
      value: `${fmt(strictRatio)}×`,
      met: judge(strictRatio, 0.6, 'higher'),
    },
    {
      name: 'end to end',
      target: '≥ 0.8× end-to-end floor',
      value: `${fmt(e2eRatio)}×`,
      met: judge(e2eRatio, 0.8, 'higher'),
    },
    {
      name: '2,000/s: CPU',
      target: '≤ 5% of one core',
      value: `${fmt(s2k?.cpuPercent ?? NaN_, 1)}%`,
      met: judge(s2k?.cpuPercent ?? NaN_, 5, 'lower'),
    },
    {
      name: '2,000/s: event-loop delay p99',
      target: '≤ 10 ms',
      value: `${fmt(s2k?.eventLoopDelayP99Ms ?? NaN_, 1)} ms`,
      met: judge(s2k?.eventLoopDelayP99Ms ?? NaN_, 10, 'lower'),
    },
    {
      name: '2,000/s: latency p99',
      // Issue 14: with default settings (the batch lingers 20 ms while the sink is free; max-wait is only the bound).
      target: `≤ 100 ms with default settings (max-wait ${fmt(maxWait, 0)} ms)`,
      value: `${fmt(s2k?.latencyP99Ms ?? NaN_, 0)} ms`,
      met: judge(s2k?.latencyP99Ms ?? NaN_, 100, 'lower'),
    },
    {
      name: '2,000/s: RSS of the bench child (esbuild bundle)',
      target: '≤ 100 MB',
      value: `${fmt(s2k?.rssMaxMb ?? NaN_, 0)} MB`,
      met: judge(s2k?.rssMaxMb ?? NaN_, 100, 'lower'),
    },
    {
      name: '2,000/s: RSS of the app as shipped (max)',
      target: '≤ 100 MB',
      value: `${fmt(at2k.appRssMb, 0)} MB`,
      met: judge(at2k.appRssMb, 100, 'lower'),
    },
    {
      name: '2,000/s: RSS of the app as shipped vs the hand-written peer',
      target: '≤ 1.3×',
      value: `${fmt(at2k.appRssVsPeer)}× (peer ${fmt(at2k.peerRssMb, 0)} MB)`,
      met: judge(at2k.appRssVsPeer, 1.3, 'lower'),
    },
    {
      name: '2,000/s: CPU per event vs the hand-written peer (deflate off both)',
      target: '≤ 0.6×',
      value: `${fmt(at2k.cpuVsPeer)}× (${fmt(at2k.oursMicros, 1)} vs ${fmt(at2k.peerMicros, 1)} µs)`,
      met: judge(at2k.cpuVsPeer, 0.6, 'lower'),
    },
    {
      name: '2,000/s: CPU per event vs the e2e floor',
      target: '≤ 1.5×',
      value: `${fmt(at2k.cpuVsFloor)}× (floor ${fmt(at2k.floorMicros, 1)} µs)`,
      met: judge(at2k.cpuVsFloor, 1.5, 'lower'),
    },
    {
      name: '4,096 burst drained (acknowledged)',
      target: '< 0.5 s',
      value: `${fmt((burst?.drainMs ?? NaN_) / 1000)} s`,
      met: judge(burst?.drainMs ?? NaN_, 500, 'lower'),
    },
    {
      name: 'memory: heap growth of the pipeline (minus the generator alone)',
      target: 'flat (≤ 1 MB/min)',
      value: `${fmt(heapGrowth)} MB/min`,
      met: judge(heapGrowth, 1, 'lower'),
    },
    {
      name: 'CPU per event vs Node-RED flow',
      target: '≥ 50× less (issue 14)',
      value: nodeRedRatio === undefined ? 'not measured' : `${fmt(nodeRedRatio)}× less`,
      met: nodeRedRatio === undefined ? 'n/a' : judge(nodeRedRatio, 50, 'higher'),
    },
    {
      name: 'CPU per event vs hand-written peer',
      target: '≥ 1× (events per CPU-s ratio)',
      value: `${fmt(peerRatio)}×`,
      met: judge(peerRatio, 1, 'higher'),
    },
  ];
}

/** Issue 14's same-run figures at 2,000/s: ours, the e2e floor, the peer, and the app as shipped. */
export function issue14At2k(r: Pick<BenchResults, 'steady' | 'appRss'>): {
  oursMicros: number;
  floorMicros: number;
  peerMicros: number;
  cpuVsPeer: number;
  cpuVsFloor: number;
  peerRssMb: number;
  appRssMb: number;
  appRssVsPeer: number;
} {
  const micros = (x: Maybe<E2eResult> | undefined): number =>
    x === undefined ? NaN_ : cpuMicrosPerEvent(ok(x)?.eventsPerCpuSecond ?? NaN_);
  const oursMicros = micros(r.steady.at2k);
  const floorMicros = micros(r.steady.at2kFloor);
  const peerMicros = micros(r.steady.at2kPeer);
  const peerRssMb = (r.steady.at2kPeer === undefined ? undefined : ok(r.steady.at2kPeer))?.rssMaxMb ?? NaN_;
  const app = r.appRss === undefined ? undefined : ok(r.appRss);
  const appRssMb = app?.runs[0]?.rssMaxMb ?? NaN_;
  return {
    oursMicros,
    floorMicros,
    peerMicros,
    // µs per event ratios (lower is better): ours ÷ theirs.
    cpuVsPeer: ratio(oursMicros, peerMicros),
    cpuVsFloor: ratio(oursMicros, floorMicros),
    peerRssMb,
    appRssMb,
    appRssVsPeer: ratio(appRssMb, peerRssMb),
  };
}

function e2eRow(label: string, r: Maybe<E2eResult>, floorRate: number): string {
  const x = ok(r);
  if (x === undefined) return row([label, '–', '–', '–', '–', 'error' in r ? r.error.slice(0, 80) : '']);
  return row([
    label,
    fmt(x.eventsPerCpuSecond, 0),
    fmt(cpuMicrosPerEvent(x.eventsPerCpuSecond), 1),
    `${fmt(ratio(x.eventsPerCpuSecond, floorRate))}×`,
    `${fmt(x.rssMaxMb, 0)} MB`,
    x.complete ? '' : 'incomplete',
  ]);
}

/** Prints the Markdown tables (the README "Performance" section takes them verbatim). */
export function printReport(r: BenchResults): void {
  const out: string[] = [];
  const m = r.meta;
  out.push(`ha-ingestor bench (${m.mode}) — ${m.date}`);
  out.push(
    `Node ${m.node}, ${m.cpuModel} × ${m.cpuCount}, ${fmt(m.totalMemGb, 1)} GB, ${m.platform}; load average at end ${m.loadAverageAtEnd.map((l) => l.toFixed(1)).join(' ')}; ${fmt(m.durationSeconds, 0)} s; measured processes: ${m.childRuntime}`,
  );
  out.push(
    `Corpus: ${r.corpus.frames} frames, median ${r.corpus.medianBytes} B, p95 ${r.corpus.p95Bytes} B, max ${r.corpus.maxBytes} B, ${r.corpus.over8k} ≥ 8 kB, ${r.corpus.hostile} with hostile strings`,
  );
  out.push('');
  const fb = r.floors.floorB.eventsPerCpuSecond;
  out.push(row(['Processing (in process)', 'events/CPU-s', 'µs CPU/event', 'vs floor B', 'events/s wall']));
  out.push(row(['---', '---:', '---:', '---:', '---:']));
  const proc = (label: string, rate: { eventsPerCpuSecond: number; eventsPerSecond: number }) =>
    out.push(
      row([
        label,
        fmt(rate.eventsPerCpuSecond, 0),
        fmt(cpuMicrosPerEvent(rate.eventsPerCpuSecond), 1),
        `${fmt(ratio(rate.eventsPerCpuSecond, fb))}×`,
        fmt(rate.eventsPerSecond, 0),
      ]),
    );
  proc('1 floor A: JSON.parse', r.floors.jsonParse);
  proc('1 floor B: parse + hand LP', r.floors.floorB);
  proc('1 ws transport (both ends)', r.floors.wsTransport);
  proc('2 pipeline, fast path', r.processing.fast);
  proc('2 pipeline, strict zod', r.processing.strict);
  out.push('');
  const floorRate = ok(r.endToEnd.floor)?.eventsPerCpuSecond ?? NaN_;
  out.push(
    row([
      'End to end over loopback (ingestor process)',
      'events/CPU-s',
      'µs CPU/event',
      'vs e2e floor',
      'RSS max',
      'note',
    ]),
  );
  out.push(row(['---', '---:', '---:', '---:', '---:', '---']));
  out.push(e2eRow('3 e2e floor: ws → parse → LP → POST', r.endToEnd.floor, floorRate));
  out.push(e2eRow('3 ours (defaults)', r.endToEnd.ours, floorRate));
  out.push(e2eRow('7 ours, ws deflate on', r.settings['deflateOn'] ?? { error: 'missing' }, floorRate));
  out.push(e2eRow('7 ours, gzip off', r.settings['gzipOff'] ?? { error: 'missing' }, floorRate));
  out.push(e2eRow('7 ours, batch 5,000', r.settings['batch5k'] ?? { error: 'missing' }, floorRate));
  out.push(e2eRow('7 ours, strict zod validation', r.settings['strictValidation'] ?? { error: 'missing' }, floorRate));
  out.push(e2eRow('8a peer: hajs + influxdb-client (deflate off)', r.peers.hajs, floorRate));
  out.push(e2eRow('8a peer: hajs + influxdb-client (ws default: deflate)', r.peers.hajsDeflate, floorRate));
  const nr = r.peers.nodeRed;
  out.push(
    nr.status === 'not run'
      ? row(['8b peer: Node-RED', '–', '–', '–', '–', `not run: ${nr.reason.slice(0, 100)}`])
      : row([
          '8b peer: Node-RED 4 + HA websocket + influxdb out',
          fmt(nr.eventsPerCpuSecond, 0),
          fmt(cpuMicrosPerEvent(nr.eventsPerCpuSecond), 1),
          `${fmt(ratio(nr.eventsPerCpuSecond, floorRate))}×`,
          `${fmt(nr.rssMb, 0)} MB`,
          nr.status === 'ok' ? '' : 'incomplete',
        ]),
  );
  out.push('');
  out.push(
    row(['Steady load (ours)', 'achieved/s', 'CPU % core', 'latency p50 / p99', 'ELD p99', 'RSS max', 'heap after GC']),
  );
  out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const [label, res] of [
    ['4 2,000/s', r.steady.at2k],
    ['4 2,000/s, no linger (timer only)', r.steady.at2kNoLinger],
    ['4 2,000/s: e2e floor', r.steady.at2kFloor],
    ['4 2,000/s: peer hajs + influxdb-client (deflate off)', r.steady.at2kPeer],
    ['4 10,000/s', r.steady.at10k],
  ] as const) {
    if (res === undefined) continue; // a results file from before the variant existed
    const x = ok(res);
    out.push(
      x === undefined
        ? row([label, 'failed', '', '', '', '', ''])
        : row([
            label,
            fmt(x.achievedRate, 0),
            fmt(x.cpuPercent, 1),
            `${fmt(x.latencyP50Ms, 0)} / ${fmt(x.latencyP99Ms, 0)} ms`,
            `${fmt(x.eventLoopDelayP99Ms, 1)} ms`,
            `${fmt(x.rssMaxMb, 0)} MB`,
            `${fmt(x.heapAfterGcMb, 0)} MB`,
          ]),
    );
  }
  const b = ok(r.burst);
  out.push('');
  out.push(
    b === undefined
      ? '5 burst: failed'
      : `5 burst of 4,096: read off the socket in ${fmt(b.intakeMs ?? NaN_, 0)} ms, all acknowledged in ${fmt(b.drainMs ?? NaN_, 0)} ms (batch ${b.settings.batchSize}, max-wait ${b.settings.batchMaxWaitMs} ms)`,
  );
  const bNo = r.burstNoLinger === undefined ? undefined : ok(r.burstNoLinger);
  const sNo = r.steady.at2kNoLinger === undefined ? undefined : ok(r.steady.at2kNoLinger);
  const s2 = ok(r.steady.at2k);
  if (b !== undefined && bNo !== undefined && s2 !== undefined && sNo !== undefined)
    out.push(
      `  linger (issue 14, same run): burst acknowledged ${fmt(bNo.drainMs ?? NaN_, 0)} → ${fmt(b.drainMs ?? NaN_, 0)} ms (${fmt((bNo.drainMs ?? NaN_) / (b.drainMs ?? NaN_))}× faster); 2,000/s latency p99 ${fmt(sNo.latencyP99Ms, 0)} → ${fmt(s2.latencyP99Ms, 0)} ms (${fmt(sNo.latencyP99Ms / s2.latencyP99Ms)}×), CPU ${fmt(sNo.cpuPercent, 1)} → ${fmt(s2.cpuPercent, 1)} % of a core`,
    );
  if (s2?.gcPauses !== undefined) out.push(`  ${gcPauseLine(s2.gcPauses, s2.eventLoopDelayP99Ms)}`);
  const splitOurs = r.steady.split2kOurs === undefined ? undefined : ok(r.steady.split2kOurs)?.cpuSplit;
  const splitPeer = r.steady.split2kPeer === undefined ? undefined : ok(r.steady.split2kPeer)?.cpuSplit;
  if (splitOurs !== undefined && splitPeer !== undefined) out.push('', ...cpuSplitLines(splitOurs, splitPeer));
  const fullOurs = r.steady.splitE2eOurs === undefined ? undefined : ok(r.steady.splitE2eOurs)?.cpuSplit;
  const fullPeer = r.steady.splitE2ePeer === undefined ? undefined : ok(r.steady.splitE2ePeer)?.cpuSplit;
  if (fullOurs !== undefined && fullPeer !== undefined)
    out.push('', ...cpuSplitLines(fullOurs, fullPeer, '3 full speed profiled: main thread per event'));
  const memOurs = s2?.memory;
  const peer2k = r.steady.at2kPeer === undefined ? undefined : ok(r.steady.at2kPeer);
  if (memOurs !== undefined && peer2k?.memory !== undefined) out.push('', ...memoryLines(memOurs, peer2k.memory));
  const mem = ok(r.memory);
  if (mem === undefined) out.push(`6 memory: failed (${'error' in r.memory ? r.memory.error : ''})`);
  else {
    const base = ok(mem.baseline);
    out.push(
      `6 memory (10,000 entities, 300 s dedupe, ${fmt(r.meta.plan.memoryRate, 0)}/s, ${mem.samples.at(-1)?.eventSeconds ?? 0} s of event time, injected clock): RSS ${fmt(mem.samples[0]?.rssMb ?? NaN_, 0)} → ${fmt(mem.samples.at(-1)?.rssMb ?? NaN_, 0)} MB, heap ${fmt(mem.samples[0]?.heapUsedMb ?? NaN_, 0)} → ${fmt(mem.samples.at(-1)?.heapUsedMb ?? NaN_, 0)} MB; slope over the 2nd half: RSS ${fmt(mem.rssSlopeMbPerMin)} MB/min, heap ${fmt(mem.heapSlopeMbPerMin)} MB/min` +
        (base === undefined
          ? ''
          : `; generator alone (no pipeline): RSS ${fmt(base.rssSlopeMbPerMin)} MB/min, heap ${fmt(base.heapSlopeMbPerMin)} MB/min`),
    );
  }
  if (r.appRss !== undefined) {
    const app = ok(r.appRss);
    out.push('');
    if (app === undefined) out.push(`10 app as shipped: failed (${'error' in r.appRss ? r.appRss.error : ''})`);
    else {
      out.push(...appRssLines(app));
      const shipped = app.runs[0]?.memory;
      if (shipped !== undefined && peer2k?.memory !== undefined)
        out.push('', ...memoryLines(shipped, peer2k.memory, '10 app as shipped (from its /metrics) vs the peer'));
    }
  }
  const startup = ok(r.startup);
  out.push('');
  if (startup === undefined) out.push(`9 start-up: failed (${'error' in r.startup ? r.startup.error : ''})`);
  else out.push(...startupLines(startup));
  out.push('');
  out.push(row(['Target', 'Goal', 'This run', 'Met']));
  out.push(row(['---', '---', '---:', '---']));
  for (const t of r.targets) out.push(row([t.name, t.target, t.value, t.met === 'n/a' ? 'n/a' : t.met ? 'yes' : 'no']));
  out.push('', ...scaleOutLines(r));
  process.stdout.write(`${out.join('\n')}\n`);
}

/**
 * Issue 14: where the main thread goes at 2,000/s, ours next to the hand-written peer, µs per event by part of the
 * work (profiled runs of the same rate; main thread only — GC helper threads and zlib's pool are not in it).
 */
export function cpuSplitLines(
  ours: CpuSplit,
  peer: CpuSplit,
  title = '4 2,000/s profiled: main thread per event',
): string[] {
  const out = [row([title, 'ours µs', 'peer µs', 'ours − peer'])];
  out.push(row(['---', '---:', '---:', '---:']));
  const peerOf = new Map(peer.parts.map((p) => [p.part, p.usPerEvent]));
  for (const p of [...ours.parts].sort((a, b) => b.usPerEvent - a.usPerEvent)) {
    const q = peerOf.get(p.part) ?? 0;
    if (p.usPerEvent < 0.05 && q < 0.05) continue;
    out.push(row([p.part, fmt(p.usPerEvent, 1), fmt(q, 1), fmt(p.usPerEvent - q, 1)]));
  }
  out.push(
    row([
      '**main thread busy**',
      fmt(ours.busyUsPerEvent, 1),
      fmt(peer.busyUsPerEvent, 1),
      `${fmt(ours.busyUsPerEvent / Math.max(1e-9, peer.busyUsPerEvent))}×`,
    ]),
  );
  return out;
}

/**
 * Issue 14: the 2,000/s run's GC pauses next to its event-loop delay. At that rate the ELD p99 follows the
 * scavenges (each promotes ~2 MB that outlived the last one), not the batches' synchronous work.
 */
export function gcPauseLine(
  pauses: Readonly<Record<string, { count: number; totalMs: number; maxMs: number; over5ms: number }>>,
  eldP99Ms: number,
): string {
  const parts = Object.entries(pauses)
    .sort((a, b) => b[1].totalMs - a[1].totalMs)
    .map(
      ([kind, g]) =>
        `${kind} ${g.count}× (mean ${fmt(g.totalMs / Math.max(1, g.count), 1)} ms, max ${fmt(g.maxMs, 1)} ms, ${g.over5ms} over 5 ms)`,
    );
  return `GC pauses at 2,000/s (ELD p99 ${fmt(eldP99Ms, 1)} ms): ${parts.join('; ')}`;
}

/** Scenario 11 (issue 16): NATS scale-out figures as ratios to scenario 3 "ours" of the same run. */
function scaleOutLines(r: BenchResults): string[] {
  const s = r.scaleOut;
  if (s === undefined) return [];
  if ('skipped' in s) return [`11 scale-out over NATS: skipped — ${s.skipped}`];
  if ('error' in s) return [`11 scale-out over NATS: error — ${s.error}`];
  const ours = ok(r.endToEnd.ours);
  const oursCpu = ours?.eventsPerCpuSecond ?? NaN_;
  const oursWall = ours === undefined ? NaN_ : ours.handled > 0 ? ours.achievedRate : NaN_;
  const out = [
    row([
      '11 Scale-out over NATS JetStream (' + s.server + ')',
      'events/CPU-s',
      'vs 3 ours',
      'events/s wall',
      'vs 3 ours wall',
    ]),
    row(['---', '---:', '---:', '---:', '---:']),
  ];
  const edge = s.edge;
  out.push(
    'error' in edge
      ? row(['edge: source-ws → natsSink', `error: ${edge.error}`, '', '', ''])
      : row([
          'edge: source-ws → dedupe → enrichers → natsSink',
          fmt(edge.eventsPerCpuSecond, 0),
          `${fmt(ratio(edge.eventsPerCpuSecond, oursCpu))}×`,
          fmt(edge.achievedRate, 0),
          `${fmt(ratio(edge.achievedRate, oursWall))}×`,
        ]),
  );
  for (const [label, d] of [
    ['writer ×1: natsSource → influxSink, backlog drain', s.drain1],
    ['writers ×2 on one durable, backlog drain', s.drain2],
  ] as const) {
    out.push(
      'error' in d
        ? row([label, `error: ${d.error}`, '', '', ''])
        : row([
            `${label} (${d.handled}/${d.backlog}${d.complete ? '' : ', incomplete'})`,
            fmt(d.eventsPerCpuSecond, 0),
            `${fmt(ratio(d.eventsPerCpuSecond, oursCpu))}×`,
            fmt(d.eventsPerSecond, 0),
            `${fmt(ratio(d.eventsPerSecond, oursWall))}×`,
          ]),
    );
  }
  return out;
}
