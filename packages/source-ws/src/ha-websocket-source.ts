import { ErrorCode, SdkError, createGuard, defineSource, isSdkError, isStateChanged, millisToMicros } from '@ha-ingestor/core';
import type { CheckpointStore, EpochMicros, HaEvent, RegistryStore, SourceContext, SourceImpl } from '@ha-ingestor/core';
import { redact } from './connection/connect-errors.js';
import { connectHa } from './connection/connection.js';
import type { CreateSocket, HaConnection } from './connection/connection.js';
import { startHeartbeat } from './connection/heartbeat.js';
import { normaliseEvent } from './connection/protocol.js';
import { createBackoff, waitOrAbort } from './connection/reconnect.js';
import { requestBackfill, runDeliveryLoop } from './intake/delivery-loop.js';
import type { SharedState } from './intake/delivery-loop.js';
import { createInboundBuffer } from './intake/inbound-buffer.js';
import { createRecentKeys } from './intake/recent-keys.js';
import { entitiesInScope } from './recovery/backfill.js';
import { createCheckpointTracker } from './recovery/checkpoint-tracker.js';
import { createCheckpointWriter } from './recovery/checkpoint-writer.js';
import type { HaWebSocketCheckpoint } from './recovery/checkpoint-writer.js';
import { createEntityScope } from './recovery/entity-scope.js';
import { HaWebSocketOptionsSchema, REGISTRY_EVENT_TYPES, defaultCheckpointKey } from './options.js';
import type { ResolvedHaWebSocketOptions } from './options.js';
import { createRegistrySync, registryOfEvent } from './registry-sync.js';
import type { RegistrySync } from './registry-sync.js';
import { createSourceMetrics } from './source-metrics.js';

const SOURCE_NAME = 'ha-websocket';
const RECENT_KEYS = 100_000;
const UNSUBSCRIBE_TIMEOUT_MS = 2_000;

/** Hooks of {@link haWebSocketSource} (code, not data: kept out of the options schema). */
export interface HaWebSocketHooks {
  /** Where the acknowledged-HA-time watermark is persisted; without it, only reconnect gaps are backfilled. */
  readonly checkpoints?: CheckpointStore;
  /** Registry sync target; registries are fetched on connect and kept current when given. */
  readonly registry?: RegistryStore;
  /** Socket factory (proxies, tests). */
  readonly createSocket?: CreateSocket;
  /** Uniform [0,1) source for the backoff jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * Home Assistant WebSocket API source: auth, subscriptions, heartbeat, reconnect forever, checkpointed
 * backfill from HA's recorder, registry sync.
 *
 * @example
 * const source = haWebSocketSource(
 *   { url: 'ws://homeassistant.local:8123/api/websocket', token: process.env.HA_TOKEN ?? '' },
 *   { checkpoints: createFileCheckpointStore({ dir: './data/checkpoints' }), registry: createRegistryStore() },
 * );
 */
export const haWebSocketSource = defineSource({
  name: SOURCE_NAME,
  options: HaWebSocketOptionsSchema,
  create: (options: ResolvedHaWebSocketOptions, hooks: HaWebSocketHooks): SourceImpl<HaEvent> => ({
    run: (ctx) => runSource(options, hooks, ctx),
  }),
});

// --- internal ---

async function runSource(options: ResolvedHaWebSocketOptions, hooks: HaWebSocketHooks, ctx: SourceContext<HaEvent>): Promise<void> {
  const stage = `source:${SOURCE_NAME}`;
  const guard = createGuard(ctx, stage);
  const logger = ctx.logger.child({ source: SOURCE_NAME });
  const metrics = createSourceMetrics(ctx.metrics, SOURCE_NAME);
  const checkpointKey = options.checkpointKey ?? defaultCheckpointKey(options.url);
  const saved = hooks.checkpoints === undefined ? undefined : await hooks.checkpoints.load<HaWebSocketCheckpoint>(checkpointKey);
  const savedTime = typeof saved?.time === 'number' && Number.isFinite(saved.time) ? saved.time : undefined;
  const tracker = createCheckpointTracker(savedTime);
  const shared: SharedState = { connection: undefined, backfill: undefined };
  // Backfill scope beyond get_states, persisted with the checkpoint (see entity-scope.ts).
  const scope = createEntityScope(Array.isArray(saved?.entities) ? saved.entities.filter((e) => typeof e === 'string') : []);
  const loopAbort = new AbortController();
  // Stops the connect loop on a fatal condition found elsewhere (the delivery loop failing, a refused subscription).
  const fatalAbort = new AbortController();
  const signal = AbortSignal.any([ctx.signal, fatalAbort.signal]);
  let fatal: unknown;
  const failFatally = (error: unknown) => {
    fatal ??= error;
    fatalAbort.abort();
  };
  const registrySync: RegistrySync | undefined =
    hooks.registry !== undefined && options.registry.enabled
      ? createRegistrySync({ store: hooks.registry, debounceMs: options.registry.debounceMs, guard })
      : undefined;
  const eventTypes = [...new Set([...options.eventTypes, ...(registrySync === undefined ? [] : REGISTRY_EVENT_TYPES)])];
  let baseline: EpochMicros | undefined = savedTime;

  const buffer = createInboundBuffer({
    maxEvents: options.inboundBuffer.maxEvents,
    spillDir: options.inboundBuffer.spillDir,
    maxSpillEvents: options.inboundBuffer.maxSpillEvents,
    tracker,
    onDepth: metrics.depth,
    onOverflow: (event) => {
      metrics.overflow();
      if (shared.backfill !== undefined) return;
      logger.warn({ key: event.key }, 'inbound buffer full: dropping events and marking a gap for backfill');
      const from = tracker.watermark() ?? baseline;
      if (from !== undefined && options.backfill.enabled) requestBackfill({ shared, tracker, buffer }, from, 'inbound overflow');
    },
  });

  const checkpoint = createCheckpointWriter({
    store: hooks.checkpoints,
    key: checkpointKey,
    intervalMs: options.checkpointIntervalMs,
    watermark: () => tracker.watermark(),
    entities: (watermark) => scope.ids(watermark),
    guard,
  });
  const delivery = runDeliveryLoop({
    ctx,
    options,
    sourceName: SOURCE_NAME,
    stage,
    shared,
    buffer,
    tracker,
    recent: createRecentKeys(RECENT_KEYS),
    metrics,
    scope,
    onAcked: checkpoint.schedule,
    signal: loopAbort.signal,
  }).catch((error: unknown) => {
    // The pipeline refused events while the source still runs: nothing could be delivered any more.
    if (!loopAbort.signal.aborted && !ctx.signal.aborted) failFatally(error);
  });

  const onRawEvent = (raw: unknown, connection: HaConnection) => {
    const normalised = normaliseEvent(raw, { source: SOURCE_NAME, mode: 'live', receivedAt: millisToMicros(ctx.now()) });
    if (!normalised.ok) {
      ctx.deadLetter({ stage, reason: normalised.reason, message: normalised.message, raw });
      return;
    }
    buffer.push(normalised.event);
    if (isStateChanged(normalised.event)) scope.seen(normalised.event.entity_id, normalised.event.time_fired, normalised.event.state === null);
    if (registrySync !== undefined && registryOfEvent(normalised.event.event_type) !== undefined) {
      registrySync.onEvent(normalised.event.event_type, connection);
    }
  };

  const backoff = createBackoff(options.reconnect, hooks.random ?? Math.random);
  let everConnected = false;
  let registryLoaded = false;
  try {
    while (!signal.aborted) {
      let connection: HaConnection;
      try {
        connection = await connectHa({
          url: options.url,
          token: options.token,
          connectTimeoutMs: options.connectTimeoutMs,
          compression: options.compression,
          tls: options.tls,
          ...(hooks.createSocket === undefined ? {} : { createSocket: hooks.createSocket }),
          signal,
          stage,
          onFrame: (n) => {
            metrics.frames(1);
            metrics.messages(n);
          },
          guard,
          onInvalidFrame: (text, error) =>
            ctx.deadLetter({
              stage,
              // `invalid_frame` stays the label of unparsable frames; a too-deep frame says so (issue 11).
              reason: error.reason === 'json_too_deep' ? 'json_too_deep' : 'invalid_frame',
              message: `frame refused: ${error.message}`,
              raw: redact(text.slice(0, 4096), options.token),
            }),
        });
      } catch (error) {
        if (signal.aborted) break;
        if (isSdkError(error, ErrorCode.AUTH_FAILED)) {
          ctx.setStatus({ connected: false, message: error.message });
          logger.error({ err: error }, 'authentication failed: not reconnecting');
          throw error;
        }
        const delay = backoff.nextDelay(ctx.now());
        logger.warn({ err: error, retryInMs: delay }, 'cannot connect to HA');
        ctx.setStatus({ connected: false, message: `${errorMessage(error)}; retrying in ${(delay / 1000).toFixed(1)} s` });
        await waitOrAbort(delay, signal);
        if (everConnected || backoff.attempts() > 0) metrics.reconnect();
        continue;
      }
      backoff.connected(ctx.now());
      const closeInfo = await runSession(connection);
      if (signal.aborted) break;
      everConnected = true;
      const delay = backoff.nextDelay(ctx.now());
      const reason = closeInfo.error?.message ?? `closed (code ${closeInfo.code})`;
      logger.warn({ retryInMs: delay, code: closeInfo.code }, `connection to HA lost: ${reason}`);
      ctx.setStatus({ connected: false, message: `${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s` });
      await waitOrAbort(delay, signal);
      metrics.reconnect();
    }
  } finally {
    loopAbort.abort();
    registrySync?.stop();
    await delivery;
    buffer.close();
    await checkpoint.flush();
  }
  if (fatal !== undefined && !ctx.signal.aborted) {
    ctx.setStatus({ connected: false, message: errorMessage(fatal) });
    throw fatal;
  }

  async function runSession(connection: HaConnection) {
    let stopHeartbeat: () => void = () => undefined;
    let openGate: (() => void) | undefined;
    const releaseGate = () => {
      shared.gate = undefined;
      openGate?.();
      openGate = undefined;
    };
    const subscriptions: number[] = [];
    try {
      // Started first: a HA that stops answering during setup (subscribe, get_states) is a dead link too.
      stopHeartbeat = startHeartbeat({
        ping: connection.ping,
        intervalMs: options.heartbeatIntervalMs,
        timeoutMs: options.heartbeatTimeoutMs,
        guard,
        onDead: () =>
          connection.terminate(
            new SdkError(ErrorCode.CONNECTION_LOST, `dead link: no pong within ${options.heartbeatTimeoutMs} ms`, { stage }),
          ),
      });
      // First connect with registry sync: hold emission until the registries are loaded (events are
      // still read and buffered), so the very first events already get their area/device enrichment.
      if (registrySync !== undefined && !registryLoaded) {
        shared.gate = new Promise<void>((resolve) => (openGate = resolve));
      }
      const from = tracker.watermark() ?? baseline;
      // Pin the checkpoint before live events flow, so post-reconnect acks cannot jump over the gap.
      if (from !== undefined && options.backfill.enabled) requestBackfill({ shared, tracker, buffer }, from, savedTime !== undefined && !everConnected ? 'restart' : 'reconnect');
      for (const type of eventTypes) subscriptions.push(await connection.subscribeEvents(type, (raw) => onRawEvent(raw, connection)));
      baseline ??= millisToMicros(ctx.now());
      shared.connection = connection;
      buffer.interrupt();
      ctx.setStatus({ connected: true });
      logger.info({ haVersion: connection.haVersion, subscriptions: eventTypes.length }, 'connected to HA');
      if (options.backfill.enabled && options.backfill.entityIds === undefined) {
        await entitiesInScope(connection, undefined).then(
          (ids) => scope.addAll(ids),
          (error: unknown) => logger.warn({ err: error }, 'get_states failed; backfill scope may miss entities removed during a gap'),
        );
      }
      if (registrySync !== undefined) {
        await registrySync.syncAll(connection).then(
          () => (registryLoaded = true),
          (error: unknown) => logger.warn({ err: error }, 'registry sync failed; continuing without fresh registries'),
        );
      }
      releaseGate();
      await Promise.race([connection.closed, waitOrAbort(2 ** 31 - 1, signal)]);
    } catch (error) {
      if (isSdkError(error, ErrorCode.COMMAND_FAILED)) {
        // E.g. `unauthorized` for a non-admin user and an event type outside HA's allowlist: retrying cannot help.
        logger.error({ err: error }, 'HA refused a subscription: not reconnecting');
        failFatally(new SdkError(ErrorCode.COMMAND_FAILED, `${error.message} (check eventTypes and that the token's user is an administrator)`, { stage, retryable: false, cause: error, ...(error.data === undefined ? {} : { data: error.data }) }));
      } else if (!isSdkError(error, ErrorCode.CONNECTION_LOST)) logger.warn({ err: error }, 'session setup failed; reconnecting');
      connection.terminate(error instanceof SdkError ? error : new SdkError(ErrorCode.PROTOCOL_ERROR, errorMessage(error), { stage, cause: error }));
    } finally {
      releaseGate();
      stopHeartbeat();
      if (shared.connection === connection) shared.connection = undefined;
    }
    if (signal.aborted) {
      await closeCleanly(connection, subscriptions);
      ctx.setStatus({ connected: false, message: 'stopped' });
    }
    return connection.closed;
  }
}

async function closeCleanly(connection: HaConnection, subscriptions: readonly number[]): Promise<void> {
  await withDeadline(Promise.allSettled(subscriptions.map((id) => connection.unsubscribe(id))), UNSUBSCRIBE_TIMEOUT_MS);
  await withDeadline(connection.close(), UNSUBSCRIBE_TIMEOUT_MS);
  connection.terminate(new SdkError(ErrorCode.ABORTED, 'stopped', { retryable: false }));
}

/** Waits for `promise` at most `ms` (HA may not answer while it shuts down); never rejects. */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
