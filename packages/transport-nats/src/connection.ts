import { readFile } from 'node:fs/promises';
import { ErrorCode, SdkError, errorMessage, type Logger } from '@ha-ingestor/core';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { NatsTlsOptions, ResolvedNatsConnectionOptions } from './options.js';
import { credentialsOf, parseServers } from './servers.js';

const NANOS_PER_MS = 1_000_000;
/** JetStream's error code for "stream not found". */
const STREAM_NOT_FOUND = 10059;

/** A connection with the live state the status API reads. */
export interface NatsLink {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  /** True between a (re)connect and a disconnect. */
  connected: () => boolean;
  /** `host:port` of the server the client talks to, or null when disconnected. */
  server: () => string | null;
  readonly close: () => Promise<void>;
}

/**
 * Connects (the client then reconnects forever on its own: `maxReconnectAttempts: -1`) and follows its
 * status. Credentials come from the `user`/`pass`/`token` options or, when none is set, from the URLs
 * (`nats://user:password@host`, `nats://token@host`; see {@link parseServers}). A refused login is
 * AUTH_FAILED, anything else a retryable SINK_UNAVAILABLE; URLs with different credentials are CONFIG_INVALID.
 */
export async function openLink(
  options: ResolvedNatsConnectionOptions,
  name: string,
  logger: Logger,
  onStatus?: (connected: boolean, detail: string) => void,
): Promise<NatsLink> {
  // Credentials in a URL are taken out of it (the client reads none there); a conflict is CONFIG_INVALID.
  const parsed = parseServers(options.servers);
  const tls = options.tls === undefined ? undefined : await tlsFiles(options.tls, name);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: parsed.servers,
      name,
      timeout: options.connectTimeoutMs,
      reconnectTimeWait: options.reconnectWaitMs,
      maxReconnectAttempts: -1,
      ...credentialsOf(options, parsed),
      ...(tls === undefined ? {} : { tls }),
    });
  } catch (error) {
    throw connectError(error, name);
  }
  let connected = true;
  let server: string | null = nc.getServer();
  onStatus?.(true, `connected to ${server}`);
  // The status iterator ends when the connection closes; nothing it does can throw into a caller.
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        connected = false;
        server = null;
        logger.warn({ stage: name, server: s.server }, 'nats disconnected; the client reconnects');
        onStatus?.(false, `disconnected from ${s.server}`);
      } else if (s.type === 'reconnect') {
        connected = true;
        server = s.server;
        logger.info({ stage: name, server: s.server }, 'nats reconnected');
        onStatus?.(true, `connected to ${s.server}`);
      }
    }
  })().catch((error: unknown) => logger.warn({ stage: name, err: errorMessage(error) }, 'nats status loop ended'));
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    jsm,
    connected: () => connected && !nc.isClosed(),
    server: () => (connected && !nc.isClosed() ? server : null),
    close: async () => {
      if (nc.isClosed()) return;
      await nc.drain().catch(() => nc.close());
      connected = false;
    },
  };
}

/** The stream settings this package creates (see the README for the reasons). */
export function streamConfig(options: ResolvedNatsConnectionOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: options.stream,
    subjects: [`${options.subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas,
    max_age: options.maxAgeMs * NANOS_PER_MS,
    max_bytes: options.maxBytes,
    duplicate_window: options.duplicateWindowMs * NANOS_PER_MS,
  };
}

/**
 * Creates the stream when it is missing. An existing stream is never changed (its owner may have tuned it):
 * settings that differ from the options are logged as a warning, and a stream whose subjects do not capture
 * `<subjectPrefix>.>` is a CONFIG_INVALID error, because publishing to it could never succeed.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  options: ResolvedNatsConnectionOptions,
  logger: Logger,
): Promise<void> {
  const wanted = streamConfig(options);
  try {
    const info = await jsm.streams.info(options.stream);
    const have = info.config;
    const pattern = `${options.subjectPrefix}.>`;
    // Captured by an equal subject or by a `…>` wildcard above the prefix (`>` alone, `ha.>` for `ha.events.>`).
    if (!have.subjects.some((s) => s === pattern || (s.endsWith('>') && pattern.startsWith(s.slice(0, -1)))))
      throw new SdkError(
        ErrorCode.CONFIG_INVALID,
        `stream ${options.stream} exists but does not capture ${pattern} (its subjects: ${have.subjects.join(', ')})`,
      );
    const differences: string[] = [];
    if (have.num_replicas !== wanted.num_replicas)
      differences.push(`replicas ${have.num_replicas} (wanted ${String(wanted.num_replicas)})`);
    if (have.duplicate_window !== wanted.duplicate_window)
      differences.push(
        `duplicate_window ${have.duplicate_window / NANOS_PER_MS} ms (wanted ${options.duplicateWindowMs} ms)`,
      );
    if (have.max_age !== wanted.max_age)
      differences.push(`max_age ${have.max_age / NANOS_PER_MS} ms (wanted ${options.maxAgeMs} ms)`);
    if (have.max_bytes !== wanted.max_bytes)
      differences.push(`max_bytes ${have.max_bytes} (wanted ${options.maxBytes})`);
    if (differences.length > 0)
      logger.warn(
        { stream: options.stream, differences },
        `nats: stream ${options.stream} exists with other settings; left unchanged (update it with the nats CLI if intended)`,
      );
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== STREAM_NOT_FOUND) throw error;
    if (!options.createStream)
      throw new SdkError(ErrorCode.CONFIG_INVALID, `stream ${options.stream} does not exist and createStream is false`);
    try {
      await jsm.streams.add(wanted);
      logger.info({ stream: options.stream, replicas: options.replicas }, 'nats: stream created');
    } catch (addError) {
      // Another edge or writer created it at the same time: fine, it has the same settings.
      if (!(addError instanceof JetStreamApiError) || !/already in use/i.test(addError.message)) throw addError;
    }
  }
}

/** A failed connect as an SdkError: a refused login is fatal, anything else retryable. */
/**
 * The TLS files, checked before the client starts: a missing or unreadable file is CONFIG_INVALID naming the path
 * (the client would otherwise retry a connect that can never work). Contents are passed as read, never logged.
 */
async function tlsFiles(tls: NatsTlsOptions, stage: string): Promise<{ ca?: string; cert?: string; key?: string }> {
  const read = async (what: string, path: string | undefined): Promise<string | undefined> => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
      throw new SdkError(ErrorCode.CONFIG_INVALID, `${stage}: cannot read the TLS ${what} file ${path} (${code})`, {
        stage,
      });
    }
  };
  const [ca, cert, key] = await Promise.all([
    read('CA', tls.caFile),
    read('certificate', tls.certFile),
    read('key', tls.keyFile),
  ]);
  return {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

export function connectError(error: unknown, stage: string): SdkError {
  const message = errorMessage(error);
  if (/authoriz|authenticat/i.test(message) || (error instanceof Error && error.name === 'AuthorizationError'))
    return new SdkError(ErrorCode.AUTH_FAILED, `${stage}: NATS refused the credentials`, { stage, cause: error });
  return new SdkError(ErrorCode.SINK_UNAVAILABLE, `${stage}: cannot reach NATS: ${message}`, {
    stage,
    retryable: true,
    cause: error,
  });
}
