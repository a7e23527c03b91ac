import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SdkError } from '@ha-ingestor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from './http.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A loopback server answering every request with `handler`. */
async function serve(handler: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => handler(res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, reported: SdkError[] = [], maxResponseBytes?: number) {
  return createHttpClient({
    baseUrl,
    timeoutMs: 5_000,
    gzipThresholdBytes: Number.POSITIVE_INFINITY,
    stage: 'sink:test',
    report: (e) => reported.push(e),
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  });
}

describe('createHttpClient', () => {
  it('reads a small answer completely', async () => {
    const url = await serve((res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad"}'));
    const http = client(url);
    await expect(http.request({ method: 'POST', path: '/write', body: 'm v=1 1' })).resolves.toMatchObject({
      status: 400,
      body: '{"error":"bad"}',
    });
    http.close();
  });

  it('ends an answer that grows past maxResponseBytes with a retryable SINK_UNAVAILABLE (response_too_large)', async () => {
    // An endless stream, as from a URL pointing at the wrong thing: the client must not buffer it all.
    let written = 0;
    const url = await serve((res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        for (let more = true; more && !res.destroyed; written += chunk.length) more = res.write(chunk);
      };
      res.on('drain', pump);
      pump();
    });
    const reported: SdkError[] = [];
    const http = client(url, reported, 64 * 1024);
    await expect(http.request({ method: 'GET', path: '/ping' })).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
      data: { reason: 'response_too_large' },
      message: expect.stringContaining('larger than 65536 bytes'),
    });
    expect(written).toBeGreaterThan(64 * 1024);
    expect(reported).toEqual([]);
    http.close();
  });
});
