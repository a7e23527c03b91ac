import { createReportingGuard } from '@ha-ingestor/core';
import type { Logger } from '@ha-ingestor/core';
import type { RawData, WebSocket } from 'ws';
import { validateCommand, type CommandSchema } from './command-schema.js';
import { authSchemaError, parseJson } from './auth-schema.js';
import type { ResolvedHaSimulatorOptions } from './options.js';
import { createWriter } from './writer.js';

/** A command's error as HA sends it (`error_message`). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: string,
    message: string,
    readonly translation?: { key: string; domain: string; placeholders?: Record<string, string> },
  ) {
    super(message);
  }
}

/** A command handler (sync, or async like HA's `@async_response` handlers). */
export type CommandHandler = (
  conn: SimConnection,
  msg: Readonly<Record<string, unknown>> & { id: number },
) => void | Promise<void>;

/** A registered command. */
export interface Command {
  readonly schema: CommandSchema;
  readonly handler: CommandHandler;
}

/** Mutable fault switches shared by all connections. */
export interface FaultState {
  ignorePings: boolean;
  delayMs: number;
  refuseAuth: boolean;
  /** Event types `subscribe_events` answers with `unauthorized` (as HA does for a non-admin user). */
  refusedEventTypes: ReadonlySet<string>;
}

/** What a connection needs from the server. */
export interface ConnectionDeps {
  readonly options: ResolvedHaSimulatorOptions;
  readonly token: string;
  readonly userId: string;
  readonly faults: FaultState;
  readonly logger: Logger;
  readonly commands: ReadonlyMap<string, Command>;
  readonly onClosed: (conn: SimConnection) => void;
}

/** One websocket client as HA's `ActiveConnection` sees it. */
export interface SimConnection {
  readonly id: number;
  readonly userId: string;
  /** Every subscription kind lives here, keyed by the subscribing command's id. */
  readonly subscriptions: Map<number, () => void>;
  readonly send: (json: string) => void;
  readonly sendResult: (id: number, result?: unknown) => void;
  readonly sendError: (id: unknown, code: string, message: string, translation?: CommandError['translation']) => void;
  readonly pending: () => number;
  readonly isAuthenticated: () => boolean;
  readonly isClosing: () => boolean;
  readonly enableCoalescing: () => void;
  /** Server-side close (close frame 1000), as every HA-initiated disconnect. */
  readonly cancel: (reason: string) => void;
  /** Destroys the socket without a close frame. */
  readonly terminate: () => void;
  /** Writes a text frame as is (bypasses the queue): for fault injection. */
  readonly sendRaw: (text: string) => void;
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;
}

let nextConnectionId = 0;

/** Runs HA's auth phase and command phase on one accepted socket. */
export function attachConnection(ws: WebSocket, deps: ConnectionDeps): SimConnection {
  const { options, faults, logger } = deps;
  const id = ++nextConnectionId;
  const log = logger.child({ connection: id });
  // Issue 11: a throwing handler is logged like HA logs an exception in a handler; the server keeps running.
  const guard = createReportingGuard((error) => log.error({ err: error }, error.message), 'simulator');
  const subscriptions = new Map<number, () => void>();
  let authenticated = false;
  let closing = false;
  let lastId = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(
      guard('timer', () => {
        timers.delete(t);
        fn();
      }),
      ms,
    );
    timers.add(t);
    return t;
  };
  const cancelLater = (t: NodeJS.Timeout | undefined): void => {
    if (t === undefined) return;
    clearTimeout(t);
    timers.delete(t);
  };

  const writer = createWriter(
    ws,
    { ...options.pendingLimits, writeBufferBytes: options.writeBufferBytes },
    (reason) => {
      log.error({ pending: writer.pending() }, reason);
      cancel(reason);
    },
    guard,
  );

  const cleanup = (): void => {
    if (!closing) closing = true;
    writer.stop();
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const unsub of subscriptions.values()) unsub();
    subscriptions.clear();
  };

  const cancel = (reason: string): void => {
    if (closing) return;
    log.debug({ reason }, 'disconnecting');
    cleanup();
    ws.close(1000);
    // A client that stopped reading never answers the close frame: aiohttp gives up after a timeout.
    const t = setTimeout(
      guard('close timeout', () => ws.terminate()),
      options.closeTimeoutMs,
    );
    t.unref();
    ws.once('close', () => clearTimeout(t));
  };

  const terminate = (): void => {
    cleanup();
    ws.terminate();
  };

  const send = (json: string): void => {
    if (!closing) writer.send(json);
  };
  const sendResult = (msgId: number, result: unknown = null): void =>
    send(`{"id":${msgId},"type":"result","success":true,"result":${JSON.stringify(result)}}`);
  const sendError: SimConnection['sendError'] = (msgId, code, message, translation) => {
    const error: Record<string, unknown> = { code, message };
    if (translation !== undefined) {
      error.translation_key = translation.key;
      error.translation_domain = translation.domain;
      error.translation_placeholders = translation.placeholders ?? null;
    }
    send(JSON.stringify({ id: msgId ?? null, type: 'result', success: false, error }));
  };

  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const conn: SimConnection = {
    closed,
    id,
    userId: deps.userId,
    subscriptions,
    send,
    sendResult,
    sendError,
    pending: writer.pending,
    isAuthenticated: () => authenticated,
    isClosing: () => closing,
    enableCoalescing: writer.enableCoalescing,
    cancel,
    terminate,
    sendRaw: (text) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    },
  };

  // --- auth phase ---
  ws.send(JSON.stringify({ type: 'auth_required', ha_version: options.haVersion }));
  const authTimer = later(options.authTimeoutMs, () => cancel('Did not receive auth message within 10 seconds'));

  const handleAuth = (text: string): void => {
    cancelLater(authTimer);
    const msg = parseJson(text);
    if (msg === undefined) return cancel('Received invalid JSON during auth.');
    const problem = authSchemaError(msg);
    if (problem !== undefined) {
      ws.send(JSON.stringify({ type: 'auth_invalid', message: `Auth message incorrectly formatted: ${problem}` }));
      return cancel('auth schema');
    }
    const token = (msg as Record<string, unknown>).access_token;
    if (faults.refuseAuth || token !== deps.token) {
      ws.send(JSON.stringify({ type: 'auth_invalid', message: 'Invalid access token or password' }));
      return cancel('invalid auth');
    }
    authenticated = true;
    ws.send(JSON.stringify({ type: 'auth_ok', ha_version: options.haVersion }));
  };

  // --- command phase (ActiveConnection.async_handle) ---
  const handleOne = (msg: unknown): void => {
    if (closing) return;
    const obj =
      msg !== null && typeof msg === 'object' && !Array.isArray(msg) ? (msg as Record<string, unknown>) : undefined;
    const curId = obj?.id;
    const type = obj?.type;
    if (
      obj === undefined ||
      typeof curId !== 'number' ||
      !Number.isInteger(curId) ||
      curId === 0 ||
      typeof type !== 'string' ||
      type === ''
    ) {
      return sendError(obj === undefined ? 0 : (curId ?? null), 'invalid_format', 'Message incorrectly formatted.');
    }
    if (curId <= lastId) return sendError(curId, 'id_reuse', 'Identifier values have to increase.');
    const command = deps.commands.get(type);
    if (command === undefined) return sendError(curId, 'unknown_command', 'Unknown command.');
    try {
      const problem = validateCommand(obj, command.schema);
      if (problem !== undefined) sendError(curId, 'invalid_format', problem);
      else {
        const result = command.handler(conn, obj as Record<string, unknown> & { id: number });
        if (result instanceof Promise) result.catch((err: unknown) => handleException(curId, err));
      }
    } catch (err) {
      handleException(curId, err);
    }
    lastId = curId;
  };

  const handleException = (msgId: number, err: unknown): void => {
    if (err instanceof CommandError) return sendError(msgId, err.code, err.message, err.translation);
    log.error({ err }, 'command handler failed');
    sendError(msgId, 'unknown_error', 'Unknown error');
  };

  const handleFrame = (data: RawData, isBinary: boolean): void => {
    if (closing) return;
    if (isBinary) return cancel('Received binary message.');
    const text = data.toString();
    if (!authenticated) return handleAuth(text);
    const msg = parseJson(text);
    if (msg === undefined) return cancel('Received invalid JSON.');
    if (Array.isArray(msg)) for (const m of msg) handleOne(m);
    else handleOne(msg);
  };

  // delayResponses(): incoming frames are handled late but in order.
  const inbox: (() => void)[] = [];
  let draining = false;
  const drain = (): void => {
    if (draining) return;
    const next = inbox.shift();
    if (next === undefined) return;
    draining = true;
    later(faults.delayMs, () => {
      draining = false;
      next();
      drain();
    });
  };
  ws.on(
    'message',
    guard('message', (data: RawData, isBinary: boolean) => {
      if (faults.delayMs > 0 || inbox.length > 0 || draining) {
        inbox.push(() => handleFrame(data, isBinary));
        drain();
      } else handleFrame(data, isBinary);
    }),
  );

  ws.on(
    'ping',
    guard('ping', (data: Buffer) => {
      if (!faults.ignorePings) ws.pong(data);
    }),
  );

  // aiohttp heartbeat: after heartbeatMs without receiving anything, send a ping; no pong within half
  // of it drops the link. Anything received (frames, pongs) restarts the wait (`_reset_heartbeat`).
  let pingTimer: NodeJS.Timeout | undefined;
  let pongTimer: NodeJS.Timeout | undefined;
  const resetHeartbeat = (): void => {
    if (options.heartbeatMs === 0 || closing) return;
    cancelLater(pingTimer);
    cancelLater(pongTimer);
    pongTimer = undefined;
    pingTimer = later(options.heartbeatMs, () => {
      ws.ping();
      pongTimer = later(options.heartbeatMs / 2, () => {
        log.debug('heartbeat pong timeout');
        terminate();
      });
    });
  };
  resetHeartbeat();
  const onActivity = guard('heartbeat reset', resetHeartbeat);
  ws.on('message', onActivity);
  ws.on('ping', onActivity);
  ws.on('pong', onActivity);

  ws.on(
    'error',
    guard('socket error', (err: Error) => log.debug({ err: err.message }, 'socket error')),
  );
  ws.on(
    'close',
    guard('socket close', () => {
      cleanup();
      deps.onClosed(conn);
    }),
  );
  return conn;
}
