import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SdkError } from '../model/errors.js';
import { httpExchange, type HttpExchangeOptions } from './http-exchange.js';

const servers: Server[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const a of agents.splice(0)) a.destroy();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/in?x=1`);
}

function options(url: URL, over: Partial<HttpExchangeOptions> = {}): HttpExchangeOptions {
  const agent = new Agent({ keepAlive: true });
  agents.push(agent);
  return {
    url,
    method: 'POST',
    agent,
    timeout: { ms: 5_000, kind: 'total' },
    maxResponseBytes: 1024,
    overflow: 'fail',
    stage: 'sink:test',
    target: 'POST http://receiver/in',
    report: () => undefined,
    ...over,
  };
}

describe('httpExchange', () => {
  it('sends method, path, query, headers, body with its length and basic auth; resolves with any status', async () => {
    const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];
    const url = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(503, { 'retry-after': '7' }).end('busy');
      });
    });
    const res = await httpExchange(
      options(url, { body: Buffer.from('hello'), headers: { 'x-a': 'b' }, auth: 'u:p w@' }),
    );
    expect(res).toMatchObject({ status: 503, body: 'busy', headers: { 'retry-after': '7' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/in?x=1', body: 'hello' });
    expect(seen[0]?.headers).toMatchObject({
      'x-a': 'b',
      'content-length': '5',
      authorization: `Basic ${Buffer.from('u:p w@').toString('base64')}`,
    });
  });

  it('overflow "truncate" keeps maxResponseBytes of a long answer and still resolves', async () => {
    const url = await serve((_req, res) => res.end('x'.repeat(5000)));
    const res = await httpExchange(options(url, { maxResponseBytes: 100, overflow: 'truncate' }));
    expect(res.status).toBe(200);
    expect(res.body).toBe('x'.repeat(100));
  });

  it('overflow "fail" ends a long answer with a retryable SINK_UNAVAILABLE (response_too_large)', async () => {
    const url = await serve((_req, res) => res.end('x'.repeat(5000)));
    await expect(httpExchange(options(url, { maxResponseBytes: 100 }))).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
      data: { reason: 'response_too_large' },
      message: 'POST http://receiver/in: response larger than 100 bytes',
    });
  });

  it('a "total" timeout fails an answer that trickles past the deadline (timeout, retryable)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial'); // never ends
      started();
    });
    const pending = httpExchange(options(url, { timeout: { ms: 10_000, kind: 'total' } }));
    const outcome = pending.catch((e: unknown) => e as SdkError);
    await begun;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
      data: { reason: 'timeout' },
      message: 'POST http://receiver/in: no complete answer within 10000 ms',
    });
  });

  // node:net runs socket idle timers on its own timer list, which fake timers do not reach: 30 ms real time.
  it('an "idle" timeout fails a silent socket with its own message', async () => {
    const url = await serve(() => undefined); // accepts, never answers
    await expect(httpExchange(options(url, { timeout: { ms: 30, kind: 'idle' } }))).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      data: { reason: 'timeout' },
      message: 'POST http://receiver/in: no answer within 30 ms',
    });
  });

  it('an abort before or during the request rejects with ABORTED naming the stage', async () => {
    const url = await serve(() => undefined);
    const before = new AbortController();
    before.abort();
    await expect(httpExchange(options(url, { signal: before.signal }))).rejects.toMatchObject({
      code: 'ABORTED',
      message: 'sink:test: request aborted',
    });
    const during = new AbortController();
    const pending = httpExchange(options(url, { signal: during.signal }));
    during.abort(new Error('shutdown'));
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED', retryable: false });
  });

  it('a refused connection is a retryable network error naming the target and the errno, not the URL', async () => {
    const url = await serve(() => undefined);
    const closed = servers.pop() as Server;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = (await httpExchange(options(url, { auth: 'user:hunter2' })).catch((e: unknown) => e)) as SdkError;
    expect(error).toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
      data: { reason: 'network', errno: 'ECONNREFUSED' },
      message: 'POST http://receiver/in failed: ECONNREFUSED',
    });
    expect(JSON.stringify({ message: error.message, data: error.data })).not.toContain('hunter2');
  });
});
