import { maskUrl } from '@ha-ingestor/core';
import type { SdkError } from '@ha-ingestor/core';
import { createHttpClient } from './http.js';
import type { ResolvedInfluxSinkOptions } from './options.js';
import { parseRetryAfter } from '@ha-ingestor/core/resilience';
import { serverMessage } from './responses.js';
import { healthError } from './writer.js';
import type { InfluxWriter } from './writer.js';

/**
 * v2 write path: `POST /api/v2/write?org=&bucket=&precision=` with `Authorization: Token …`, gzip over
 * `gzipThresholdBytes`, on the same small keep-alive client as the v1 path (issue 14: the official client's
 * transport cost more CPU per write than the whole write of a small batch should — an async gzip per body,
 * a stream pipeline and an async iterator per answer, a per-write AbortController because it never removes
 * its abort listener). Bodies are our pre-serialised line protocol; statuses are mapped by the caller.
 */
export function createV2Writer(
  options: ResolvedInfluxSinkOptions,
  stage: string,
  now: () => number,
  report: (error: SdkError) => void,
): InfluxWriter {
  const http = createHttpClient({
    baseUrl: options.url,
    timeoutMs: options.timeoutMs,
    gzipThresholdBytes: options.gzip ? options.gzipThresholdBytes : Number.POSITIVE_INFINITY,
    stage,
    report,
  });
  const params = new URLSearchParams({ bucket: options.bucket ?? '', precision: options.precision });
  if (options.org !== undefined) params.set('org', options.org);
  const writePath = `/api/v2/write?${params}`;
  const origin = maskUrl(options.url).replace(/\/+$/, '');
  const target = `POST ${origin}/api/v2/write`;
  const tokenHeader: Record<string, string> =
    options.token === undefined ? {} : { authorization: `Token ${options.token}` };

  const writeHeaders = { ...tokenHeader, 'content-type': 'text/plain; charset=utf-8' };

  return {
    describe: { stage, target, destination: `bucket "${options.bucket ?? ''}"` },
    send: async (body, _count, signal) => {
      const response = await http.request({
        method: 'POST',
        path: writePath,
        headers: writeHeaders,
        body,
        gzip: true,
        ...(signal === undefined ? {} : { signal }),
      });
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
      return { status: response.status, body: response.body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
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
    close: () => http.close(),
  };
}
