import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { noopLogger, pipeline, type Logger, type Pipeline } from '@ha-ingestor/core';
import type { Registry } from 'prom-client';
import { arraySource, collectingSink, makeStateChanged } from '@ha-ingestor/core/testing';
import { startHttpApi, type HttpApi, type HttpApiDeps } from '../src/http-api.js';
import type { HttpAccessOptions } from '../src/http-auth.js';
import { RecentEvents, type RecentEvent } from '../src/recent.js';

/** A real HTTP API on 127.0.0.1:0 over an unstarted pipeline, for tests. */
export interface TestApi {
  readonly api: HttpApi;
  readonly url: string;
  readonly port: number;
  readonly recent: RecentEvents;
  readonly registry: Registry;
  /** Adds events to the recent ring and broadcasts them to SSE clients, as the service does. */
  readonly publish: (events: readonly unknown[]) => void;
  readonly close: () => Promise<void>;
}

/** Options of {@link startTestApi}. */
export interface TestApiOptions {
  readonly access?: Partial<HttpAccessOptions>;
  readonly sse?: Partial<HttpApiDeps['sse']>;
  readonly maxConnections?: number;
  readonly recentCapacity?: number;
  readonly logger?: Logger;
  /** The pipeline to serve (default: an unstarted one with no events and a collecting sink). */
  readonly pipeline?: Pipeline;
  readonly now?: () => number;
  readonly maskedConfig?: () => unknown;
  /** The built dashboard's folder (default: found next to the app, as in production). */
  readonly dashboardDir?: string;
  /** Serve /api/v1/export from this database (issue 17). */
  readonly storeExport?: HttpApiDeps['storeExport'];
}

/** Starts the real HTTP API (real sockets, loopback, port 0). */
export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const built = options.pipeline ?? pipeline(arraySource<unknown>([])).to(collectingSink()).build();
  const recent = new RecentEvents(options.recentCapacity ?? 1000);
  const listeners = new Set<(events: readonly RecentEvent[]) => void>();
  const api = await startHttpApi(
    {
      pipeline: built,
      recent,
      registry: built.metrics.registry,
      maskedConfig: options.maskedConfig ?? (() => ({ http: { apiToken: '***' } })),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.storeExport === undefined ? {} : { storeExport: options.storeExport }),
      logger: options.logger ?? noopLogger,
      version: '0.0.0-test',
      access: { allowedHosts: [], ...options.access },
      sse: { maxClients: 4, maxBufferedBytes: 64 * 1024, heartbeatMs: 15_000, ...options.sse },
      maxConnections: options.maxConnections ?? 64,
      ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
      toLineProtocol: (events) => events.map((e) => `m value=1 ${String(e['time_fired'])}\n`).join(''),
      onEvents: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    '127.0.0.1',
    0,
  );
  return {
    api,
    url: api.url,
    port: Number(new URL(api.url).port),
    recent,
    registry: built.metrics.registry,
    publish: (events) => {
      const added = recent.add(events);
      for (const l of listeners) l(added);
    },
    close: () => api.close(),
  };
}

/** A state change of `entity_id` whose attributes carry `padding` characters (to fill buffers fast). */
export function stateEvent(entityId: string, padding = 0, state = 'on'): unknown {
  return { ...makeStateChanged({ entity_id: entityId, state }), attributes: { padding: 'x'.repeat(padding) } };
}

/** A plain GET with raw control over path and headers; resolves status, headers and body. */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A raw TCP client that sends `GET path` and then never reads (paused socket): the server's writes pile
 * up in the kernel and then in Node's buffer, as with a stuck or malicious SSE client.
 */
export function neverReadingClient(port: number, path: string, headers: Record<string, string> = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      const extra = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', reject);
  });
}
