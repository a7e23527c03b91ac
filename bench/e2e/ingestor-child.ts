/**
 * Child process entry: runs ONE ingestor implementation against the parent's simulator and discard
 * endpoint, so that `process.cpuUsage()` here is the ingestor's CPU and nothing else.
 * Modes: `ours` (source-ws → pipeline → sink), `floor` (bare ws client → JSON.parse → hand LP → POST),
 * `peer-hajs` (home-assistant-js-websocket + @influxdata/influxdb-client Point API, as a user writes it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FromChild, IngestorMode, LatencySink, RunningIngestor, StartArgs, ToChild } from './protocol.js';
import { percentile } from '../util.js';
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
  let cpu0 = process.cpuUsage();
  let t0 = process.hrtime.bigint();
  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 250);

  process.on('message', (raw: ToChild) => {
    void handle(raw).catch((error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    });
  });

  async function handle(msg: ToChild): Promise<void> {
    switch (msg.cmd) {
      case 'init': {
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
        rssMax = process.memoryUsage.rss();
        cpu0 = process.cpuUsage();
        t0 = process.hrtime.bigint();
        await ingestor?.begin?.();
        send({ type: 'marked' });
        return;
      case 'measure': {
        const cpu = process.cpuUsage(cpu0);
        const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
        eld.disable();
        const mem = process.memoryUsage();
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
