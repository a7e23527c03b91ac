import { randomBytes } from 'node:crypto';
import { connect as mqttConnect, type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { createGuard, ErrorCode, maskUrl, SdkError, toSdkError, type Logger } from '@ha-ingestor/core';
import type { ResolvedMqttSinkOptions } from './options.js';

/** One broker connection, made on demand and dropped at the first sign of trouble. */
export interface Connection {
  /** Connects when not connected; rejects with SINK_UNAVAILABLE, AUTH_FAILED or ABORTED. */
  readonly ready: (signal: AbortSignal) => Promise<void>;
  /**
   * Publishes one message; resolves on its acknowledgement (PUBACK/PUBCOMP). Rejects with a retryable
   * SINK_UNAVAILABLE when the connection is lost or the ack does not come within `ackTimeoutMs` (the
   * connection is then dropped: its state is unknown), or ABORTED.
   */
  readonly publish: (topic: string, payload: Buffer, retain: boolean, signal: AbortSignal) => Promise<void>;
  /** Ends the connection (waiting briefly for what is in flight). */
  readonly close: () => Promise<void>;
}

/** Where the connection reports what happens outside a caller's try. */
export interface ConnectionEnv {
  readonly stage: string;
  readonly logger: () => Logger;
  readonly report: (error: SdkError) => void;
}

// MQTT 3.1.1 CONNACK 4/5 and MQTT 5 reason codes 0x86/0x87: the broker refused the credentials.
const AUTH_CODES = new Set([4, 5, 0x86, 0x87]);

/**
 * Creates the connection. mqtt.js's own reconnect and offline queue are off (`reconnectPeriod: 0`,
 * `queueQoSZero: false`): core's retry, breaker and outbox are the one retry layer, so a lost connection
 * fails the writes in flight and the next write connects again (clean session; the publisher keeps no
 * session state worth resuming).
 */
export function createConnection(options: ResolvedMqttSinkOptions, env: ConnectionEnv): Connection {
  const { stage } = env;
  const where = maskUrl(options.url);
  const clientId = options.clientId ?? `ha-ingestor-sink-${randomBytes(6).toString('hex')}`;
  let client: MqttClient | undefined;
  let connecting: Promise<MqttClient> | undefined;
  let lost: SdkError | undefined;
  const pending = new Set<(error: SdkError) => void>();
  const guard = createGuard({ report: (error) => env.report(toSdkError(error, ErrorCode.INTERNAL, stage)) }, stage);

  const drop = (target: MqttClient, error: SdkError) => {
    if (client === target) client = undefined;
    lost = error;
    for (const fail of [...pending]) fail(error);
    target.end(true);
  };

  const connect = (signal: AbortSignal): Promise<MqttClient> =>
    new Promise<MqttClient>((resolve, reject) => {
      const c = mqttConnect(options.url, clientOptions(options, clientId));
      let settled = false;
      const settle = (error?: SdkError) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) return resolve(c);
        c.end(true);
        reject(error);
      };
      const onAbort = guard('abort', () =>
        settle(new SdkError(ErrorCode.ABORTED, `${stage}: connect aborted`, { stage, cause: signal.reason })),
      );
      // guard-exempt: onAbort is made by guard('abort', …) above; kept in a variable to remove it again
      signal.addEventListener('abort', onAbort, { once: true });
      c.once(
        'connect',
        guard('connect', () => {
          lost = undefined;
          settle();
        }),
      );
      c.on(
        'error',
        guard('error', (error: Error & { code?: unknown }) => {
          const refused = typeof error.code === 'number' && AUTH_CODES.has(error.code);
          const wrapped = refused
            ? new SdkError(ErrorCode.AUTH_FAILED, `${stage}: ${where} refused the credentials`, {
                stage,
                retryable: true,
                cause: error,
              })
            : unavailable(`${stage}: ${where}: ${error.message}`, stage, 'connection_error', error);
          if (!settled) return settle(wrapped);
          drop(c, wrapped);
        }),
      );
      c.on(
        'close',
        guard('close', () => {
          const error = unavailable(`${stage}: connection to ${where} lost`, stage, 'connection_lost');
          if (!settled) return settle(error);
          drop(c, error);
        }),
      );
    });

  const ready = async (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) throw new SdkError(ErrorCode.ABORTED, `${stage}: aborted`, { stage, cause: signal.reason });
    if (client?.connected === true) return;
    connecting ??= connect(signal).finally(() => {
      connecting = undefined;
    });
    const c = await connecting;
    client = c;
    env.logger().info({ stage, broker: where, clientId }, `${stage}: connected to ${where}`);
  };

  const publish = (topic: string, payload: Buffer, retain: boolean, signal: AbortSignal): Promise<void> => {
    const c = client;
    if (c?.connected !== true)
      return Promise.reject(lost ?? unavailable(`${stage}: not connected to ${where}`, stage, 'not_connected'));
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (error?: SdkError) => {
        if (done) return;
        done = true;
        pending.delete(finish);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      pending.add(finish);
      const timer = setTimeout(
        guard('ack timeout', () => {
          const error = unavailable(
            `${stage}: no acknowledgement from ${where} within ${options.ackTimeoutMs} ms`,
            stage,
            'ack_timeout',
          );
          finish(error);
          drop(c, error);
        }),
        options.ackTimeoutMs,
      );
      const onAbort = guard('abort', () =>
        finish(new SdkError(ErrorCode.ABORTED, `${stage}: write aborted`, { stage, cause: signal.reason })),
      );
      // guard-exempt: onAbort is made by guard('abort', …) above; kept in a variable to remove it again
      signal.addEventListener('abort', onAbort, { once: true });
      const publishOptions: IClientPublishOptions = {
        qos: options.qos,
        retain,
        ...(options.protocolVersion === 5 ? { properties: { contentType: 'application/json' } } : {}),
      };
      c.publish(
        topic,
        payload,
        publishOptions,
        // mqtt.js calls back with `null` on success (the PUBACK/PUBCOMP arrived).
        guard('puback', (error?: Error | null) =>
          finish(
            error === undefined || error === null
              ? undefined
              : unavailable(`${stage}: publish to ${where} failed: ${error.message}`, stage, 'publish_failed', error),
          ),
        ),
      );
    });
  };

  const close = async (): Promise<void> => {
    const c = client ?? (await connecting?.catch(() => undefined));
    client = undefined;
    if (c === undefined) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(
        guard('close timeout', () => c.end(true, () => resolve())),
        1000,
      );
      c.end(false, () => {
        clearTimeout(force);
        resolve();
      });
    });
  };

  return { ready, publish, close };
}

// --- internal ---

function clientOptions(options: ResolvedMqttSinkOptions, clientId: string): IClientOptions {
  return {
    clientId,
    clean: true,
    protocolVersion: options.protocolVersion,
    reconnectPeriod: 0,
    queueQoSZero: false,
    connectTimeout: options.connectTimeoutMs,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
    rejectUnauthorized: options.tls.rejectUnauthorized,
  };
}

function unavailable(message: string, stage: string, reason: string, cause?: unknown): SdkError {
  return new SdkError(ErrorCode.SINK_UNAVAILABLE, message, {
    stage,
    retryable: true,
    ...(cause === undefined ? {} : { cause }),
    data: { reason },
  });
}
