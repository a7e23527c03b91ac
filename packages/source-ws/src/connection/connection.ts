import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import { ErrorCode, SdkError, redactSecrets } from '@ha-ingestor/core';
import type { Guard } from '@ha-ingestor/core';
import type { JsonTextError } from '@ha-ingestor/core/json';
import { describeSocketError } from './connect-errors.js';
import { classifyMessage, splitFrame } from './protocol.js';

/** Makes the socket; inject to wrap or fake `ws` (proxies, tests). */
export type CreateSocket = (url: string, options: ClientOptions) => WebSocket;

/** Options of {@link connectHa}. */
export interface ConnectHaOptions {
  readonly url: string;
  readonly token: string;
  readonly connectTimeoutMs: number;
  readonly compression: boolean;
  readonly tls?: { readonly ca?: string | undefined; readonly rejectUnauthorized?: boolean };
  readonly createSocket?: CreateSocket;
  readonly signal?: AbortSignal;
  /** Called for every text frame with the number of messages it held (metrics). */
  readonly onFrame?: (messages: number) => void;
  /** Called for a frame that is not JSON, nests too deep, or is binary; the connection stays up. */
  readonly onInvalidFrame?: (text: string, error: JsonTextError) => void;
  /**
   * Every socket and timer callback runs through it (issue 11). A message whose handling throws is
   * reported and dead-lettered on its own (`raw`: the message); the rest of its frame is still handled.
   */
  readonly guard: Guard;
  /** Component name for error `stage`. */
  readonly stage?: string;
}

/** How a connection ended. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** Set when the socket failed (reset, terminated as dead, …) rather than closing cleanly. */
  readonly error?: SdkError;
}

/** An authenticated HA WebSocket connection with command/response correlation. */
export interface HaConnection {
  readonly haVersion: string | undefined;
  /** Sends a command and resolves its `result` (rejects COMMAND_FAILED with `data.haCode/haMessage`). */
  readonly command: <T = unknown>(type: string, params?: Readonly<Record<string, unknown>>) => Promise<T>;
  /** Application-level ping; resolves on the matching `pong`. */
  readonly ping: () => Promise<void>;
  /**
   * Subscribes to one event type; `onEvent` gets each raw HA event synchronously from the socket handler.
   * Resolves the subscription id once HA confirmed it.
   */
  readonly subscribeEvents: (eventType: string, onEvent: (event: unknown) => void) => Promise<number>;
  /** Ends a subscription made by `subscribeEvents`; resolves once HA confirmed it. */
  readonly unsubscribe: (subscriptionId: number) => Promise<void>;
  /** Closes with 1000 and resolves when the socket is closed. */
  readonly close: () => Promise<void>;
  /** Kills the socket at once (dead link); `closed` resolves with `error`. */
  readonly terminate: (error: SdkError) => void;
  readonly closed: Promise<CloseInfo>;
}

/**
 * Opens a socket, runs HA's auth phase (auth_required → auth → auth_ok; the auth message has no `id`)
 * and sends `supported_features {coalesce_messages: 1}`. Rejects AUTH_FAILED (fatal) on auth_invalid,
 * CONNECTION_LOST / TIMEOUT / ABORTED otherwise. Error messages never contain the token.
 */
export function connectHa(options: ConnectHaOptions): Promise<HaConnection> {
  const stage = options.stage ?? 'source:ha-websocket';
  const create = options.createSocket ?? ((url: string, opts: ClientOptions) => new WebSocket(url, opts));
  const socketOptions: ClientOptions = {
    perMessageDeflate: options.compression,
    handshakeTimeout: options.connectTimeoutMs,
    // HA pings every 55 s at the WebSocket level and drops clients that don't answer.
    autoPong: true,
    ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
    ...(options.tls?.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.tls.rejectUnauthorized }),
  };
  const socket = create(options.url, socketOptions);
  const token = options.token;
  const state = new ConnectionState();
  const { guard } = options;

  return new Promise<HaConnection>((resolve, reject) => {
    let settled = false;
    let authenticated = false;
    let closeError: SdkError | undefined;
    let resolveClosed: (info: CloseInfo) => void = () => undefined;
    const closed = new Promise<CloseInfo>((r) => (resolveClosed = r));

    const fail = (error: SdkError) => {
      if (settled) return;
      settled = true;
      cleanupConnect();
      reject(error);
      if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
    };
    const timer = setTimeout(
      guard('connect timeout', () =>
        fail(
          new SdkError(
            ErrorCode.TIMEOUT,
            `HA at ${hostOf(options.url)} did not complete connect + auth within ${options.connectTimeoutMs} ms`,
            { stage },
          ),
        ),
      ),
      options.connectTimeoutMs,
    );
    const onAbort = guard('connect abort', () =>
      fail(new SdkError(ErrorCode.ABORTED, 'connect aborted', { stage, retryable: false })),
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanupConnect = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };

    socket.on(
      'error',
      guard(
        'socket error',
        (error: Error) => {
          const sdk = describeSocketError(error, options.url, token, stage);
          if (!settled) fail(sdk);
          else closeError ??= sdk;
        },
        () => socket.terminate(),
      ),
    );
    socket.on(
      'close',
      guard(
        'socket close',
        (code: number, reasonBuf: Buffer) => {
          const reason = redactSecrets(reasonBuf.toString('utf8'), [token]);
          if (!settled)
            fail(
              new SdkError(
                ErrorCode.CONNECTION_LOST,
                `HA at ${hostOf(options.url)} closed the connection during ${authenticated ? 'setup' : 'auth'} (code ${code})`,
                { stage },
              ),
            );
          const error =
            closeError ??
            (code === 1000
              ? undefined
              : new SdkError(
                  ErrorCode.CONNECTION_LOST,
                  `connection to HA lost (code ${code}${reason ? `: ${reason}` : ''})`,
                  { stage },
                ));
          state.rejectAll(error ?? new SdkError(ErrorCode.CONNECTION_LOST, 'connection to HA closed', { stage }));
          resolveClosed({ code, reason, ...(error === undefined ? {} : { error }) });
        },
        // Whatever failed above, the session waiting on `closed` and the pending commands must still end.
        (error, code) => {
          state.rejectAll(error);
          resolveClosed({ code, reason: '', error });
        },
      ),
    );
    // One guarded call per message, so a message whose handling throws is dead-lettered alone.
    const onMessage = guard(
      'message',
      (raw: unknown) => {
        const msg = classifyMessage(raw);
        switch (msg.kind) {
          case 'auth_required':
            // No `id` in the auth message: HA's auth schema rejects extra keys.
            socket.send(JSON.stringify({ type: 'auth', access_token: token }));
            break;
          case 'auth_invalid':
            fail(
              new SdkError(
                ErrorCode.AUTH_FAILED,
                `HA refused the access token (${redactSecrets(msg.message, [token])}): create a new long-lived token and restart; not retrying (repeated failures get the IP banned)`,
                {
                  stage,
                  retryable: false,
                },
              ),
            );
            break;
          case 'auth_ok': {
            authenticated = true;
            const conn = makeConnection(msg.haVersion);
            conn
              .command('supported_features', { features: { coalesce_messages: 1 } })
              .then(() => {
                if (settled) return;
                settled = true;
                cleanupConnect();
                resolve(conn);
              })
              .catch((error: unknown) =>
                fail(
                  error instanceof SdkError
                    ? error
                    : new SdkError(ErrorCode.PROTOCOL_ERROR, 'supported_features failed', { stage, cause: error }),
                ),
              );
            break;
          }
          default:
            state.dispatch(msg);
        }
      },
      (_error, raw) => ({ raw }),
    );
    socket.on(
      'message',
      guard(
        'socket message',
        (data: WebSocket.RawData, isBinary: boolean) => {
          if (isBinary) {
            options.onInvalidFrame?.('<binary frame>', {
              reason: 'invalid_json',
              message: 'binary frames are not part of the event protocol',
            });
            return;
          }
          const text = rawToString(data);
          const frame = splitFrame(text);
          if (!frame.ok) {
            options.onInvalidFrame?.(text, frame.error);
            return;
          }
          options.onFrame?.(frame.messages.length + frame.refused.length);
          for (const refused of frame.refused) {
            options.onInvalidFrame?.(text, {
              ...refused.error,
              message: `${refused.error.message} (message ${refused.index} of the frame; the others are handled)`,
            });
          }
          for (const raw of frame.messages) onMessage(raw);
        },
        (_error, data) => ({ raw: redactSecrets(rawToString(data).slice(0, 4096), [token]) }),
      ),
    );

    const makeConnection = (haVersion: string | undefined): HaConnection => {
      const send = (type: string, params: Readonly<Record<string, unknown>> | undefined, pending: Pending): number => {
        if (socket.readyState !== WebSocket.OPEN)
          throw new SdkError(ErrorCode.CONNECTION_LOST, `cannot send ${type}: not connected`, { stage });
        // Allocate and write in the same synchronous step: HA requires strictly increasing ids in write order.
        const id = state.nextId++;
        state.pending.set(id, pending);
        socket.send(JSON.stringify({ id, type, ...params }));
        return id;
      };
      const command = <T>(type: string, params?: Readonly<Record<string, unknown>>) =>
        new Promise<T>((res, rej) => {
          try {
            send(type, params, { type, resolve: res as (v: unknown) => void, reject: rej, stage });
          } catch (error) {
            rej(error);
          }
        });
      return {
        haVersion,
        command,
        ping: () => command<unknown>('ping').then(() => undefined),
        subscribeEvents: (eventType, onEvent) =>
          new Promise<number>((res, rej) => {
            try {
              const id = send(
                'subscribe_events',
                { event_type: eventType },
                {
                  type: 'subscribe_events',
                  resolve: () => res(id),
                  reject: rej,
                  stage,
                },
              );
              // Registered before the result arrives: HA coalesces the result with the first events.
              state.subscriptions.set(id, onEvent);
            } catch (error) {
              rej(error);
            }
          }),
        unsubscribe: async (subscriptionId) => {
          state.subscriptions.delete(subscriptionId);
          await command('unsubscribe_events', { subscription: subscriptionId });
        },
        close: async () => {
          if (socket.readyState === WebSocket.CLOSED) return;
          socket.close(1000);
          await closed;
        },
        terminate: (error) => {
          closeError ??= error;
          socket.terminate();
        },
        closed,
      };
    };
  });
}

// --- internal ---

interface Pending {
  readonly type: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: SdkError) => void;
  readonly stage: string;
}

/** Per-connection correlation state: ids, pending commands, subscriptions. */
class ConnectionState {
  nextId = 1;
  readonly pending = new Map<number, Pending>();
  readonly subscriptions = new Map<number, (event: unknown) => void>();

  dispatch(msg: ReturnType<typeof classifyMessage>): void {
    switch (msg.kind) {
      case 'result':
      case 'pong': {
        const p = this.pending.get(msg.id);
        if (p === undefined) return; // unknown ids are tolerated, like the official client
        this.pending.delete(msg.id);
        p.resolve(msg.kind === 'result' ? msg.result : undefined);
        return;
      }
      case 'error': {
        const p = this.pending.get(msg.id);
        if (p === undefined) return;
        this.pending.delete(msg.id);
        this.subscriptions.delete(msg.id);
        p.reject(
          new SdkError(ErrorCode.COMMAND_FAILED, `HA command ${p.type} failed: ${msg.code}: ${msg.message}`, {
            stage: p.stage,
            retryable: false,
            data: { haCode: msg.code, haMessage: msg.message, command: p.type },
          }),
        );
        return;
      }
      case 'event':
        this.subscriptions.get(msg.id)?.(msg.event);
        return;
      default:
        return;
    }
  }

  rejectAll(error: SdkError): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.subscriptions.clear();
  }
}

function rawToString(data: WebSocket.RawData): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '<invalid url>';
  }
}
