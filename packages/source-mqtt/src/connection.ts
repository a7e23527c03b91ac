import { createHash } from 'node:crypto';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import type { Guard } from '@ha-ingestor/core';
import { ErrorCode, SdkError, maskUrl } from '@ha-ingestor/core';
import { waitOrAbort } from '@ha-ingestor/core/resilience';
import type { ResolvedMqttSourceOptions } from './options.js';

/** Creates an mqtt.js client (injectable for tests). The default is `mqtt.connect`. */
export type CreateMqttClient = (url: string, options: IClientOptions) => MqttClient;

/** Handles one PUBLISH; resolves when the client may read the next packet. */
export type PublishHandler = (packet: IPublishPacket) => Promise<void>;

/**
 * CONNACK return codes that mean "your credentials are not accepted": v3.1.1 4 (bad user name or
 * password) and 5 (not authorised); v5 134 (bad user name or password), 135 (not authorised),
 * 138 (banned), 140 (bad authentication method). Retrying cannot help: AUTH_FAILED, fatal.
 */
const AUTH_CODES = new Set([4, 5, 134, 135, 138, 140]);

/** True when an mqtt.js error is a CONNACK refusal of the credentials. */
export function isAuthRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && AUTH_CODES.has(code);
}

/** The default client id: stable across restarts of the same configuration, so the broker session survives. */
export function defaultClientId(options: Pick<ResolvedMqttSourceOptions, 'url' | 'urls' | 'subscriptions'>): string {
  const urls = options.urls ?? (options.url === undefined ? [] : [options.url]);
  const basis = JSON.stringify({
    urls: urls.map(maskUrl),
    topics: options.subscriptions.map((s) => [s.topic, s.qos, s.parser]),
  });
  return `ha-ingestor-${createHash('sha256').update(basis).digest('hex').slice(0, 12)}`;
}

/**
 * mqtt.js options for one connection attempt. mqtt.js' own reconnect is off (`reconnectPeriod: 0`): its
 * delay is fixed, and we want capped exponential backoff with full jitter and fatal auth codes, so the
 * source drives reconnects and builds a fresh client per attempt (which also scopes message ids).
 */
export function clientOptions(options: ResolvedMqttSourceOptions, clientId: string): IClientOptions {
  const v5 = options.protocolVersion === 5;
  return {
    clientId,
    protocolVersion: options.protocolVersion,
    keepalive: options.keepaliveSec,
    clean: options.clean,
    reconnectPeriod: 0,
    connectTimeout: options.connectTimeoutMs,
    resubscribe: false,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
    ...(options.tls.cert === undefined ? {} : { cert: options.tls.cert }),
    ...(options.tls.key === undefined ? {} : { key: options.tls.key }),
    rejectUnauthorized: options.tls.rejectUnauthorized,
    ...(v5
      ? {
          properties: {
            // Without an expiry a v5 broker drops the session at disconnect (clean: false alone keeps nothing).
            sessionExpiryInterval: options.clean ? 0 : options.sessionExpirySec,
            // The broker sends at most this many unacknowledged QoS 1 messages: the first memory bound.
            receiveMaximum: options.maxInFlight,
          },
        }
      : {}),
  };
}

/** A connected client and whether the broker resumed the session. */
export interface Connection {
  readonly client: MqttClient;
  readonly sessionPresent: boolean;
  /** Sends a PUBACK (only while this connection is up). */
  readonly sendAck: (messageId: number) => void;
}

/** What {@link connectOnce} needs. */
export interface ConnectOnceOptions {
  readonly create: CreateMqttClient;
  readonly url: string;
  readonly options: IClientOptions;
  readonly onPublish: PublishHandler;
  readonly signal: AbortSignal;
  /** Client errors after CONNACK (socket resets): reported, the connection's `close` drives the reconnect. */
  readonly onLateError: (error: Error) => void;
  /** The source's guard: every client and signal listener goes through it (issue 11). */
  readonly guard: Guard;
}

/**
 * Connects once. Rejects with AUTH_FAILED (fatal: the credentials were refused, the message names the
 * user and the masked URL, never the password), CONNECTION_LOST (retryable) or ABORTED.
 * `onPublish` is installed before the first byte arrives, so queued session messages are never missed.
 * Every listener is guarded; one that throws before CONNACK fails the attempt (CONNECTION_LOST) rather
 * than leaving it pending forever.
 */
export function connectOnce(input: ConnectOnceOptions): Promise<Connection> {
  const { create, url, options, onPublish, signal, onLateError, guard } = input;
  const where = maskUrl(url);
  const password = typeof options.password === 'string' ? options.password : undefined;
  return new Promise<Connection>((resolve, reject) => {
    const client = create(url, options);
    deferAcks(client, onPublish);
    let settled = false;
    // `settled` turns true only together with resolve/reject, after everything that could throw, so a
    // listener that throws half-way still lets its recover (`lost`) reject the attempt.
    const fail = (error: SdkError) => {
      if (settled) return;
      settled = true;
      reject(error);
      signal.removeEventListener('abort', onAbort);
      client.end(true);
    };
    const lost = (error: SdkError) =>
      fail(
        new SdkError(
          ErrorCode.CONNECTION_LOST,
          `mqtt: connecting to ${where} failed: ${scrub(error.message, password)}`,
          { stage: 'source:mqtt', cause: error },
        ),
      );
    // mqtt.js emits 'error' (socket resets, refused reconnects) for the client's whole life; an unheard
    // 'error' would crash the process, so the listeners stay attached (the client is per attempt) and
    // `settled` decides whether an event still concerns the connect.
    client.on(
      'error',
      guard(
        'mqtt client error',
        (error: Error) => {
          if (settled) onLateError(new Error(scrub(error.message, password)));
          else if (isAuthRefusal(error)) fail(authFailed(error, options.username, where));
          else
            fail(
              new SdkError(
                ErrorCode.CONNECTION_LOST,
                `mqtt: cannot connect to ${where}: ${scrub(error.message, password)}`,
                { stage: 'source:mqtt', data: { url: where } },
              ),
            );
        },
        lost,
      ),
    );
    client.on(
      'connect',
      guard(
        'mqtt connect',
        (connack: { sessionPresent: boolean }) => {
          if (settled) return;
          const connection: Connection = {
            client,
            sessionPresent: connack.sessionPresent,
            sendAck: (id) => sendPuback(client, id),
          };
          settled = true;
          resolve(connection);
          signal.removeEventListener('abort', onAbort);
        },
        lost,
      ),
    );
    client.on(
      'close',
      guard(
        'mqtt close before connack',
        () =>
          fail(
            new SdkError(ErrorCode.CONNECTION_LOST, `mqtt: connection to ${where} closed before CONNACK`, {
              stage: 'source:mqtt',
            }),
          ),
        lost,
      ),
    );
    const onAbort = guard(
      'mqtt connect abort',
      () => fail(new SdkError(ErrorCode.ABORTED, 'mqtt: connect aborted', { stage: 'source:mqtt', retryable: false })),
      lost,
    );
    if (signal.aborted) onAbort();
    // guard-exempt: onAbort is made by guard() above; kept by name so it can be removed from the long-lived signal.
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One topic filter to subscribe. */
export interface SubscribeFilter {
  readonly topic: string;
  readonly qos: 0 | 1;
  /** Ask for retained messages even when the session already has the subscription. */
  readonly replay: boolean;
}

/**
 * Subscribes; on MQTT 5 with Retain Handling 1 (retained messages only for a subscription the session did
 * not have yet) unless `replay`. Rejects with PROTOCOL_ERROR when the broker refuses a filter.
 */
export async function subscribeTopics(
  client: MqttClient,
  filters: readonly SubscribeFilter[],
  protocolVersion: 4 | 5,
): Promise<void> {
  if (filters.length === 0) return;
  const map: Record<string, { qos: 0 | 1; rh?: number }> = {};
  for (const f of filters) map[f.topic] = protocolVersion === 5 ? { qos: f.qos, rh: f.replay ? 0 : 1 } : { qos: f.qos };
  const granted = await client.subscribeAsync(map);
  const refused = granted.filter((g) => g.qos === 128 || g.qos > 2);
  if (refused.length > 0) {
    throw new SdkError(
      ErrorCode.PROTOCOL_ERROR,
      `mqtt: broker refused subscriptions: ${refused.map((g) => g.topic).join(', ')}`,
      { stage: 'source:mqtt' },
    );
  }
}

/** Resolves when the client closed or `signal` aborted. */
export async function waitClosed(client: MqttClient, signal: AbortSignal): Promise<void> {
  if (signal.aborted || client.disconnected) return;
  let closedNow: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    closedNow = resolve;
    client.on('close', resolve);
  });
  try {
    await waitOrAbort(closed, signal); // core's abortable wait: removes its abort listener either way
  } finally {
    client.removeListener('close', closedNow);
  }
}

/** Ends the client: graceful (DISCONNECT) or forced. */
export async function endClient(client: MqttClient, graceful: boolean): Promise<void> {
  // Graceful on stop (DISCONNECT; unacknowledged messages stay in the session and come back next start).
  await client.endAsync(!graceful);
}

// --- internal ---

/**
 * mqtt.js sends a QoS 1 PUBACK right after `handleMessage(packet, cb)` calls back, and reads the next
 * packet only then (mqtt/build/lib/handlers/publish.js, 5.16). Deferring the callback would ack after the
 * write but process one message at a time. Instead, `handleMessage` (the documented override point) calls
 * back as soon as the pipeline *accepted* the message, with an error for QoS 1: mqtt.js then skips its
 * PUBACK and continues with the next packet; the source sends the PUBACK itself once the pipeline
 * *handled* the message. The integration test "acks only after the write" guards this across upgrades.
 */
function deferAcks(client: MqttClient, onPublish: PublishHandler): void {
  const skipAck = new Error('ha-ingestor: PUBACK deferred until the pipeline handled the message');
  client.handleMessage = (packet, callback) => {
    onPublish(packet).then(
      () => callback(packet.qos === 1 ? skipAck : undefined),
      (error: unknown) => callback(error instanceof Error ? error : skipAck),
    );
  };
}

interface PubackSender {
  _sendPacket: (packet: { cmd: 'puback'; messageId: number; reasonCode: number }, cb?: (error?: Error) => void) => void;
}

function sendPuback(client: MqttClient, messageId: number): void {
  // Same call mqtt.js makes itself for its automatic PUBACK (handlers/publish.js).
  const internals = client as unknown as Partial<PubackSender>;
  if (typeof internals._sendPacket !== 'function') {
    throw new SdkError(
      ErrorCode.INTERNAL,
      'mqtt: this mqtt.js version has no _sendPacket; ack-after-write is unsupported',
    );
  }
  if (!client.connected) return;
  internals._sendPacket({ cmd: 'puback', messageId, reasonCode: 0 }, undefined);
}

function authFailed(error: Error, username: string | undefined, where: string): SdkError {
  const user = username === undefined ? 'anonymous' : `user "${username}"`;
  const code = (error as { code?: unknown }).code;
  return new SdkError(
    ErrorCode.AUTH_FAILED,
    `mqtt: ${where} refused the credentials of ${user} (CONNACK ${String(code)})`,
    {
      stage: 'source:mqtt',
      retryable: false,
      data: { url: where, code },
    },
  );
}

function scrub(text: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? text : text.split(secret).join('***');
}
