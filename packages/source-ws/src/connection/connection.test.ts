import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { ErrorCode, createGuard, isSdkError } from '@ha-ingestor/core';
import type { DeadLetterInput } from '@ha-ingestor/core';
import type { JsonTextError } from '@ha-ingestor/core/json';
import { connectHa } from './connection.js';
import type { HaConnection } from './connection.js';

const TOKEN = 'SECRET-TOKEN-c0ffee-1234567890';

interface FakeHa {
  readonly url: string;
  readonly received: Record<string, unknown>[];
  readonly sockets: WebSocket[];
  close(): Promise<void>;
}

/** A minimal in-test HA: auth phase, then `reply` decides what to answer per command. */
async function fakeHa(
  reply: (msg: Record<string, unknown>, ws: WebSocket) => void = defaultReply,
  path = '/api/websocket',
): Promise<FakeHa> {
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    if (req.url !== path) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });
  const received: Record<string, unknown>[] = [];
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws: WebSocket) => {
    sockets.push(ws);
    let authed = false;
    ws.send(JSON.stringify({ type: 'auth_required', ha_version: '2026.1.0' }));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      received.push(msg);
      if (!authed) {
        if (msg['access_token'] === TOKEN && !('id' in msg)) {
          authed = true;
          ws.send(JSON.stringify({ type: 'auth_ok', ha_version: '2026.1.0' }));
        } else {
          ws.send(JSON.stringify({ type: 'auth_invalid', message: 'Invalid access token or password' }));
          ws.close(1000);
        }
        return;
      }
      reply(msg, ws);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}${path === '/api/websocket' ? path : '/api/websocket'}`,
    received,
    sockets,
    close: async () => {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function defaultReply(msg: Record<string, unknown>, ws: WebSocket): void {
  const id = msg['id'];
  if (msg['type'] === 'ping') ws.send(JSON.stringify({ id, type: 'pong' }));
  else if (msg['type'] === 'bad')
    ws.send(
      JSON.stringify({
        id,
        type: 'result',
        success: false,
        error: { code: 'invalid_format', message: 'extra keys not allowed' },
      }),
    );
  else if (msg['type'] === 'subscribe_events') {
    // Coalesced: the result and the first event in one array frame, as HA's writer does.
    const event = { event_type: msg['event_type'], data: {}, time_fired: '2026-01-01T00:00:00+00:00' };
    ws.send(
      JSON.stringify([
        { id, type: 'result', success: true, result: null },
        { id, type: 'event', event },
      ]),
    );
  } else ws.send(JSON.stringify({ id, type: 'result', success: true, result: { echo: msg['type'] } }));
}

const servers: FakeHa[] = [];
const conns: HaConnection[] = [];
const reported: unknown[] = [];
const deadLetters: DeadLetterInput[] = [];
const guard = createGuard({ report: (e) => reported.push(e), deadLetter: (d) => deadLetters.push(d) }, 'source:test');
afterEach(async () => {
  for (const c of conns.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
  // Nothing a test did not expect may have gone through the guard.
  expect(reported.splice(0)).toEqual([]);
  expect(deadLetters.splice(0)).toEqual([]);
});

async function open(server: FakeHa, extra: Partial<Parameters<typeof connectHa>[0]> = {}) {
  const conn = await connectHa({
    url: server.url,
    token: TOKEN,
    connectTimeoutMs: 2_000,
    compression: false,
    guard,
    ...extra,
  });
  conns.push(conn);
  return conn;
}

describe('connectHa', () => {
  it('dead-letters a message whose handler throws on its own; the rest of its frame is handled and the connection stays up (issue 11)', async () => {
    const server = await fakeHa((msg, ws) => {
      const id = msg['id'];
      if (msg['type'] !== 'subscribe_events') return defaultReply(msg, ws);
      const event = (n: number) => ({ id, type: 'event', event: { event_type: 'x', data: { n } } });
      ws.send(JSON.stringify([{ id, type: 'result', success: true, result: null }, event(1), event(2), event(3)]));
    });
    servers.push(server);
    const conn = await open(server);
    const seen: number[] = [];
    await conn.subscribeEvents('x', (e) => {
      const n = (e as { data: { n: number } }).data.n;
      if (n === 2) throw new RangeError('Maximum call stack size exceeded');
      seen.push(n);
    });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([1, 3]);
    expect(reported.splice(0).map((e) => (e as Error).message)).toEqual(['Maximum call stack size exceeded']);
    expect(deadLetters.splice(0)).toEqual([
      expect.objectContaining({
        reason: 'callback_failed',
        raw: { id: 2, type: 'event', event: { event_type: 'x', data: { n: 2 } } },
      }),
    ]);
    await conn.ping(); // still connected
  });

  it('refuses a frame nested past MAX_JSON_DEPTH as json_too_deep without walking it (issue 11)', async () => {
    const server = await fakeHa((msg, ws) => {
      if (msg['type'] === 'deep') ws.send(`[${'['.repeat(3000)}${']'.repeat(3000)}]`);
      defaultReply(msg, ws);
    });
    servers.push(server);
    const invalid: JsonTextError[] = [];
    const conn = await open(server, { onInvalidFrame: (_text, error) => invalid.push(error) });
    await conn.command('deep');
    expect(invalid).toEqual([expect.objectContaining({ reason: 'json_too_deep' })]);
    await conn.ping();
  });

  it('authenticates without an id in the auth message and sends supported_features first', async () => {
    const server = await fakeHa();
    servers.push(server);
    const conn = await open(server);
    expect(conn.haVersion).toBe('2026.1.0');
    expect(server.received[0]).toEqual({ type: 'auth', access_token: TOKEN });
    expect(server.received[1]).toEqual({ id: 1, type: 'supported_features', features: { coalesce_messages: 1 } });
  });

  it('allocates strictly increasing ids in write order for concurrent commands', async () => {
    const server = await fakeHa();
    servers.push(server);
    const conn = await open(server);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => conn.command<{ echo: string }>(`cmd_${i}`)));
    expect(answers.map((a) => a.echo)).toEqual(Array.from({ length: 50 }, (_, i) => `cmd_${i}`));
    const ids = server.received.slice(1).map((m) => m['id'] as number);
    expect(ids).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
  });

  it('correlates pong with ping and delivers events of coalesced frames', async () => {
    const server = await fakeHa();
    servers.push(server);
    const conn = await open(server);
    await conn.ping();
    const events: unknown[] = [];
    const id = await conn.subscribeEvents('state_changed', (e) => events.push(e));
    expect(id).toBeGreaterThan(1);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([{ event_type: 'state_changed', data: {}, time_fired: '2026-01-01T00:00:00+00:00' }]);
  });

  it('rejects success:false with COMMAND_FAILED carrying haCode and haMessage', async () => {
    const server = await fakeHa();
    servers.push(server);
    const conn = await open(server);
    const error = await conn.command('bad').catch((e: unknown) => e);
    expect(isSdkError(error, ErrorCode.COMMAND_FAILED)).toBe(true);
    expect((error as { data: unknown }).data).toMatchObject({
      haCode: 'invalid_format',
      haMessage: 'extra keys not allowed',
    });
  });

  it('fails auth with a fatal AUTH_FAILED whose message never contains the token', async () => {
    const server = await fakeHa();
    servers.push(server);
    const wrong = `${TOKEN}-WRONG`;
    const error = await connectHa({
      url: server.url,
      token: wrong,
      connectTimeoutMs: 2_000,
      compression: false,
      guard,
    }).catch((e: unknown) => e);
    expect(isSdkError(error, ErrorCode.AUTH_FAILED)).toBe(true);
    expect((error as Error).message).toContain('Invalid access token or password');
    expect((error as Error).message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect((error as { retryable: boolean }).retryable).toBe(false);
  });

  it('times out with TIMEOUT when HA never finishes the setup', async () => {
    const server = await fakeHa(() => undefined);
    servers.push(server);
    const error = await connectHa({
      url: server.url,
      token: TOKEN,
      connectTimeoutMs: 200,
      compression: false,
      guard,
    }).catch((e: unknown) => e);
    expect(isSdkError(error, ErrorCode.TIMEOUT)).toBe(true);
  });

  it('rejects pending commands with CONNECTION_LOST when the socket drops', async () => {
    const server = await fakeHa((msg, ws) => (msg['type'] === 'hang' ? undefined : defaultReply(msg, ws)));
    servers.push(server);
    const conn = await open(server);
    const pending = conn.command('hang').catch((e: unknown) => e);
    for (const s of server.sockets) s.terminate();
    expect(isSdkError(await pending, ErrorCode.CONNECTION_LOST)).toBe(true);
    expect((await conn.closed).code).toBe(1006);
  });

  it('reports a refused connection with host:port', async () => {
    const server = await fakeHa();
    const url = server.url;
    await server.close();
    const error = await connectHa({ url, token: TOKEN, connectTimeoutMs: 2_000, compression: false, guard }).catch(
      (e: unknown) => e,
    );
    expect(isSdkError(error, ErrorCode.CONNECTION_LOST)).toBe(true);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)/);
  });

  it('explains an HTTP 404 on the upgrade as a missing /api/websocket', async () => {
    const server = await fakeHa();
    servers.push(server);
    const error = await connectHa({
      url: server.url.replace('/api/websocket', '/'),
      token: TOKEN,
      connectTimeoutMs: 2_000,
      compression: false,
      guard,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('missing /api/websocket?');
  });

  it('terminate() ends the connection with the given error', async () => {
    const server = await fakeHa();
    servers.push(server);
    const conn = await open(server);
    const { SdkError } = await import('@ha-ingestor/core');
    conn.terminate(new SdkError(ErrorCode.CONNECTION_LOST, 'dead link'));
    const info = await conn.closed;
    expect(info.error?.message).toBe('dead link');
  });
});
