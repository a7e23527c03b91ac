import { Agent, request } from 'node:http';
import { WebSocket } from '../deps.js';
import { handLine, isoToMicros } from '../hand-lp.js';
import type { RunningIngestor, StartArgs } from './protocol.js';

const EVENT_TYPES = ['state_changed', 'call_service', 'automation_triggered', 'script_started'];

/**
 * The end-to-end floor: the least code that gets HA events into InfluxDB — a bare `ws` client (auth,
 * coalesced messages, one subscription per event type), JSON.parse, the hand-written line protocol, a
 * keep-alive POST per 1,000 lines (or every `batchMaxWaitMs`). No validation, dedupe, enrichment, retry,
 * backpressure or acknowledgement bookkeeping beyond counting.
 */
export function startFloor(args: StartArgs): Promise<RunningIngestor> {
  const { settings } = args;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const sink = new URL(args.sinkUrl);
  let handled = 0;
  let lines: string[] = [];
  let times: number[] = [];
  let skipped = 0;
  const post = (body: string, count: number, fired: readonly number[]): void => {
    const req = request(
      {
        host: sink.hostname,
        port: sink.port,
        method: 'POST',
        path: '/api/v2/write?org=bench&bucket=bench&precision=us',
        agent,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          handled += count;
          for (const t of fired) args.onLatency(t);
        });
      },
    );
    req.on('error', (err) => process.stderr.write(`floor: POST failed: ${err.message}\n`));
    req.end(body);
  };
  const flush = (): void => {
    if (lines.length === 0) {
      handled += skipped;
      skipped = 0;
      return;
    }
    post(lines.join('\n'), lines.length + skipped, times);
    lines = [];
    times = [];
    skipped = 0;
  };
  const timer = setInterval(flush, settings.batchMaxWaitMs);

  const ws = new WebSocket(args.url, { perMessageDeflate: settings.compression });
  let nextId = 1;
  const onEvent = (event: { time_fired?: unknown }): void => {
    const line = handLine(event);
    if (line === undefined) skipped++;
    else {
      lines.push(line);
      if (typeof event.time_fired === 'string') times.push((isoToMicros(event.time_fired) ?? 0) / 1000);
      if (lines.length >= settings.batchSize) flush();
    }
  };
  return new Promise<RunningIngestor>((resolve, reject) => {
    let subscribed = 0;
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const parsed = JSON.parse(data.toString('utf8')) as unknown;
      const messages = (Array.isArray(parsed) ? parsed : [parsed]) as {
        type?: string;
        event?: { time_fired?: unknown };
      }[];
      for (const m of messages) {
        if (m.type === 'event' && m.event !== undefined) onEvent(m.event);
        else if (m.type === 'auth_required') ws.send(JSON.stringify({ type: 'auth', access_token: args.token }));
        else if (m.type === 'auth_ok') {
          ws.send(JSON.stringify({ id: nextId++, type: 'supported_features', features: { coalesce_messages: 1 } }));
          for (const t of EVENT_TYPES)
            ws.send(JSON.stringify({ id: nextId++, type: 'subscribe_events', event_type: t }));
        } else if (m.type === 'result' && ++subscribed === EVENT_TYPES.length + 1) {
          resolve({
            handled: () => handled,
            notes: [],
            stop: async () => {
              clearInterval(timer);
              ws.close();
              agent.destroy();
              await Promise.resolve();
            },
          });
        }
      }
    });
  });
}
