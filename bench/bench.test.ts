import { serializePoints } from '@ha-ingestor/core/line-protocol';
import { classifyMessage, normaliseEvent, splitFrame } from '@ha-ingestor/source-ws';
import { describe, expect, it } from 'vitest';
import { createLineFields } from '../packages/sink-influx/src/schema/ha-line.js';
import { createSchemaCodec, createSchemaMapper } from '../packages/sink-influx/src/schema/mapper.js';
import { memoryFromMetrics } from './app-rss.js';
import { buildCorpus } from './corpus.js';
import { OTHER_PART, bundleModuleOfLine, splitCpuProfile } from './cpu-split.js';
import type { CpuProfile } from './cpu-split.js';
import type { E2eResult } from './e2e/runner.js';
import { handLine, isoToMicros } from './hand-lp.js';
import { cpuSecondsOfStat } from './proc.js';
import { memoryLines, memoryParts } from './memory-parts.js';
import { cpuSplitLines, gcPauseLine, issue14At2k } from './report.js';
import { cpuMicrosPerEvent, judge, median, ratio, slope } from './stats.js';
import { percentile } from './util.js';

describe('bench corpus', () => {
  it('is deterministic: same seed, same frames; another seed, other frames', () => {
    const a = buildCorpus({ seed: 3, entityCount: 100, count: 60 });
    const b = buildCorpus({ seed: 3, entityCount: 100, count: 60 });
    const c = buildCorpus({ seed: 4, entityCount: 100, count: 60 });
    expect(a.frames).toEqual(b.frames);
    expect(c.frames).not.toEqual(a.frames);
    expect(a.stats.frames).toBe(60);
    expect(a.stats.byType['state_changed']).toBeGreaterThan(30);
  });

  it('frames are HA event messages whose events the floor can serialise', () => {
    const corpus = buildCorpus({ seed: 5, entityCount: 60, count: 40 });
    const written = corpus.frames
      .map((f) => handLine((JSON.parse(f) as { event: unknown }).event))
      .filter((l) => l !== undefined);
    expect(written.length).toBeGreaterThan(30);
    for (const line of written) expect(line).toMatch(/^\S.* \d{16}$/s);
  });
});

describe("bench corpus through the sink's line writer (issue 14)", () => {
  it('writes every state event exactly as the point path (mapper + serialiser), nearly all of them itself', () => {
    const corpus = buildCorpus({ seed: 42, entityCount: 1500, count: 3000 });
    for (const serializeOptions of [{}, { stringNewlines: 'escape' } as const]) {
      const { toLine } = createSchemaCodec({}, {}, { precision: 'us', serializeOptions });
      const reference = createSchemaMapper({});
      const fields = createLineFields();
      let lines = 0;
      let states = 0;
      for (const frame of corpus.frames) {
        const parsed = splitFrame(frame);
        if (!parsed.ok) continue;
        for (const raw of parsed.messages) {
          const msg = classifyMessage(raw);
          if (msg.kind !== 'event') continue;
          const n = normaliseEvent(msg.event, { source: 'bench', mode: 'live', receivedAt: 1 });
          if (!n.ok) continue;
          if (n.event.event_type === 'state_changed') states++;
          const line = toLine?.(n.event, fields);
          if (line === null || line === undefined) continue;
          lines++;
          expect(line).toBe(serializePoints(reference(n.event), 'us', serializeOptions).lines[0]);
        }
      }
      expect(states).toBeGreaterThan(2000);
      expect(lines).toBeGreaterThan(0.98 * states);
    }
  });
});

describe('bench maths', () => {
  it('percentile uses the nearest rank', () => {
    const v = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 99)).toBe(10);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('median averages the middle pair', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('ratio and CPU per event', () => {
    expect(ratio(30_000, 60_000)).toBe(0.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(cpuMicrosPerEvent(20_000)).toBe(50);
  });

  it('slope of a line, of a flat series, and with too few points', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([0, 10, 20], [50, 50, 50])).toBe(0);
    expect(slope([1], [1])).toBeNaN();
  });

  it('judges higher- and lower-is-better targets', () => {
    expect(judge(0.7, 0.6, 'higher')).toBe(true);
    expect(judge(12, 10, 'lower')).toBe(false);
    expect(judge(Number.NaN, 1, 'lower')).toBe('n/a');
  });

  it('parses HA timestamps to µs', () => {
    expect(isoToMicros('2026-01-01T00:00:00.123456+00:00')).toBe(Date.UTC(2026, 0, 1) * 1000 + 123_456);
    expect(isoToMicros('2026-01-01T01:00:00+01:00')).toBe(Date.UTC(2026, 0, 1) * 1000);
  });
});

describe('issue 14 figures', () => {
  const at = (eventsPerCpuSecond: number, rssMaxMb: number): E2eResult => ({
    mode: 'ours',
    settings: { compression: false, gzip: true, batchSize: 1000, batchMaxWaitMs: 1000, strict: false },
    emitted: 1000,
    eventsPerCpuSecond,
    cpuPercent: 10,
    achievedRate: 2000,
    complete: true,
    cpuSeconds: 1,
    wallSeconds: 1,
    handled: 1000,
    eventLoopDelayP99Ms: 5,
    eventLoopDelayMaxMs: 9,
    latencyP50Ms: 10,
    latencyP99Ms: 20,
    latencySamples: 1000,
    rssMaxMb,
    rssEndMb: rssMaxMb,
    heapUsedMb: 30,
    heapAfterGcMb: 20,
    notes: [],
  });

  it('reads utime + stime from /proc/<pid>/stat, also when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 11 0 7 1 2';
    expect(cpuSecondsOfStat(stat)).toBe(3);
  });

  it('judges CPU per event at 2,000/s as µs ratios to the peer and the floor, and RSS of the app to the peer', () => {
    const app = {
      ratePerSecond: 2000,
      warmupSeconds: 3,
      seconds: 10,
      runs: [
        {
          label: 'as shipped',
          env: {},
          rssMaxMb: 90,
          rssSteadyMb: 85,
          cpuPercent: 20,
          writtenPerSecond: 2000,
          cpuMicrosPerEvent: 100,
          backlog: 0,
        },
      ],
    };
    // ours 50 µs, peer 100 µs, floor 25 µs.
    const f = issue14At2k({
      steady: { at2k: at(20_000, 150), at10k: at(1, 1), at2kFloor: at(40_000, 60), at2kPeer: at(10_000, 75) },
      appRss: app,
    });
    expect(f.oursMicros).toBe(50);
    expect(f.cpuVsPeer).toBe(0.5);
    expect(f.cpuVsFloor).toBe(2);
    expect(f.appRssVsPeer).toBe(1.2);
    const missing = issue14At2k({ steady: { at2k: at(20_000, 150), at10k: { error: 'x' } } });
    expect(missing.cpuVsPeer).toBeNaN();
    expect(missing.appRssMb).toBeNaN();
  });

  it('prints the GC pauses next to the event-loop delay, the kind with the most pause time first', () => {
    const line = gcPauseLine(
      {
        'mark-compact': { count: 1, totalMs: 12, maxMs: 12, over5ms: 1 },
        scavenge: { count: 40, totalMs: 800, maxMs: 48.6, over5ms: 38 },
      },
      33.8,
    );
    expect(line).toBe(
      'GC pauses at 2,000/s (ELD p99 33.8 ms): scavenge 40× (mean 20.0 ms, max 48.6 ms, 38 over 5 ms); mark-compact 1× (mean 12.0 ms, max 12.0 ms, 1 over 5 ms)',
    );
  });
});

describe('CPU split of a profile (issue 14)', () => {
  const bundle = [
    '// bench/e2e/ingestor-child.ts',
    'main();',
    '// node_modules/.pnpm/ws@8.18.0/node_modules/ws/lib/receiver.js',
    'class Receiver {}',
    '// packages/core/src/json/parse.ts',
    'function parseJsonText() {}',
    '// packages/sink-influx/src/schema/ha-line.ts',
    'function toLine() {}',
  ].join('\n');
  const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber });
  // root → receiver (bundle line 3) → parse (line 5) → an unclaimed node builtin; root → toLine (line 7); idle; GC.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1), children: [2, 5, 6, 7] },
      { id: 2, callFrame: frame('getData', 'file:///b.mjs', 3), children: [3] },
      { id: 3, callFrame: frame('parseJsonText', 'file:///b.mjs', 5), children: [4] },
      { id: 4, callFrame: frame('emit', 'node:events', 470) },
      { id: 5, callFrame: frame('toLine', 'file:///b.mjs', 7) },
      { id: 6, callFrame: frame('(idle)', '', -1) },
      { id: 7, callFrame: frame('(garbage collector)', '', -1) },
    ],
    samples: [2, 3, 4, 4, 5, 6, 6, 6, 7],
    timeDeltas: [100, 200, 300, 300, 400, 5000, 5000, 5000, 500],
  };
  const moduleOf = bundleModuleOfLine(bundle);
  const sourceOf = (url: string, line: number) => (url === 'file:///b.mjs' ? (moduleOf(line) ?? url) : url);

  it('names the module of a bundle line (pnpm paths shortened; before the first module: none)', () => {
    expect(moduleOf(3)).toBe('ws/lib/receiver.js');
    expect(moduleOf(4)).toBe('packages/core/src/json/parse.ts');
    expect(moduleOf(0)).toBe('bench/e2e/ingestor-child.ts');
    expect(bundleModuleOfLine('x\n// a.ts\ny')(0)).toBeUndefined();
  });

  it('sorts samples into parts by the nearest claimed frame, leaves idle out, and divides by events', () => {
    const split = splitCpuProfile(profile, 10, (url, line) =>
      url === 'file:///b.mjs' ? (moduleOf(line) ?? url) : url,
    );
    const part = (name: string) => split.parts.find((p) => p.part.startsWith(name))?.usPerEvent;
    expect(split.busyUsPerEvent).toBe(180); // 1,800 µs busy of 16,800 sampled, over 10 events
    expect(part('JSON.parse')).toBe(80); // parse itself and the node builtin it called
    expect(part('WebSocket frames')).toBe(10);
    expect(part('line protocol')).toBe(40);
    expect(part('garbage collection')).toBe(50);
    expect(part(OTHER_PART)).toBe(0);
    expect(split.parts.reduce((sum, p) => sum + p.share, 0)).toBeCloseTo(1, 10);
  });

  it('prints ours next to the peer, largest part first, with the busy ratio', () => {
    const ours = splitCpuProfile(profile, 10, sourceOf);
    const peer = splitCpuProfile(profile, 20, sourceOf);
    const lines = cpuSplitLines(ours, peer);
    expect(lines[2]).toMatch(/^\| JSON\.parse of frames .* \| 80\.0 \| 40\.0 \| 40\.0 \|$/);
    expect(lines.at(-1)).toMatch(/\| 180\.0 \| 90\.0 \| 2\.00× \|$/);
  });
});

describe('RSS by part (issue 14)', () => {
  const ours = {
    rssMb: 200,
    spacesMb: {
      new_space: 32,
      old_space: 60,
      large_object_space: 5,
      code_space: 4,
      map_space: 1,
      read_only_space: 0.5,
    },
    heapUsedMb: 50,
    externalMb: 10,
  };
  const peer = { rssMb: 100, spacesMb: { new_space: 16, old_space: 20, code_space: 2 }, heapUsedMb: 25, externalMb: 4 };

  it('splits the RSS into V8 spaces, external and the rest, summing to the RSS', () => {
    const parts = memoryParts(ours);
    expect(parts.map(([, mb]) => mb)).toEqual([32, 65, 4, 1.5, 10, 87.5]);
    expect(parts.reduce((sum, [, mb]) => sum + mb, 0)).toBe(200);
  });

  it('prints ours next to the peer with the RSS ratio and the live heap', () => {
    const lines = memoryLines(ours, peer);
    expect(lines[2]).toBe('| V8 new space (young generation) | 32.0 | 16.0 | 16.0 |');
    expect(lines.at(-2)).toBe('| **RSS** | 200.0 | 100.0 | 2.00× |');
    expect(lines.at(-1)).toBe('| of which live V8 objects (all spaces) | 50.0 | 25.0 |  |');
  });
});

describe("the app's memory from its /metrics (issue 14)", () => {
  it('reads heap space sizes, external and resident memory in MB', () => {
    const MiB = 2 ** 20;
    const text = [
      '# HELP ha_ingestor_process_nodejs_heap_space_size_total_bytes Process heap space size total from Node.js in bytes.',
      `ha_ingestor_process_nodejs_heap_space_size_total_bytes{space="new"} ${32 * MiB}`,
      `ha_ingestor_process_nodejs_heap_space_size_total_bytes{space="old"} ${64 * MiB}`,
      `ha_ingestor_process_nodejs_heap_space_size_used_bytes{space="new"} ${4 * MiB}`,
      `ha_ingestor_process_nodejs_heap_space_size_used_bytes{space="old"} ${40 * MiB}`,
      `ha_ingestor_process_nodejs_external_memory_bytes ${3 * MiB}`,
      `ha_ingestor_process_process_resident_memory_bytes ${150 * MiB}`,
      'ha_ingestor_events_received_total 12',
    ].join('\n');
    expect(memoryFromMetrics(text)).toEqual({
      rssMb: 150,
      spacesMb: { new_space: 32, old_space: 64 },
      heapUsedMb: 44,
      externalMb: 3,
    });
    expect(memoryFromMetrics('ha_ingestor_events_received_total 12')).toBeUndefined();
  });
});
