import { ErrorCode, isSdkError, errorMessage } from '@ha-ingestor/core';
import { redact } from '../connection/connect-errors.js';
import { connectHa } from '../connection/connection.js';
import type { CreateSocket, HaConnection } from '../connection/connection.js';
import { createBackoff, waitOrAbort } from '../connection/reconnect.js';
import { runSession } from './session.js';
import type { SourceRun } from './source-run.js';

/** How the connect loop reaches HA: the source's socket factory and backoff jitter hooks. */
export interface ConnectHooks {
  readonly createSocket: CreateSocket | undefined;
  /** Uniform [0,1) source for the backoff jitter. */
  readonly random: () => number;
}

/**
 * Connects, runs a session until the connection is lost, waits a capped, jittered backoff and connects
 * again, until the run's signal aborts (stop, or a fatal error found elsewhere). A refused token is fatal
 * here (thrown: reconnecting cannot fix it); every other failure is retried.
 */
export async function connectLoop(run: SourceRun, hooks: ConnectHooks): Promise<void> {
  const { ctx, logger, metrics, progress, signal } = run;
  const backoff = createBackoff(run.options.reconnect, hooks.random);
  while (!signal.aborted) {
    let connection: HaConnection;
    try {
      connection = await connect(run, hooks.createSocket);
    } catch (error) {
      if (signal.aborted) break;
      if (isSdkError(error, ErrorCode.AUTH_FAILED)) {
        ctx.setStatus({ connected: false, message: error.message });
        logger.error({ err: error }, 'authentication failed: not reconnecting');
        throw error;
      }
      const delay = backoff.nextDelay(ctx.now());
      logger.warn({ err: error, retryInMs: delay }, 'cannot connect to HA');
      ctx.setStatus({
        connected: false,
        message: `${errorMessage(error)}; retrying in ${(delay / 1000).toFixed(1)} s`,
      });
      await waitOrAbort(delay, signal);
      if (progress.everConnected || backoff.attempts() > 0) metrics.reconnect();
      continue;
    }
    backoff.connected(ctx.now());
    const closeInfo = await runSession(run, connection);
    if (signal.aborted) break;
    progress.everConnected = true;
    const delay = backoff.nextDelay(ctx.now());
    const reason = closeInfo.error?.message ?? `closed (code ${closeInfo.code})`;
    logger.warn({ retryInMs: delay, code: closeInfo.code }, `connection to HA lost: ${reason}`);
    ctx.setStatus({ connected: false, message: `${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s` });
    await waitOrAbort(delay, signal);
    metrics.reconnect();
  }
}

// --- internal ---

/** One connection attempt: socket, auth, feature negotiation; frames are counted and bad ones dead-lettered. */
function connect(run: SourceRun, createSocket: CreateSocket | undefined): Promise<HaConnection> {
  const { options, ctx, stage, metrics } = run;
  return connectHa({
    url: options.url,
    token: options.token,
    connectTimeoutMs: options.connectTimeoutMs,
    compression: options.compression,
    tls: options.tls,
    ...(createSocket === undefined ? {} : { createSocket }),
    signal: run.signal,
    stage,
    onFrame: (n) => {
      metrics.frames(1);
      metrics.messages(n);
    },
    guard: run.guard,
    onInvalidFrame: (text, error) =>
      ctx.deadLetter({
        stage,
        // `invalid_frame` stays the label of unparsable frames; a too-deep frame says so (issue 11).
        reason: error.reason === 'json_too_deep' ? 'json_too_deep' : 'invalid_frame',
        message: `frame refused: ${error.message}`,
        raw: redact(text.slice(0, 4096), options.token),
      }),
  });
}
