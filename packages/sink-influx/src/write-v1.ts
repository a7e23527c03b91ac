import { ErrorCode, SdkError, maskUrl } from '@ha-ingestor/core';
import { parseJsonText } from '@ha-ingestor/core/json';
import { createHttpClient } from './http.js';
import type { ResolvedInfluxSinkOptions } from './options.js';
import { parseRetryAfter } from '@ha-ingestor/core/resilience';
import { serverMessage } from './responses.js';
import { basicAuth, healthError } from './writer.js';
import type { InfluxWriter } from './writer.js';

/** `/write` precision parameter per SDK precision (1.x says `u` for µs and `n` for ns). */
const V1_PRECISION = { ns: 'n', us: 'u', ms: 'ms', s: 's' } as const;

/**
 * InfluxDB 1.x write path: `POST /write?db=&rp=&precision=` with HTTP Basic auth, gzip and keep-alive,
 * on our own small client. Deliberately not the official client: it treats the 404 of a missing
 * database as retryable and retries it for minutes.
 */
export function createV1Writer(
  options: ResolvedInfluxSinkOptions,
  stage: string,
  now: () => number,
  report: (error: SdkError) => void,
): InfluxWriter {
  const database = options.database ?? '';
  const http = createHttpClient({
    baseUrl: options.url,
    timeoutMs: options.timeoutMs,
    gzipThresholdBytes: options.gzip ? options.gzipThresholdBytes : Number.POSITIVE_INFINITY,
    stage,
    report,
  });
  const auth = basicAuth(options.username, options.password);
  const params = new URLSearchParams({ db: database, precision: V1_PRECISION[options.precision] });
  if (options.retentionPolicy !== undefined) params.set('rp', options.retentionPolicy);
  const writePath = `/write?${params}`;
  const origin = maskUrl(options.url).replace(/\/+$/, '');

  const query = async (q: string, signal?: AbortSignal): Promise<unknown> => {
    const body = new URLSearchParams({ q, db: database }).toString();
    const response = await http.request({
      method: 'POST',
      path: '/query',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      ...(signal === undefined ? {} : { signal }),
    });
    const message = serverMessage(response.body);
    if (response.status < 200 || response.status >= 300)
      throw healthError(response.status, `POST ${origin}/query`, stage, message);
    // Depth-bounded (issue 11): the answer comes from whatever the URL points at.
    const parsed = parseJsonText(response.body);
    if (!parsed.ok) {
      throw new SdkError(ErrorCode.PROTOCOL_ERROR, `POST ${origin}/query: answer is ${parsed.error.message}`, {
        stage,
        data: { reason: parsed.error.reason },
      });
    }
    const json = parsed.value;
    const statementError = (json as { results?: { error?: unknown }[] }).results?.[0]?.error;
    if (typeof statementError === 'string') {
      throw new SdkError(ErrorCode.SINK_REJECTED, `POST ${origin}/query: ${statementError}`, {
        stage,
        data: { statement: q.split(' ')[0] },
      });
    }
    return json;
  };

  return {
    describe: { stage, target: `POST ${origin}/write`, destination: `database "${database}"` },
    send: async (body, _count, signal) => {
      const response = await http.request({
        method: 'POST',
        path: writePath,
        headers: { ...auth, 'content-type': 'text/plain; charset=utf-8' },
        body,
        gzip: true,
        ...(signal === undefined ? {} : { signal }),
      });
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
      return { status: response.status, body: response.body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    },
    ping: async (signal) => {
      const response = await http.request({ method: 'GET', path: '/ping', headers: auth, signal });
      if (response.status !== 204 && response.status !== 200) {
        throw healthError(response.status, `GET ${origin}/ping`, stage, serverMessage(response.body));
      }
      // /ping needs no auth: with credentials, also prove they work (401 → AUTH_FAILED → unhealthy).
      if (options.username !== undefined) await query('SHOW DATABASES', signal);
    },
    query,
    close: () => http.close(),
  };
}
