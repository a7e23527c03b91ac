import { ErrorCode, SdkError, isSdkError, millisToMicros, errorMessage } from '@ha-ingestor/core';
import type { CloseInfo, HaConnection } from '../connection/connection.js';
import { startHeartbeat } from '../connection/heartbeat.js';
import { waitOrAbort } from '../connection/reconnect.js';
import { requestBackfill } from '../intake/delivery-loop.js';
import type { SharedState } from '../intake/delivery-loop.js';
import { intakeRawEvent } from '../intake/raw-event-intake.js';
import { entitiesInScope } from '../recovery/backfill.js';
import type { SourceRun } from './source-run.js';

const UNSUBSCRIBE_TIMEOUT_MS = 2_000;

/** What one session holds until it ends. */
interface SessionState {
  readonly connection: HaConnection;
  /** Subscription ids, unsubscribed when the source stops. */
  readonly subscriptions: number[];
  stopHeartbeat: () => void;
  /** Opens the registry gate this session closed (see {@link SharedState.gate}). */
  openGate: (() => void) | undefined;
}

/**
 * Runs one connected session until the connection closes or the run stops: heartbeat, subscriptions,
 * backfill of the gap before it, get_states and registry sync; then hands the connection to the
 * delivery loop and waits. Resolves with how the connection closed. A subscription HA refuses is fatal
 * for the run; other setup failures close the connection, and the connect loop reconnects.
 */
export async function runSession(run: SourceRun, connection: HaConnection): Promise<CloseInfo> {
  const session: SessionState = { connection, subscriptions: [], stopHeartbeat: () => undefined, openGate: undefined };
  try {
    await setUpSession(run, session);
    await Promise.race([connection.closed, waitOrAbort(2 ** 31 - 1, run.signal)]);
  } catch (error) {
    failSession(run, connection, error);
  } finally {
    releaseGate(run.shared, session);
    session.stopHeartbeat();
    if (run.shared.connection === connection) run.shared.connection = undefined;
  }
  if (run.signal.aborted) {
    await closeCleanly(connection, session.subscriptions);
    run.ctx.setStatus({ connected: false, message: 'stopped' });
  }
  return connection.closed;
}

// --- internal ---

async function setUpSession(run: SourceRun, session: SessionState): Promise<void> {
  const { options, ctx, logger, shared, tracker, buffer, registrySync, progress } = run;
  const { connection } = session;
  // Started first: a HA that stops answering during setup (subscribe, get_states) is a dead link too.
  session.stopHeartbeat = startHeartbeat({
    ping: connection.ping,
    intervalMs: options.heartbeatIntervalMs,
    timeoutMs: options.heartbeatTimeoutMs,
    guard: run.guard,
    onDead: () =>
      connection.terminate(
        new SdkError(ErrorCode.CONNECTION_LOST, `dead link: no pong within ${options.heartbeatTimeoutMs} ms`, {
          stage: run.stage,
        }),
      ),
  });
  // First connect with registry sync: hold emission until the registries are loaded (events are
  // still read and buffered), so the very first events already get their area/device enrichment.
  if (registrySync !== undefined && !progress.registryLoaded) {
    shared.gate = new Promise<void>((resolve) => (session.openGate = resolve));
  }
  const from = tracker.watermark() ?? progress.baseline;
  // Pin the checkpoint before live events flow, so post-reconnect acks cannot jump over the gap.
  if (from !== undefined && options.backfill.enabled) {
    requestBackfill(
      { shared, tracker, buffer },
      from,
      run.savedTime !== undefined && !progress.everConnected ? 'restart' : 'reconnect',
    );
  }
  for (const type of run.eventTypes)
    session.subscriptions.push(await connection.subscribeEvents(type, (raw) => intakeRawEvent(run, raw, connection)));
  progress.baseline ??= millisToMicros(ctx.now());
  shared.connection = connection;
  buffer.interrupt();
  ctx.setStatus({ connected: true });
  logger.info({ haVersion: connection.haVersion, subscriptions: run.eventTypes.length }, 'connected to HA');
  if (options.backfill.enabled && options.backfill.entityIds === undefined) {
    await entitiesInScope(connection, undefined).then(
      (ids) => run.scope.addAll(ids),
      (error: unknown) =>
        logger.warn({ err: error }, 'get_states failed; backfill scope may miss entities removed during a gap'),
    );
  }
  if (registrySync !== undefined) {
    await registrySync.syncAll(connection).then(
      () => (progress.registryLoaded = true),
      (error: unknown) => logger.warn({ err: error }, 'registry sync failed; continuing without fresh registries'),
    );
  }
  releaseGate(shared, session);
}

/** A session that failed: a refused subscription ends the run; anything else closes the connection for a reconnect. */
function failSession(run: SourceRun, connection: HaConnection, error: unknown): void {
  const { logger, stage } = run;
  if (isSdkError(error, ErrorCode.COMMAND_FAILED)) {
    // E.g. `unauthorized` for a non-admin user and an event type outside HA's allowlist: retrying cannot help.
    logger.error({ err: error }, 'HA refused a subscription: not reconnecting');
    run.fatal.fail(
      new SdkError(
        ErrorCode.COMMAND_FAILED,
        `${error.message} (check eventTypes and that the token's user is an administrator)`,
        {
          stage,
          retryable: false,
          cause: error,
          ...(error.data === undefined ? {} : { data: error.data }),
        },
      ),
    );
  } else if (!isSdkError(error, ErrorCode.CONNECTION_LOST))
    logger.warn({ err: error }, 'session setup failed; reconnecting');
  connection.terminate(
    error instanceof SdkError
      ? error
      : new SdkError(ErrorCode.PROTOCOL_ERROR, errorMessage(error), { stage, cause: error }),
  );
}

/** Lets the delivery loop emit again (idempotent; also clears a gate a failed session left behind). */
function releaseGate(shared: SharedState, session: SessionState): void {
  shared.gate = undefined;
  session.openGate?.();
  session.openGate = undefined;
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
    await Promise.race([
      promise.then(
        () => undefined,
        () => undefined,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
