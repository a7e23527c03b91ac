import { createServer } from 'node:http';
import type { Server } from 'node:http';

/** A local InfluxDB stand-in: accepts `/write` and `/api/v2/write`, counts and discards; 127.0.0.1 only. */
export interface DiscardServer {
  readonly url: string;
  /** `lines` counts the points of uncompressed bodies only (gzipped bodies are not inflated). */
  readonly counts: () => { requests: number; bytes: number; lines: number };
  readonly close: () => Promise<void>;
}

export async function startDiscardServer(): Promise<DiscardServer> {
  let requests = 0;
  let bytes = 0;
  let lines = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && (path === '/write' || path === '/api/v2/write')) {
      const plain = req.headers['content-encoding'] === undefined;
      let last = 0x0a;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (!plain) return;
        for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
        last = chunk[chunk.length - 1] ?? last;
      });
      req.on('end', () => {
        if (plain && last !== 0x0a) lines++;
        requests++;
        res.writeHead(204).end();
      });
      return;
    }
    req.resume();
    if (path === '/ping') res.writeHead(204, { 'x-influxdb-version': '2.7.0' }).end();
    else if (path === '/health')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"pass","version":"2.7.0"}');
    else if (path === '/query')
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
    else res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ requests, bytes, lines }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
