// Test support for the simulator's integration tests: a raw `ws` client that records frames, and
// bounded waits (no sleeps): every wait resolves on what it observes or fails at a deadline.
import WebSocket from 'ws';
import { waitFor } from '@ha-ingestor/core/testing';

/** One parsed frame: a single message or an array of them (coalesced). */
export type Frame = Record<string, unknown> | Record<string, unknown>[];

/** A raw websocket client that keeps every frame it received. */
export interface RawClient {
  readonly ws: WebSocket;
  /** Frames as received (parsed; `undefined` for a frame that was not JSON). */
  readonly frames: (Frame | undefined)[];
  readonly rawFrames: string[];
  /** Flattened messages of all frames. */
  readonly messages: () => Record<string, unknown>[];
  /** Resolves with the first message (flattened) matching `pred` that arrives from now or has arrived after `from`. */
  readonly waitFor: (
    pred: (m: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ) => Promise<Record<string, unknown>>;
  readonly waitForFrames: (count: number, timeoutMs?: number) => Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly send: (msg: unknown) => void;
}

/** Opens a raw client (no auth). */
export async function openRaw(url: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  const frames: (Frame | undefined)[] = [];
  const rawFrames: string[] = [];
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '' : data.toString();
    rawFrames.push(text);
    try {
      frames.push(JSON.parse(text) as Frame);
    } catch {
      frames.push(undefined);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('error', () => undefined);
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    5000,
    'open',
  );
  const messages = (): Record<string, unknown>[] =>
    frames.flatMap((f) => (f === undefined ? [] : Array.isArray(f) ? f : [f]));
  return {
    ws,
    frames,
    rawFrames,
    messages,
    waitFor: (pred, timeoutMs = 3000) =>
      waitFor(() => messages().find(pred), `a message matching ${pred.toString()}`, {
        until: (m): m is Record<string, unknown> => m !== undefined,
        timeoutMs,
      }),
    waitForFrames: async (count, timeoutMs = 3000) => {
      await waitFor(() => frames.length, `${count} frames`, { until: (n) => n >= count, timeoutMs });
    },
    closed,
    send: (msg) => ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)),
  };
}

/** Opens a client and authenticates; with `coalesce` it also sends supported_features (id 1). */
export async function openAuthed(url: string, token: string, opts: { coalesce?: boolean } = {}): Promise<RawClient> {
  const c = await openRaw(url);
  await c.waitFor((m) => m.type === 'auth_required');
  c.send({ type: 'auth', access_token: token });
  await c.waitFor((m) => m.type === 'auth_ok');
  if (opts.coalesce) {
    c.send({ type: 'supported_features', id: 1, features: { coalesce_messages: 1 } });
    await c.waitFor((m) => m.id === 1 && m.type === 'result');
  }
  return c;
}

/** Rejects when `p` does not settle within `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
