import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage, isSdkError, redactSecrets, type Logger } from '@ha-ingestor/core';
import { FORMAT_INFO, isExportFormat, EXPORT_FORMATS } from './formats.js';
import { exportFromStore, type StoreExportContext } from './store-export.js';
import { parseRange } from './store-options.js';

/** Exports running at once at most; more get 503 with Retry-After (each holds a database query open). */
export const MAX_CONCURRENT_EXPORTS = 2;

/** What `/api/v1/export` needs to read from the database. */
export interface StoreExportService {
  readonly database: StoreExportContext['database'];
  readonly toLineProtocol: StoreExportContext['toLineProtocol'];
  /** Exports at once. @default MAX_CONCURRENT_EXPORTS */
  readonly maxConcurrent?: number;
}

/** Hooks of the HTTP layer. */
export interface StoreExportHttp {
  readonly logger: Logger;
  /** Counts a refused request by reason (the API's `http_requests_refused_total`). */
  readonly refuse: (reason: string) => void;
  readonly sendJson: (res: ServerResponse, status: number, body: unknown) => void;
}

/** The handler of `/api/v1/export` when a database is configured. */
export type StoreExportHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/**
 * Makes the handler: `start`/`end` (ISO 8601, required), `format`, `entities` (comma-separated ids or
 * globs). Streams the range as an attachment (`Content-Disposition`), with the writer's backpressure;
 * a client that disconnects aborts the query. An error before the first byte is a JSON 400 (request)
 * or 502 (database); after it, the response is cut off (the client sees an incomplete chunked body).
 */
export function createStoreExportHandler(service: StoreExportService, http: StoreExportHttp): StoreExportHandler {
  const max = service.maxConcurrent ?? MAX_CONCURRENT_EXPORTS;
  let running = 0;
  return async (req, res, url) => {
    const startText = url.searchParams.get('start');
    const endText = url.searchParams.get('end');
    const format = url.searchParams.get('format') ?? 'ndjson';
    if (startText === null || endText === null) {
      http.refuse('bad_request');
      return http.sendJson(res, 400, {
        error: 'start and end are required with a database (ISO 8601 times, e.g. start=2026-01-01T00:00:00Z)',
      });
    }
    let range: { start: number; end: number };
    try {
      range = parseRange(startText, endText);
    } catch (error) {
      http.refuse('bad_request');
      return http.sendJson(res, 400, { error: errorMessage(error) });
    }
    if (!isExportFormat(format)) {
      http.refuse('bad_request');
      return http.sendJson(res, 400, { error: `format must be one of ${EXPORT_FORMATS.join(', ')}` });
    }
    const entities = (url.searchParams.get('entities') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (running >= max) {
      http.refuse('export_busy');
      res.setHeader('retry-after', '30');
      return http.sendJson(res, 503, { error: `${max} exports are running; try again later` });
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, headers(format, range));
      res.end();
      return;
    }
    running++;
    // A client that reads nothing for 5 minutes (or a query silent that long) frees its slot.
    // guard-exempt: destroy() does not throw
    res.setTimeout(300_000, () => res.destroy());
    const controller = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) controller.abort();
    };
    // guard-exempt: aborting our own controller cannot throw
    res.on('close', onClose);
    for (const [name, value] of Object.entries(headers(format, range))) res.setHeader(name, value);
    res.statusCode = 200;
    try {
      await exportFromStore({ ...range, entities, format }, res, {
        database: service.database,
        toLineProtocol: service.toLineProtocol,
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) return; // the client left: nothing to answer
      const message = redactSecrets(isSdkError(error) ? `${error.code}: ${error.message}` : errorMessage(error));
      if (!res.headersSent) {
        const config = isSdkError(error, 'CONFIG_INVALID');
        http.refuse(config ? 'bad_request' : 'export_failed');
        for (const name of ['content-disposition', 'content-type']) res.removeHeader(name);
        return http.sendJson(res, config ? 400 : 502, { error: message });
      }
      http.logger.warn({ err: message }, 'export failed after the response started; the response was cut off');
      res.destroy();
    } finally {
      running--;
      res.off('close', onClose);
    }
  };
}

// --- internal ---

function headers(format: keyof typeof FORMAT_INFO, range: { start: number; end: number }): Record<string, string> {
  const stamp = (us: number) => new Date(Math.floor(us / 1000)).toISOString().replace(/[:.]/g, '-');
  const name = `ha-export_${stamp(range.start)}_${stamp(range.end)}.${FORMAT_INFO[format].ext}`;
  return {
    'content-type': FORMAT_INFO[format].contentType,
    'content-disposition': `attachment; filename="${name}"`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}
