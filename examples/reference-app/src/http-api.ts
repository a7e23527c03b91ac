import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, Pipeline } from '@ha-ingestor/core';
import type { Registry } from 'prom-client';
import { matches, type RecentEvent, type RecentEvents, type RecentFilter } from './recent.js';

/** What the HTTP API serves from. */
export interface HttpApiDeps {
  readonly pipeline: Pipeline;
  readonly recent: RecentEvents;
  readonly registry: Registry;
  readonly maskedConfig: () => unknown;
  readonly logger: Logger;
  readonly version: string;
  readonly apiToken?: string;
  /** Serialises events as InfluxDB line protocol for /api/v1/export?format=lp. */
  readonly toLineProtocol: (events: readonly Readonly<Record<string, unknown>>[]) => string;
  /** Extra counters for /api/v1/stats (reconnects, outbox, …). */
  readonly extraStats?: () => Record<string, unknown>;
  /** Subscribe to newly processed events (for SSE); returns an unsubscribe function. */
  readonly onEvents: (listener: (events: readonly RecentEvent[]) => void) => () => void;
}

const ENDPOINTS = [
  'GET /',
  'GET /health',
  'GET /ready',
  'GET /health/dependencies',
  'GET /metrics',
  'GET /api/v1/events/recent?limit&entity_id&domain&event_type',
  'GET /api/v1/events/stream?entity_id&domain&event_type',
  'GET /api/v1/stats',
  'GET /api/v1/config',
  'GET /api/v1/export?format=ndjson|csv|lp&limit&entity_id&domain&event_type',
];

/** Starts the HTTP API on host:port (port 0 = any free port). */
export async function startHttpApi(deps: HttpApiDeps, host: string, port: number): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const sse = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    handle(deps, req, res, sse).catch((error: unknown) => {
      deps.logger.error({ err: error, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: async () => {
      for (const res of sse) res.end();
      sse.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- internal ---

async function handle(deps: HttpApiDeps, req: IncomingMessage, res: ServerResponse, sse: Set<ServerResponse>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `method ${req.method ?? ''} not allowed` });
  const path = url.pathname.replace(/\/+$/, '') || '/';

  switch (path) {
    case '/':
      return sendJson(res, 200, { service: 'ha-ingestor', version: deps.version, endpoints: ENDPOINTS });
    case '/health': {
      const health = deps.pipeline.health();
      return sendJson(res, health.status === 'down' ? 503 : 200, health);
    }
    case '/ready': {
      const health = deps.pipeline.health();
      const sourcesUp = health.components.filter((c) => c.kind === 'source').every((c) => c.status === 'ok');
      const sinksUp = health.components.filter((c) => c.kind === 'sink').every((c) => c.status !== 'down');
      const ready = sourcesUp && sinksUp;
      return sendJson(res, ready ? 200 : 503, { ready, components: health.components });
    }
    case '/health/dependencies': {
      const health = await deps.pipeline.checkHealth();
      return sendJson(res, health.status === 'down' ? 503 : 200, {
        status: health.status,
        dependencies: health.components
          .filter((c) => c.kind !== 'pipeline')
          .map((c) => ({
            name: c.name,
            kind: c.kind,
            status: c.status,
            message: c.message ?? null,
            response_time_ms: c.responseTimeMs ?? null,
          })),
      });
    }
    case '/metrics': {
      const text = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType });
      res.end(text);
      return;
    }
  }

  if (!path.startsWith('/api/v1/')) return sendJson(res, 404, { error: `no route ${path}`, endpoints: ENDPOINTS });
  if (deps.apiToken !== undefined && req.headers.authorization !== `Bearer ${deps.apiToken}`) {
    res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, 401, { error: 'missing or wrong bearer token' });
  }

  const filter = readFilter(url);
  if (typeof filter === 'string') return sendJson(res, 400, { error: filter });

  switch (path) {
    case '/api/v1/events/recent': {
      const limit = readLimit(url, 100);
      if (typeof limit === 'string') return sendJson(res, 400, { error: limit });
      const events = deps.recent.list(filter, limit);
      return sendJson(res, 200, { count: events.length, events: events.map((e) => e.event) });
    }
    case '/api/v1/stats': {
      const stats = deps.pipeline.stats();
      const recent = deps.recent.stats();
      const dropped = Object.entries(stats.dropped).reduce((n, [reason, v]) => (reason === 'duplicate' || reason === 'filtered' ? n : n + v), 0);
      return sendJson(res, 200, {
        events_total: recent.total,
        events_last_hour: recent.lastHour,
        events_today: recent.today,
        last_event_at: recent.lastEventAt === undefined ? null : new Date(recent.lastEventAt).toISOString(),
        error_rate: stats.received === 0 ? 0 : (dropped + stats.failed) / stats.received,
        pipeline: stats,
        ...(deps.extraStats?.() ?? {}),
      });
    }
    case '/api/v1/config':
      return sendJson(res, 200, deps.maskedConfig());
    case '/api/v1/events/stream': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': connected\n\n');
      sse.add(res);
      const unsubscribe = deps.onEvents((events) => {
        for (const e of events) if (matches(e, filter)) res.write(`event: ${e.event_type}\ndata: ${JSON.stringify(e.event)}\n\n`);
      });
      req.on('close', () => {
        unsubscribe();
        sse.delete(res);
      });
      return;
    }
    case '/api/v1/export': {
      const format = url.searchParams.get('format') ?? 'ndjson';
      const limit = readLimit(url, 1000);
      if (typeof limit === 'string') return sendJson(res, 400, { error: limit });
      const events = deps.recent.list(filter, limit).reverse();
      if (format === 'ndjson') return sendText(res, 'application/x-ndjson', events.map((e) => JSON.stringify(e.event)).join('\n') + (events.length ? '\n' : ''));
      if (format === 'csv') return sendText(res, 'text/csv', toCsv(events));
      if (format === 'lp') return sendText(res, 'text/plain', deps.toLineProtocol(events.map((e) => e.event)));
      return sendJson(res, 400, { error: `format must be one of ndjson, csv, lp (got ${JSON.stringify(format)})` });
    }
    default:
      return sendJson(res, 404, { error: `no route ${path}`, endpoints: ENDPOINTS });
  }
}

function readFilter(url: URL): RecentFilter | string {
  const filter: { entity_id?: string; domain?: string; event_type?: string } = {};
  for (const key of ['entity_id', 'domain', 'event_type'] as const) {
    const value = url.searchParams.get(key);
    if (value === null) continue;
    if (value === '' || value.length > 255 || /[\s,]/.test(value)) return `${key} must be a single non-empty identifier without spaces or commas (got ${JSON.stringify(value.slice(0, 80))})`;
    filter[key] = value;
  }
  const known = new Set(['entity_id', 'domain', 'event_type', 'limit', 'format']);
  for (const key of url.searchParams.keys()) if (!known.has(key)) return `unknown query parameter ${JSON.stringify(key)}`;
  return filter;
}

function readLimit(url: URL, fallback: number): number | string {
  const raw = url.searchParams.get('limit');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) return `limit must be an integer between 1 and 10000 (got ${JSON.stringify(raw)})`;
  return n;
}

function toCsv(events: readonly RecentEvent[]): string {
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = ['time_fired_us,event_type,entity_id,domain,state,source,mode,key'];
  for (const e of events) rows.push([e.time_fired, e.event_type, e.entity_id, e.domain, e.state, e.source, e.mode, e.key].map(cell).join(','));
  return `${rows.join('\n')}\n`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, type: string, body: string): void {
  res.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
  res.end(body);
}
