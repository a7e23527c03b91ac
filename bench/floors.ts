import { WebSocket, WebSocketServer } from './deps.js';
import type { Corpus } from './corpus.js';
import { handLine } from './hand-lp.js';
import { throughput } from './util.js';

/** One measured rate: events per wall second and per CPU second of this process. */
export interface Rate {
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
  readonly events: number;
}

/** Floor A: `JSON.parse` of every frame. */
export async function floorJsonParse(corpus: Corpus, minMs: number): Promise<Rate> {
  const frames = corpus.frames;
  let sink = 0;
  const r = await throughput(
    () => {
      for (const f of frames) sink += (JSON.parse(f) as { id: number }).id;
    },
    frames.length,
    minMs,
  );
  if (sink < 0) throw new Error('unreachable');
  return toRate(r, frames.length);
}

/** Floor B: parse + hand-serialised line protocol, joined into request bodies of 1,000 lines (discarded). */
export async function floorB(corpus: Corpus, minMs: number): Promise<Rate & { bytesPerEvent: number }> {
  const frames = corpus.frames;
  let bytes = 0;
  const r = await throughput(
    () => {
      bytes = 0;
      let lines: string[] = [];
      for (const f of frames) {
        const line = handLine((JSON.parse(f) as { event: unknown }).event);
        if (line !== undefined) lines.push(line);
        if (lines.length === 1000) {
          bytes += lines.join('\n').length;
          lines = [];
        }
      }
      bytes += lines.join('\n').length;
    },
    frames.length,
    minMs,
  );
  return { ...toRate(r, frames.length), bytesPerEvent: bytes / frames.length };
}

/**
 * Floor C: the ws transport alone — frames from a local `ws` server to a `ws` client (no deflate),
 * both in this process, so CPU covers both ends. Bounded by `maxMs` and the frame count.
 */
export async function floorWsTransport(corpus: Corpus, totalFrames: number, maxMs: number): Promise<Rate> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as { port: number }).port;
  const frames = corpus.frames;
  try {
    wss.on('connection', (ws) => {
      let i = 0;
      const pump = (): void => {
        while (i < totalFrames && ws.bufferedAmount < 1 << 20) ws.send(frames[i++ % frames.length] as string);
        if (i < totalFrames) setImmediate(pump);
      };
      pump();
    });
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ws floor: ${received}/${totalFrames} frames after ${maxMs} ms`)),
        maxMs,
      );
      client.on('message', () => {
        if (++received === totalFrames) {
          clearTimeout(timer);
          resolve();
        }
      });
      client.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    client.close();
    return {
      events: received,
      eventsPerSecond: received / wallS,
      eventsPerCpuSecond: received / ((cpu.user + cpu.system) / 1e6),
    };
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}

function toRate(r: { opsPerSecond: number; runs: number; cpuSeconds: number }, perRun: number): Rate {
  return {
    eventsPerSecond: r.opsPerSecond,
    eventsPerCpuSecond: (r.runs * perRun) / r.cpuSeconds,
    events: r.runs * perRun,
  };
}
