import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createReportingGuard, type ComponentHealth, type Guard, type Logger, type Pipeline } from '@ha-ingestor/core';
import type { Registry } from 'prom-client';
import { createAccessCheck, type HttpAccessOptions } from './http-auth.js';
import { createDashboardRoutes, DASHBOARD_API_PATH, type DashboardRoutes } from './dashboard-routes.js';
import { jsonList } from './export-formats.js';
import type { StoreExportHandler, StoreExportHttp, StoreExportService } from './export/http-export.js';
import { exportRing } from './export/ring-export.js';
import { readQuery } from './http-query.js';
import { buildOpenApi, ENDPOINTS } from './http-routes.js';
import { streamBody } from './http-stream.js';
import type { RecentEvent, RecentEvents } from './recent.js';
import type { NatsLinkReport } from './roles.js';
import { trackSourceStatus, type SourceStatusTracker } from './source-status.js';
import { createSseHub, type SseHub } from './sse.js';

/** What the HTTP API serves from. */
export interface HttpApiDeps {
  readonly pipeline: Pipeline;
  readonly recent: RecentEvents;
  readonly registry: Registry;
  readonly maskedConfig: () => unknown;
  readonly logger: Logger;
  readonly version: string;
  /** Token, allowed Host names, trusted ingress proxy (see http-auth.ts). */
  readonly access: HttpAccessOptions;
  /** Bounds of /api/v1/events/stream. */
  readonly sse: { readonly maxClients: number; readonly maxBufferedBytes: number; readonly heartbeatMs: number };
  /** Open connections at most (server.maxConnections); more are closed at once and counted. */
  readonly maxConnections: number;
  /** Serialises events as InfluxDB line protocol for /api/v1/export?format=lp. */
  readonly toLineProtocol: (events: readonly Readonly<Record<string, unknown>>[]) => string;
  /** INGESTOR_ROLE=edge/writer (issue 16): the NATS link, in /health, /ready and /api/v1/stats. */
  readonly nats?: () => NatsLinkReport;
  /** Extra counters for /api/v1/stats (reconnects, outbox, …). */
  readonly extraStats?: () => Record<string, unknown>;
  /** Subscribe to newly processed events (for SSE); returns an unsubscribe function. */
  readonly onEvents: (listener: (events: readonly RecentEvent[]) => void) => () => void;
  /** `/api/v1/export` reads the database when set (issue 17); without it, the recent-events ring. */
  readonly storeExport?: StoreExportService;
  /** Clock for uptime and reconnect times. @default Date.now */
  readonly now?: () => number;
  /** The dead-letter file the dashboard lists the latest records of. */
  readonly deadLetterPath?: string;
  /** The built dashboard's folder (tests); default: found next to the app. */
  readonly dashboardDir?: string;
}

/** A running HTTP API. */
export interface HttpApi {
  readonly server: Server;
  readonly url: string;
  /** The SSE hub (its stats show the per-client bookkeeping). */
  readonly sse: SseHub;
  readonly close: () => Promise<void>;
}

/** Starts the HTTP API on host:port (port 0 = any free port). */
export async function startHttpApi(deps: HttpApiDeps, host: string, port: number): Promise<HttpApi> {
  const guard = createReportingGuard((error) => deps.logger.error({ err: error }, error.message), 'http');
  const metrics = deps.pipeline.metrics;
  const refused = metrics.counter('http_requests_refused_total', 'HTTP requests refused, by reason', ['reason']);
  const aborted = metrics.counter(
    'http_responses_aborted_total',
    'HTTP responses cut off because the client stopped reading',
    ['reason'],
  );
  const sse = createSseHub({
    ...deps.sse,
    metrics,
    guard,
    onDrop: (info) =>
      deps.logger.warn(info, 'SSE client dropped: it did not read and its buffer passed SSE_MAX_BUFFERED_BYTES'),
  });
  const unsubscribe = deps.onEvents((events) => sse.broadcast(events));
  const check = createAccessCheck(deps.access);
  const now = deps.now ?? Date.now;
  const sources = trackSourceStatus(deps.pipeline, now);
  const dashboard = createDashboardRoutes({
    ...deps,
    sources,
    guard,
    now,
    dir: deps.dashboardDir,
  });
  const context: Context = {
    deps,
    now,
    startedAt: now(),
    sources,
    dashboard,
    openApi: JSON.stringify(buildOpenApi(deps.version)),
    guard,
    sse,
    check,
    refuse: (reason) => refused.inc({ reason }),
    onStall: () => aborted.inc({ reason: 'stalled' }),
    ...(deps.storeExport === undefined
      ? {}
      : {
          storeExport: lazyStoreExportHandler(deps.storeExport, {
            logger: deps.logger,
            refuse: (reason) => refused.inc({ reason }),
            sendJson,
          }),
        }),
  };

  // Headers are capped by Node (16 KiB); requests with a body are refused unread (405), and slow senders
  // are cut by the timeouts below (issue 11: nothing an HTTP client sends is buffered without a bound).
  const server = createServer(
    { maxHeaderSize: 16 * 1024, requireHostHeader: true },
    guard(
      'http request',
      (req: IncomingMessage, res: ServerResponse) => handle(context, req, res),
      (_error, _req, res) => {
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      },
    ),
  );
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = deps.maxConnections;
  server.on(
    'drop',
    guard('http drop', () => refused.inc({ reason: 'too_many_connections' })),
  );
  server.on(
    'clientError',
    guard('http client error', (error: NodeJS.ErrnoException, socket: Socket) =>
      answerClientError(error, socket, context),
    ),
  );
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
    sse,
    close: async () => {
      unsubscribe();
      sources.close();
      dashboard.close();
      sse.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- internal ---

interface Context {
  readonly deps: HttpApiDeps;
  readonly now: () => number;
  readonly startedAt: number;
  readonly sources: SourceStatusTracker;
  readonly dashboard: DashboardRoutes;
  /** Built once: it depends only on the version. */
  readonly openApi: string;
  readonly guard: Guard;
  readonly sse: SseHub;
  readonly check: ReturnType<typeof createAccessCheck>;
  readonly refuse: (reason: string) => void;
  readonly onStall: () => void;
  readonly storeExport?: StoreExportHandler;
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { deps } = ctx;
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    ctx.refuse('bad_request');
    return sendJson(res, 400, { error: 'malformed request target' });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    ctx.refuse('method_not_allowed');
    res.setHeader('connection', 'close'); // the body is never read: close instead of draining it
    return sendJson(res, 405, {
      error: `method ${JSON.stringify(req.method ?? '')} not allowed: the API is read-only (GET, HEAD)`,
    });
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (await ctx.dashboard.servePage(req, res, path)) return;
  const verdict = ctx.check(req, path);
  if (!verdict.allowed) {
    ctx.refuse(verdict.reason);
    if (verdict.status === 401) res.setHeader('www-authenticate', 'Bearer');
    return sendJson(res, verdict.status, { error: verdict.error });
  }

  switch (path) {
    case '/':
      return sendJson(res, 200, {
        service: 'ha-ingestor',
        version: deps.version,
        endpoints: ENDPOINTS,
        openapi: '/api/v1/openapi.json',
      });
    case '/health': {
      const health = deps.pipeline.health();
      const nats = deps.nats?.();
      return sendJson(res, health.status === 'down' ? 503 : 200, {
        status: health.status,
        version: deps.version,
        uptime_seconds: Math.max(0, Math.round(ctx.now() - ctx.startedAt) / 1000),
        service: 'ha-ingestor',
        checks: health.components.map((c) => ({
          name: c.name,
          kind: c.kind,
          status: c.status,
          message: c.message ?? null,
        })),
        ...(nats === undefined ? {} : { nats }),
      });
    }
    case '/ready': {
      const health = deps.pipeline.health();
      const sourcesUp = health.components.filter((c) => c.kind === 'source').every((c) => c.status === 'ok');
      const sinksUp = health.components.filter((c) => c.kind === 'sink').every((c) => !sinkDown(c));
      // An edge or writer without its NATS link moves nothing (an edge's outbox only holds the home's events).
      const nats = deps.nats?.();
      const ready = sourcesUp && sinksUp && (nats === undefined || nats.connected);
      return sendJson(res, ready ? 200 : 503, {
        ready,
        components: health.components,
        ...(nats === undefined ? {} : { nats }),
      });
    }
    case '/health/dependencies': {
      // A sink that cannot take writes is a failing dependency here, though core rates it `degraded`.
      const dependencies = (await deps.pipeline.checkHealth()).components
        .filter((c) => c.kind !== 'pipeline')
        .map((c) => ({
          name: c.name,
          kind: c.kind,
          status: c.kind === 'sink' && sinkDown(c) ? ('down' as const) : c.status,
          message: c.message ?? null,
          response_time_ms: c.responseTimeMs ?? null,
        }));
      const status = worst(dependencies.map((d) => d.status));
      return sendJson(res, status === 'down' ? 503 : 200, { status, dependencies });
    }
    case '/metrics': {
      const text = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType, 'x-content-type-options': 'nosniff' });
      res.end(text);
      return;
    }
  }
  if (!path.startsWith('/api/v1/'))
    return sendJson(res, 404, { error: `no route ${JSON.stringify(path.slice(0, 100))}`, endpoints: ENDPOINTS });

  const query = readQuery(url, path, path === '/api/v1/export' ? 1000 : 100);
  if (!query.ok) {
    ctx.refuse('bad_request');
    return sendJson(res, 400, { error: query.error });
  }
  switch (path) {
    case '/api/v1/events/recent': {
      const events = deps.recent.list(query.filter, query.limit);
      res.writeHead(200, JSON_HEADERS);
      await streamBody(res, jsonList(events), { guard: ctx.guard, onStall: ctx.onStall });
      return;
    }
    case '/api/v1/stats': {
      const stats = deps.pipeline.stats();
      const recent = deps.recent.stats();
      const dropped = Object.entries(stats.dropped).reduce(
        (n, [reason, v]) => (reason === 'duplicate' || reason === 'filtered' ? n : n + v),
        0,
      );
      return sendJson(res, 200, {
        events_total: recent.total,
        events_last_hour: recent.lastHour,
        events_today: recent.today,
        last_event_at: recent.lastEventAt === undefined ? null : new Date(recent.lastEventAt).toISOString(),
        error_rate: stats.received === 0 ? 0 : (dropped + stats.failed) / stats.received,
        pipeline: stats,
        sse: ctx.sse.stats(),
        sources: ctx.sources.stats(),
        ...(deps.nats === undefined ? {} : { nats: deps.nats() }),
        ...(deps.extraStats?.() ?? {}),
      });
    }
    case '/api/v1/config':
      return sendJson(res, 200, deps.maskedConfig());
    case DASHBOARD_API_PATH:
      return sendJson(res, 200, await ctx.dashboard.snapshot());
    case '/api/v1/openapi.json':
      res.writeHead(200, JSON_HEADERS);
      res.end(ctx.openApi);
      return;
    case '/api/v1/events/stream': {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end();
        return;
      }
      const open = () =>
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-content-type-options': 'nosniff',
        });
      // A client that closes is forgotten by the hub (its 'close' listener).
      if (ctx.sse.accept(res, query.filter, open)) return;
      ctx.refuse('sse_over_capacity');
      res.setHeader('retry-after', '10');
      return sendJson(res, 503, { error: 'too many event stream clients (SSE_MAX_CLIENTS); try again later' });
    }
    case '/api/v1/export':
      if (ctx.storeExport !== undefined) return ctx.storeExport(req, res, url);
      return exportRing(res, url, query, {
        recent: deps.recent,
        toLineProtocol: deps.toLineProtocol,
        guard: ctx.guard,
        onStall: ctx.onStall,
        sendJson,
      });
    default:
      return sendJson(res, 404, { error: `no route ${JSON.stringify(path.slice(0, 100))}`, endpoints: ENDPOINTS });
  }
}

/**
 * `/api/v1/export` from the database, its code (the InfluxDB reader, the format writers) loaded by the first
 * export request rather than at start (issue 14, memory). One handler is made, so its limit of concurrent
 * exports holds across requests; a failed load is retried by the next request.
 */
function lazyStoreExportHandler(service: StoreExportService, http: StoreExportHttp): StoreExportHandler {
  let handler: Promise<StoreExportHandler> | undefined;
  return async (req, res, url) => {
    handler ??= import('./export/http-export.js').then(
      (m) => m.createStoreExportHandler(service, http),
      (error: unknown) => {
        handler = undefined;
        throw error;
      },
    );
    return (await handler)(req, res, url);
  };
}

/**
 * A sink that cannot take writes now: its last healthcheck failed or its circuit breaker is open (core's
 * `acceptingWrites: false`; both rate `degraded`, as the outbox may still hold the data). An outbox that
 * merely holds entries does not make the service unready.
 */
function sinkDown(c: ComponentHealth): boolean {
  return c.status === 'down' || c.acceptingWrites === false;
}

function worst(states: readonly ComponentHealth['status'][]): ComponentHealth['status'] {
  return states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : 'ok';
}

/** A parse-level error (bad request line, headers too large, timeout): a JSON answer, then close. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, ctx: Context): void {
  ctx.refuse('client_error');
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, text] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  const body = JSON.stringify({ error: `${text.toLowerCase()} (${error.code ?? 'unparseable request'})` });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, JSON_HEADERS);
  res.end(JSON.stringify(body));
}
