// A webhook receiver on loopback for the tests: a real node:http server whose answers a test scripts.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the receiver got. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly url: string;
}

/** What the receiver does with a request: answer with a status (and headers/body), hang, or reset. */
export type Reply =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly hang: true }
  | { readonly reset: true };

/** A scripted receiver: `replies` are used in order, then 200 for everything. */
export interface Receiver {
  readonly url: string;
  readonly requests: Received[];
  /** Events of the requests answered 2xx, parsed. */
  readonly accepted: () => unknown[];
  readonly script: (...replies: Reply[]) => void;
  readonly close: () => Promise<void>;
}

/** Starts a receiver on 127.0.0.1 (any free port). */
export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const okBodies: Buffer[] = [];
  const queue: Reply[] = [];
  const sockets = new Set<Socket>();
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({ headers: req.headers, raw, url: req.url ?? '' });
      const reply = queue.shift() ?? { status: 200 };
      if ('hang' in reply) {
        hanging.push(res);
        return;
      }
      if ('reset' in reply) {
        req.socket.resetAndDestroy();
        return;
      }
      if (reply.status >= 200 && reply.status < 300) okBodies.push(raw);
      res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    accepted: () => okBodies.flatMap((b) => JSON.parse(b.toString('utf8')) as unknown[]),
    script: (...replies) => queue.push(...replies),
    close: async () => {
      for (const res of hanging) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
