import { HttpError, InfluxDB, setLogger } from '@influxdata/influxdb-client';
import type { Logger as ClientLogger } from '@influxdata/influxdb-client';
import { createGuard, createReportingGuard, ErrorCode, SdkError, maskUrl, errorMessage } from '@ha-ingestor/core';
import type { Logger } from '@ha-ingestor/core';
import { createHttpClient } from './http.js';
import type { ResolvedInfluxSinkOptions } from './options.js';
import { parseRetryAfter } from '@ha-ingestor/core/resilience';
import { serverMessage } from './responses.js';
import type { WireResponse } from './responses.js';
import { healthError } from './writer.js';
import type { InfluxWriter } from './writer.js';

/**
 * v2 write path: `POST /api/v2/write?org=&bucket=&precision=` through the official client's transport
 * (token auth, gzip over `gzipThresholdBytes`, keep-alive agent shared with the health check). The client's
 * WriteApi is not used: its buffer and retry layer would sit on top of ours (one buffer, one retry layer:
 * the pipeline's), and it cannot be cancelled. Bodies are our pre-serialised line protocol.
 */
export function createV2Writer(
  options: ResolvedInfluxSinkOptions,
  stage: string,
  now: () => number,
  logger: () => Logger,
  report: (error: SdkError) => void,
): InfluxWriter {
  const unroute = routeClientLogs(logger);
  const http = createHttpClient({
    baseUrl: options.url,
    timeoutMs: options.timeoutMs,
    gzipThresholdBytes: Number.POSITIVE_INFINITY,
    stage,
    report,
  });
  const guard = createReportingGuard(report, stage);
  const client = new InfluxDB({
    url: options.url,
    ...(options.token === undefined ? {} : { token: options.token }),
    timeout: options.timeoutMs,
    transportOptions: { agent: http.agent },
  });
  const transport = client.transport;
  const params = new URLSearchParams({ bucket: options.bucket ?? '', precision: options.precision });
  if (options.org !== undefined) params.set('org', options.org);
  const writePath = `/api/v2/write?${params}`;
  const origin = maskUrl(options.url).replace(/\/+$/, '');
  const target = `POST ${origin}/api/v2/write`;
  const tokenHeader: Record<string, string> =
    options.token === undefined ? {} : { authorization: `Token ${options.token}` };

  const sendOnce = (body: string, signal: AbortSignal): Promise<WireResponse> =>
    new Promise((resolve, reject) => {
      let status = 0;
      // The transport calls these outside our try (issue 11): a throw fails this request instead.
      const callback = createGuard({ report: reject }, stage);
      transport.send(
        writePath,
        body,
        {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          ...(options.gzip ? { gzipThreshold: options.gzipThresholdBytes } : {}),
          signal,
        },
        {
          responseStarted: callback('responseStarted', (_headers: unknown, statusCode?: number) => {
            status = statusCode ?? 0;
          }),
          next: () => undefined,
          complete: () => resolve({ status: status || 204, body: '' }),
          error: callback('error', (error: Error) => {
            if (error instanceof HttpError) {
              const retryAfterMs = parseRetryAfter(error.headers?.['retry-after'], now());
              resolve({
                status: error.statusCode,
                body: error.body ?? '',
                ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
              });
            } else if (error.name === 'AbortError' || signal.aborted) {
              reject(new SdkError(ErrorCode.ABORTED, 'write aborted', { stage, retryable: false }));
            } else {
              const reason = error.name === 'RequestTimedOutError' ? 'timeout' : 'network';
              const code = (error as NodeJS.ErrnoException).code;
              reject(
                new SdkError(ErrorCode.SINK_UNAVAILABLE, `${target} failed: ${code ?? error.message}`, {
                  stage,
                  retryable: true,
                  cause: error,
                  data: { reason, ...(code === undefined ? {} : { errno: code }) },
                }),
              );
            }
          }),
        },
      );
    });

  return {
    describe: { stage, target, destination: `bucket "${options.bucket ?? ''}"` },
    send: async (body, _count, outer) => {
      // The transport never removes its abort listener: give it a per-request signal, not the
      // pipeline's long-lived one (which would collect one listener per write).
      const request = new AbortController();
      const onAbort = guard('abort', () => request.abort(outer?.reason));
      if (outer?.aborted === true) request.abort(outer.reason);
      // guard-exempt: onAbort is made by guard('abort', …) above; kept in a variable to remove it again
      else outer?.addEventListener('abort', onAbort, { once: true });
      try {
        return await sendOnce(body, request.signal);
      } finally {
        outer?.removeEventListener('abort', onAbort);
      }
    },
    ping: async (signal) => {
      const response = await http.request({ method: 'GET', path: '/health', headers: tokenHeader, signal });
      if (response.status === 200 || response.status === 204) return;
      // VictoriaMetrics and some proxies only know /ping.
      if (response.status === 404) {
        const ping = await http.request({ method: 'GET', path: '/ping', headers: tokenHeader, signal });
        if (ping.status === 200 || ping.status === 204) return;
      }
      throw healthError(response.status, `GET ${origin}/health`, stage, serverMessage(response.body));
    },
    close: () => {
      unroute();
      http.close();
    },
  };
}

// The client's logger is process-wide: route it to the logger of the newest open v2 sink.
const clientLoggers: (() => Logger)[] = [];
let routed = false;

function routeClientLogs(logger: () => Logger): () => void {
  clientLoggers.unshift(logger);
  if (!routed) {
    routed = true;
    const current = (): Logger | undefined => clientLoggers[0]?.();
    const forward: ClientLogger = {
      error: (message, err) => current()?.error({ source: '@influxdata/influxdb-client', err: describe(err) }, message),
      warn: (message, err) => current()?.warn({ source: '@influxdata/influxdb-client', err: describe(err) }, message),
    };
    setLogger(forward);
  }
  return () => {
    const i = clientLoggers.indexOf(logger);
    if (i >= 0) clientLoggers.splice(i, 1);
  };
}

function describe(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  return errorMessage(err);
}
