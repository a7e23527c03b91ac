import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { HaEvent } from '@ha-ingestor/core';
import { createTestSourceContext, waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { haWebSocketSource } from '../../src/ha-websocket-source.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A replay server: HA's auth phase, then every `subscribe_events` for state_changed is answered and
 * followed by the pre-serialised events in coalesced array frames, as fast as the socket takes them.
 */
async function replayServer(eventsJson: readonly string[], frameSize: number) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  let sentAt = 0;
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'auth_required', ha_version: '2026.1.0' }));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; id?: number; event_type?: string };
      if (msg.type === 'auth') return void ws.send(JSON.stringify({ type: 'auth_ok', ha_version: '2026.1.0' }));
      if (msg.type === 'ping') return void ws.send(JSON.stringify({ id: msg.id, type: 'pong' }));
      ws.send(
        JSON.stringify({ id: msg.id, type: 'result', success: true, result: msg.type === 'get_states' ? [] : null }),
      );
      if (msg.type === 'subscribe_events' && msg.event_type === 'state_changed') {
        sentAt = performance.now();
        for (let i = 0; i < eventsJson.length; i += frameSize) {
          const frame = eventsJson.slice(i, i + frameSize).map((e) => `{"id":${msg.id},"type":"event","event":${e}}`);
          ws.send(`[${frame.join(',')}]`);
        }
      }
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api/websocket`, sentAt: () => sentAt };
}

describe('source throughput', () => {
  it('moves a replayed burst through socket → parse → buffer → emitBatch, counting each event once', async () => {
    const sim = await createHaSimulator({ seed: 41 });
    sim.step(30_000);
    const json = sim.emitted.filter((e) => e.event.event_type === 'state_changed').map((e) => e.json);
    await sim.close();
    const server = await replayServer(json, 100);
    const ctx = createTestSourceContext<HaEvent>();
    const source = haWebSocketSource({
      url: server.url,
      token: 't',
      backfill: { enabled: false },
      inboundBuffer: { maxEvents: 100_000 },
    });
    const running = source.run(ctx);
    await waitFor(() => ctx.events.length, 'all replayed events', {
      until: (n) => n >= json.length,
      timeoutMs: 60_000,
    });
    const seconds = (performance.now() - server.sentAt()) / 1000;
    ctx.abort();
    await running;
    expect(new Set(ctx.events.map((e) => e.key)).size).toBe(json.length);
    console.info(
      `[figures] source alone (replay server, ack at once): ${json.length} state changes in ${seconds.toFixed(2)} s = ${Math.round(json.length / seconds)} events/s`,
    );
  });
});
