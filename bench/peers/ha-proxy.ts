import { WebSocket, WebSocketServer } from '../deps.js';

/** A WebSocket pass-through in front of the simulator (127.0.0.1), answering what the simulator lacks. */
export interface HaProxy {
  /** `ws://127.0.0.1:PORT/api/websocket`. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

/**
 * node-red-contrib-home-assistant-websocket sends `auth/current_user` right after auth and gives up when
 * it fails; the simulator does not implement it (real HA does). This proxy answers that one command with an
 * owner user and forwards every other frame unchanged in both directions. It runs in the bench parent, so
 * its CPU is not counted against the peer.
 */
export async function startHaProxy(upstreamUrl: string): Promise<HaProxy> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/api/websocket', perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as { port: number }).port;
  wss.on('connection', (client) => {
    const upstream = new WebSocket(upstreamUrl, { perMessageDeflate: false });
    const queued: string[] = [];
    upstream.on('open', () => {
      for (const m of queued.splice(0)) upstream.send(m);
    });
    upstream.on('message', (data: Buffer) => client.send(data.toString('utf8')));
    upstream.on('close', () => client.close());
    upstream.on('error', () => client.terminate());
    client.on('close', () => upstream.close());
    client.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.includes('"auth/current_user"')) {
        const id = (JSON.parse(text) as { id?: number }).id;
        client.send(
          JSON.stringify({
            id,
            type: 'result',
            success: true,
            result: {
              id: 'bench-user',
              name: 'bench',
              is_owner: true,
              is_admin: true,
              credentials: [],
              mfa_modules: [],
            },
          }),
        );
        return;
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else queued.push(text);
    });
  });
  return {
    url: `ws://127.0.0.1:${port}/api/websocket`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
