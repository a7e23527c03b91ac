import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../test/http-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A database that takes queries and never answers; records each query's socket. */
async function silentDatabase(): Promise<{ server: Server; url: string; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((req) => void sockets.push(req.socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

async function api(url: string): Promise<TestApi> {
  const a = await startTestApi({
    storeExport: { database: { url, apiVersion: '1', database: 'ha' }, toLineProtocol: () => '' },
  });
  cleanups.push(() => a.close());
  return a;
}

describe('/api/v1/export from the database', () => {
  it('a client that disconnects aborts the database query and frees its slot', async () => {
    const db = await silentDatabase();
    const a = await api(db.url);
    const path = '/api/v1/export?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z&format=ndjson';
    for (let round = 0; round < 3; round++) {
      // Three rounds with a limit of two: only works if every disconnect released its slot.
      const req = request({ host: '127.0.0.1', port: a.port, path, agent: false });
      req.on('error', () => undefined);
      req.end();
      await waitFor(() => db.sockets.length === round + 1, 'the export query reached the database');
      const socket = db.sockets[round] as Socket;
      req.destroy();
      await waitFor(() => socket.destroyed, 'the database query was cancelled');
    }
    expect(db.sockets.every((s) => s.destroyed)).toBe(true);
  });

  it('HEAD answers the headers of the export without querying', async () => {
    const db = await silentDatabase();
    const a = await api(db.url);
    const res = await new Promise<{ status: number; disposition: unknown }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: a.port,
          method: 'HEAD',
          path: '/api/v1/export?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z&format=lp',
          agent: false,
        },
        (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, disposition: r.headers['content-disposition'] });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(res).toEqual({
      status: 200,
      disposition: 'attachment; filename="ha-export_2026-01-01T00-00-00-000Z_2026-01-02T00-00-00-000Z.lp"',
    });
    expect(db.sockets).toHaveLength(0);
  });
});
