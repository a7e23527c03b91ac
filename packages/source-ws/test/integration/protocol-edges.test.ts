import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ErrorCode, createRegistryStore, isSdkError, pipeline, createGuard } from '@ha-ingestor/core';
import { waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { connectHa } from '../../src/connection/connection.js';
import { haWebSocketSource } from '../../src/ha-websocket-source.js';
import type { HaWebSocketHooks } from '../../src/ha-websocket-source.js';
import { collectingSink } from './harness.js';

// Issue 11: connectHa takes the guard its socket callbacks run through; here a throw fails the test loudly.
const guard = createGuard({ report: (error) => expect.unreachable(String(error)) }, 'source:test');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A wss:// server with a fresh self-signed certificate for 127.0.0.1 that speaks HA's auth phase. */
async function tlsHa(): Promise<{ url: string; ca: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ha-ws-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const https = createServer({ key: readFileSync(key), cert: readFileSync(cert) });
  const wss = new WebSocketServer({ server: https, path: '/api/websocket' });
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'auth_required', ha_version: '2026.1.0' }));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; id?: number };
      if (msg.type === 'auth') ws.send(JSON.stringify({ type: 'auth_ok', ha_version: '2026.1.0' }));
      else ws.send(JSON.stringify({ id: msg.id, type: 'result', success: true, result: null }));
    });
  });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    await new Promise<void>((r) => https.close(() => r()));
  });
  return {
    url: `wss://127.0.0.1:${(https.address() as AddressInfo).port}/api/websocket`,
    ca: readFileSync(cert, 'utf8'),
  };
}

describe('connection edge cases', () => {
  it('explains a TLS failure (self-signed certificate) and connects once tls.ca trusts it', async () => {
    const server = await tlsHa();
    const error = await connectHa({
      url: server.url,
      token: 'x',
      connectTimeoutMs: 5_000,
      compression: false,
      guard,
    }).catch((e: unknown) => e);
    expect(isSdkError(error, ErrorCode.CONNECTION_LOST)).toBe(true);
    expect((error as Error).message).toMatch(
      /TLS handshake with HA at 127\.0\.0\.1:\d+ failed \(DEPTH_ZERO_SELF_SIGNED_CERT/,
    );
    expect((error as Error).message).toContain('tls.ca');
    const conn = await connectHa({
      url: server.url,
      token: 'x',
      connectTimeoutMs: 5_000,
      compression: false,
      tls: { ca: server.ca },
      guard,
    });
    expect(conn.haVersion).toBe('2026.1.0');
    await conn.close();
  });

  it('answers HA WebSocket ping frames, so HA (aiohttp heartbeat) keeps the connection', async () => {
    // The simulator pings after 50 ms of silence and drops the link when no pong comes within 25 ms; it
    // sends its next ping only after a pong restarted the wait. So the 8th ping proves 7 pongs in time.
    const sim = await createHaSimulator({ seed: 3, heartbeatMs: 50 });
    cleanups.push(() => sim.close());
    let pings = 0;
    const conn = await connectHa({
      url: sim.url,
      token: sim.token,
      connectTimeoutMs: 2_000,
      compression: false,
      guard,
      createSocket: (url, options) => new WebSocket(url, options).on('ping', () => (pings += 1)),
    });
    cleanups.push(() => conn.close());
    await waitFor(() => pings, '8 server pings', { until: (n) => n >= 8, timeoutMs: 5_000 });
    expect(sim.connectionCount()).toBe(1);
    await conn.ping();
  });

  it('offers permessage-deflate only when compression is on', async () => {
    const sim = await createHaSimulator({ seed: 8, perMessageDeflate: true });
    cleanups.push(() => sim.close());
    const negotiated: string[] = [];
    for (const compression of [false, true]) {
      let socket: WebSocket | undefined;
      const conn = await connectHa({
        url: sim.url,
        token: sim.token,
        connectTimeoutMs: 2_000,
        compression,
        guard,
        createSocket: (url, options) => (socket = new WebSocket(url, options)),
      });
      negotiated.push(socket?.extensions ?? '?');
      await conn.close();
    }
    expect(negotiated[0]).toBe('');
    expect(negotiated[1]).toContain('permessage-deflate');
  });

  it('unsubscribes every subscription and closes with 1000 on stop', async () => {
    const sim = await createHaSimulator({ seed: 4 });
    cleanups.push(() => sim.close());
    const sent: { type?: string; subscription?: number }[] = [];
    const createSocket: NonNullable<HaWebSocketHooks['createSocket']> = (url, options) => {
      const ws = new WebSocket(url, options);
      const send = ws.send.bind(ws);
      ws.send = ((data: string, cb?: (err?: Error) => void) => {
        sent.push(JSON.parse(data) as { type?: string });
        send(data, cb);
      }) as typeof ws.send;
      return ws;
    };
    let connected = false;
    const p = pipeline(haWebSocketSource({ url: sim.url, token: sim.token }, { createSocket }))
      .to(collectingSink())
      .build();
    p.events.on('source:status', (_n, s) => (connected ||= s.connected));
    await p.start();
    await waitFor(() => connected, 'connect');
    await waitFor(() => sim.subscriptionCount(), 'four subscriptions', { until: (n) => n === 4 });
    await p.stop();
    const subscribed = sent.filter((m) => m.type === 'subscribe_events').length;
    const unsubscribed = sent.filter((m) => m.type === 'unsubscribe_events').length;
    expect(subscribed).toBe(4);
    expect(unsubscribed).toBe(4);
    expect(sim.subscriptionCount()).toBe(0);
  });

  it('stops with a fatal COMMAND_FAILED when HA refuses a subscription (no reconnect loop)', async () => {
    const sim = await createHaSimulator({ seed: 6 });
    cleanups.push(() => sim.close());
    let attempts = 0;
    const createSocket: NonNullable<HaWebSocketHooks['createSocket']> = (url, options) => {
      attempts += 1;
      return new WebSocket(url, options);
    };
    // HA refuses subscribe_events for state_reported (it needs an event filter).
    const p = pipeline(
      haWebSocketSource(
        { url: sim.url, token: sim.token, eventTypes: ['state_changed', 'state_reported'] },
        { createSocket },
      ),
    )
      .to(collectingSink())
      .build();
    p.events.on('error', () => undefined);
    await p.start();
    cleanups.push(async () => void (await p.stop()));
    const failure = await p.idle().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSdkError(failure, ErrorCode.COMMAND_FAILED)).toBe(true);
    expect((failure as { data?: { haCode?: string } }).data?.haCode).toBeDefined();
    expect(attempts).toBe(1);
  });

  it('keeps the registry store current from *_registry_updated events', async () => {
    const sim = await createHaSimulator({ seed: 5 });
    cleanups.push(() => sim.close());
    const registry = createRegistryStore();
    const p = pipeline(
      haWebSocketSource({ url: sim.url, token: sim.token, registry: { debounceMs: 20 } }, { registry }),
    )
      .to(collectingSink())
      .build();
    await p.start();
    cleanups.push(async () => void (await p.stop()));
    await waitFor(() => registry.snapshot().entities.size > 0, 'initial registry sync');
    const victim = [...registry.snapshot().entities.keys()][0] ?? '';
    const version = registry.snapshot().version;
    sim.removeEntity(victim);
    await waitFor(() => !registry.snapshot().entities.has(victim), 'entity removed from the registry store');
    expect(registry.snapshot().version).toBeGreaterThan(version);
  });
});
