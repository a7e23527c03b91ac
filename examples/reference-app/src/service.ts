import { collectDefaultMetrics } from 'prom-client';
import { createReportingGuard, type Logger, type PipelineStats } from '@ha-ingestor/core';
import { join } from 'node:path';
import { createIngestor, DEAD_LETTER_FILE, type Ingestor, type IngestorOverrides } from './app.js';
import { maskedConfig, type AppConfig } from './config.js';
import { storeExportOf } from './export/store-options.js';
import { startHttpApi } from './http-api.js';
import { assertSafeExposure, isLoopbackHost } from './http-auth.js';
import { createLineProtocolExporter } from './lp-export.js';
import { RecentEvents, type RecentEvent } from './recent.js';
import { registerNatsMetrics } from './roles.js';

/** A running service: the ingestor plus its HTTP API. */
export interface RunningService {
  readonly ingestor: Ingestor;
  readonly url: string;
  readonly recent: RecentEvents;
  /** Graceful stop: sources, drain, flush, close, HTTP. Idempotent. */
  readonly stop: () => Promise<PipelineStats>;
}

/**
 * Starts the ingestor and its HTTP API. Refuses (ConfigError) to serve the API on a non-loopback address
 * without API_TOKEN unless HTTP_ALLOW_UNAUTHENTICATED=true, before anything is started (issue 11).
 */
export async function startService(
  config: AppConfig,
  logger: Logger,
  options: { version: string; overrides?: IngestorOverrides },
): Promise<RunningService> {
  assertSafeExposure(config.http);
  if (config.http.apiToken === undefined && !isLoopbackHost(config.http.host)) {
    logger.warn(
      { host: config.http.host, allowedHosts: config.http.allowedHosts },
      'HTTP_ALLOW_UNAUTHENTICATED=true: the API is open to anyone who can reach this address; requests must name a Host in HTTP_ALLOWED_HOSTS (or localhost)',
    );
  }
  const ingestor = await createIngestor(config, logger, options.overrides);
  const { pipeline } = ingestor;
  const registry = pipeline.metrics.registry;
  collectDefaultMetrics({ register: registry, prefix: 'ha_ingestor_process_' });
  if (ingestor.nats !== undefined) registerNatsMetrics(registry, ingestor.nats);

  const recent = new RecentEvents(config.http.recentEvents);
  // One listener: the HTTP API's SSE hub (which fans out to its bounded set of clients).
  const listeners = new Set<(events: readonly RecentEvent[]) => void>();
  // guard-exempt: pipeline.events listeners run inside the runtime's guarded emit (emitSafely reports a throw)
  pipeline.events.on('processed', (events) => {
    const added = recent.add(events);
    if (added.length > 0) for (const l of listeners) l(added);
  });
  // guard-exempt: pipeline.events listeners run inside the runtime's guarded emit (report falls back to the logger)
  pipeline.events.on('error', (error) => logger.error({ err: error }, error.message));

  const http = await startHttpApi(
    {
      pipeline,
      recent,
      registry,
      logger,
      version: options.version,
      maskedConfig: () => maskedConfig(config),
      ...(ingestor.nats === undefined ? {} : { nats: ingestor.nats }),
      toLineProtocol: createLineProtocolExporter({ kind: config.influx.schema }, config.influx.precision),
      ...storeExportOf(config),
      onEvents: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      access: {
        allowedHosts: config.http.allowedHosts,
        ...(config.http.apiToken === undefined ? {} : { apiToken: config.http.apiToken }),
        ...(config.http.ingressProxy === undefined ? {} : { ingressProxy: config.http.ingressProxy }),
      },
      sse: {
        maxClients: config.http.sseMaxClients,
        maxBufferedBytes: config.http.sseMaxBufferedBytes,
        heartbeatMs: Math.round(config.http.sseHeartbeatS * 1000),
      },
      maxConnections: config.http.maxConnections,
      deadLetterPath: join(config.dataDir, DEAD_LETTER_FILE),
    },
    config.http.host,
    config.http.port,
  );

  try {
    await pipeline.start();
  } catch (error) {
    await http.close();
    throw error;
  }
  logger.info(
    { url: http.url, role: config.role, sources: ingestor.sources, sinks: ingestor.sinks },
    'ha-ingestor started',
  );

  let stopping: Promise<PipelineStats> | undefined;
  return {
    ingestor,
    url: http.url,
    recent,
    stop: () =>
      (stopping ??= (async () => {
        const stats = await pipeline.stop();
        await http.close();
        return stats;
      })()),
  };
}

/**
 * Stops the service gracefully on SIGINT/SIGTERM; a second signal forces exit. Resolves with the final
 * stats once stopped (by a signal, by `stopAfterMs`, or because a source failed fatally: reason `fatal`).
 */
export function stopOnSignals(
  service: RunningService,
  logger: Logger,
  stopAfterMs?: number,
): Promise<{ stats: PipelineStats; reason: string }> {
  const guard = createReportingGuard((error) => logger.error({ err: error }, error.message), 'service');
  return new Promise<{ stats: PipelineStats; reason: string }>((resolve, reject) => {
    let signalled = false;
    const timer =
      stopAfterMs === undefined
        ? undefined
        : setTimeout(
            guard('stop timer', () => finish('timer')),
            stopAfterMs,
          );
    const onSignal = guard('signal', (signal: NodeJS.Signals) => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: forcing exit');
        process.exit(130);
      }
      signalled = true;
      finish(signal);
    });
    function finish(reason: string): void {
      if (timer !== undefined) clearTimeout(timer);
      logger.info({ reason }, 'stopping: sources, drain, flush, close');
      service.stop().then(
        (stats) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve({ stats, reason });
        },
        (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
      );
    }
    // guard-exempt: onSignal is a guard(...) made above (kept in a variable so process.off can remove it)
    process.on('SIGINT', onSignal);
    // guard-exempt: onSignal is a guard(...) made above
    process.on('SIGTERM', onSignal);
    service.ingestor.pipeline.idle().then(
      () => undefined,
      (error: unknown) => {
        logger.error({ err: error }, 'a source failed fatally');
        finish('fatal');
      },
    );
  });
}
