// Both write paths against a scripted HTTP server on loopback: what goes on the wire (paths, auth, gzip)
// and how InfluxDB 2.x/3.x answers we cannot run here (fixtures from their documented bodies) are mapped.
import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createJsonLogger } from '@ha-ingestor/core';
import { intField } from '@ha-ingestor/core/line-protocol';
import type { Point } from '@ha-ingestor/core/line-protocol';
import type { MappableEvent } from '@ha-ingestor/sink-influx';
import { createTestContext, makeStateChanged } from '@ha-ingestor/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { influxSink } from '../../src/index.js';
import { temperatureEvents } from './helpers.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The gzip header's XFL byte when gzipped: 4 = fastest (level 1), 0 = default level, 2 = best. */
  readonly gzipXfl: number | undefined;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let reply: (req: Seen, res: ServerResponse) => void = (_req, res) => res.writeHead(204).end();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const gzipped = req.headers['content-encoding'] === 'gzip';
      const body = (gzipped ? gunzipSync(raw) : raw).toString('utf8');
      const gzipXfl = gzipped ? raw[8] : undefined;
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, gzipXfl };
      seen.push(s);
      reply(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
  reply = (_req, res) => res.writeHead(204).end();
});

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('v1 on the wire', () => {
  it('POSTs /write?db=&rp=&precision=u with Basic auth (UTF-8, space and @ in the password) and gzip', async () => {
    const sink = influxSink({
      url: base,
      apiVersion: '1',
      database: 'ha db',
      retentionPolicy: 'one year',
      username: 'hauser',
      password: 'h@ s3cret ü',
      seedFieldTypes: false,
    });
    await sink.write(temperatureEvents(50), createTestContext());
    const [req] = seen;
    expect(req?.method).toBe('POST');
    expect(new URL(req?.url ?? '', base).searchParams).toEqual(
      new URLSearchParams({ db: 'ha db', precision: 'u', rp: 'one year' }),
    );
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('hauser:h@ s3cret ü', 'utf8').toString('base64')}`);
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.body.split('\n')).toHaveLength(50);
    expect(req?.body).not.toMatch(/\r|\n$/);
    await sink.close?.();
  });

  it('a server that never answers times out as SINK_UNAVAILABLE (timeout)', async () => {
    reply = () => undefined; // hold the request
    const sink = influxSink({ url: base, apiVersion: '1', database: 'ha', timeoutMs: 200, seedFieldTypes: false });
    await expect(sink.write(temperatureEvents(1), createTestContext())).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
      data: { reason: 'timeout' },
    });
    await sink.close?.();
    server.closeAllConnections();
  });

  it('an aborted write rejects with ABORTED', async () => {
    const ctx = createTestContext();
    // Aborted while in flight: once the server holds the whole request (which it never answers).
    reply = () => ctx.abort(new Error('stop'));
    const sink = influxSink({ url: base, apiVersion: '1', database: 'ha', seedFieldTypes: false });
    const pending = sink.write(temperatureEvents(1), ctx);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await sink.close?.();
    server.closeAllConnections();
  });
  it('gzips small bodies at the fastest level, bodies of 64 KiB and more at the default level; none under the threshold or with gzip off (v1 client, issue 14)', async () => {
    const sink = influxSink({ url: base, apiVersion: '1', database: 'ha', seedFieldTypes: false });
    const plain = influxSink({ url: base, apiVersion: '1', database: 'ha', seedFieldTypes: false, gzip: false });
    const ctx = createTestContext();
    await sink.write(temperatureEvents(40), ctx); // ~2.5 kB: over the 1,000-byte threshold
    await sink.write(temperatureEvents(3000), ctx); // well over 64 KiB
    await sink.write(temperatureEvents(2), ctx); // under the threshold
    await plain.write(temperatureEvents(40), ctx);
    const [small, large, tiny, off] = seen;
    expect(small?.body.length).toBeGreaterThan(1000);
    expect(small?.body.length).toBeLessThan(64 * 1024);
    expect(small?.gzipXfl).toBe(4);
    expect(large?.body.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(large?.headers['content-encoding']).toBe('gzip');
    expect(large?.gzipXfl).toBe(0);
    expect(large?.body.split('\n')).toHaveLength(3000);
    expect(tiny?.body.length).toBeLessThan(1000);
    expect(tiny?.headers['content-encoding']).toBeUndefined();
    expect(off?.headers['content-encoding']).toBeUndefined();
    expect(off?.body.split('\n')).toHaveLength(40);
    await sink.close?.();
    await plain.close?.();
  });
});

describe('v2 on the wire (official client transport)', () => {
  it('POSTs /api/v2/write?org=&bucket=&precision=us with the token, gzip over the threshold', async () => {
    const sink = influxSink({ url: base, org: 'home', bucket: 'ha', token: 'tok-123', gzipThresholdBytes: 100 });
    await sink.write(temperatureEvents(20), createTestContext());
    const [req] = seen;
    expect(req?.url).toBe('/api/v2/write?bucket=ha&precision=us&org=home');
    expect(req?.headers.authorization).toBe('Token tok-123');
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.body.split('\n')).toHaveLength(20);
    await sink.close?.();
  });

  it('leaves no listener on the pipeline signal after many writes (both paths)', async () => {
    const ctx = createTestContext();
    const v2 = influxSink({ url: base, bucket: 'ha' });
    const v1 = influxSink({ url: base, apiVersion: '1', database: 'ha', seedFieldTypes: false });
    for (let i = 0; i < 15; i++) {
      await v2.write(temperatureEvents(2, { start: i * 10 }), ctx);
      await v1.write(temperatureEvents(2, { start: i * 10 }), ctx);
    }
    expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0);
    await v1.close?.();
    await v2.close?.();
  });

  it('InfluxDB 2.x 422 partial write: only the conflicting event is rejected, nothing resent', async () => {
    reply = (req, res) =>
      req.body.includes('kWh')
        ? json(res, 422, {
            code: 'unprocessable entity',
            message:
              'failure writing points to database: partial write: field type conflict: input field "value" on measurement "kWh" is type float, already exists as type string dropped=1',
          })
        : res.writeHead(204).end();
    const events = temperatureEvents(10);
    events[6] = temperatureEvents(1, { unit: 'kWh', start: 99 })[0] as (typeof events)[number];
    const sink = influxSink({ url: base, bucket: 'ha' });
    const result = await sink.write(events, createTestContext());
    expect(result?.rejected).toEqual([
      {
        index: 6,
        reason: 'type_conflict',
        message: 'HTTP 422: field type conflict: field "value" of measurement "kWh" already exists as type string',
      },
    ]);
    expect(seen).toHaveLength(1);
    await sink.close?.();
  });

  it('InfluxDB 3 partial write with line numbers', async () => {
    reply = (req, res) =>
      json(res, 400, {
        error: 'partial write of line protocol occurred',
        data: [
          {
            original_line: req.body.split('\n')[2],
            line_number: 3,
            error_message: 'invalid column type for column value',
          },
        ],
      });
    const sink = influxSink({ url: base, bucket: 'ha' });
    const result = await sink.write(temperatureEvents(5), createTestContext());
    expect(result?.rejected).toEqual([
      { index: 2, reason: 'unparsable', message: 'HTTP 400: invalid column type for column value' },
    ]);
    await sink.close?.();
  });

  it('429 with Retry-After → SINK_UNAVAILABLE with retryAfterMs; 401 → AUTH_FAILED without the token', async () => {
    reply = (_req, res) => json(res, 429, { code: 'too many requests', message: 'slow down' }, { 'retry-after': '7' });
    const sink = influxSink({ url: base, bucket: 'ha', token: 'very-secret-token' });
    await expect(sink.write(temperatureEvents(2), createTestContext())).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
      retryAfterMs: 7000,
    });
    reply = (_req, res) => json(res, 401, { code: 'unauthorized', message: 'unauthorized access' });
    const error: unknown = await sink.write(temperatureEvents(2), createTestContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', retryable: true, data: { status: 401 } });
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain('very-secret-token');
    await sink.close?.();
  });

  it('v2 against a 1.x server (404 page not found) is a loud, retryable configuration error', async () => {
    reply = (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
    const logged: string[] = [];
    const ctx = createTestContext({
      logger: {
        ...createTestContext().logger,
        error: (o: unknown, m?: string) => logged.push(typeof o === 'string' ? o : (m ?? '')),
      },
    });
    const sink = influxSink({ url: base, bucket: 'ha' });
    await expect(sink.write(temperatureEvents(2), ctx)).rejects.toMatchObject({
      code: 'SINK_UNAVAILABLE',
      data: { reason: 'not_found' },
    });
    expect(logged.join('\n')).toMatch(/apiVersion/);
    await sink.close?.();
  });
});

describe('sink behaviour on the wire', () => {
  it('writes a line feed inside a string field literally for v1 and escaped for v2 (stringNewlines auto)', async () => {
    const event = makeStateChanged({ entity_id: 'sensor.note', state: 'x', attributes: { note: 'line1\nline2' } });
    const v1 = influxSink({ url: base, apiVersion: '1', database: 'ha', seedFieldTypes: false });
    await v1.write([event], createTestContext());
    const v2 = influxSink({ url: base, org: 'o', bucket: 'b', token: 't' });
    await v2.write([event], createTestContext());
    expect(seen[0]?.body).toContain('note_str="line1\nline2"');
    expect(seen[0]?.body.split('\n')).toHaveLength(2);
    expect(seen[1]?.body).toContain('note_str="line1\\nline2"');
    expect(seen[1]?.body.split('\n')).toHaveLength(1);
    await v1.close?.();
    await v2.close?.();
  });

  it('an event with one unwritable point sends none of its points; the others are sent', async () => {
    const events: MappableEvent[] = [0, 1, 2].map((i) => ({ event_type: 'multi', time_fired: 1000 + i }));
    const sink = influxSink(
      { url: base, bucket: 'ha' },
      {
        toPoints: (e): Point[] => [
          { measurement: 'a', tags: {}, fields: { v: 1 }, time: e.time_fired },
          {
            measurement: 'b',
            tags: {},
            fields: e.time_fired === 1001 ? { i: intField(2n ** 64n) } : { v: 2 },
            time: e.time_fired,
          },
        ],
      },
    );
    const result = await sink.write(events, createTestContext());
    expect(result?.rejected).toEqual([{ index: 1, reason: 'int_overflow', message: expect.any(String) }]);
    expect(seen[0]?.body.split('\n')).toEqual(['a v=1 1000', 'b v=2 1000', 'a v=1 1002', 'b v=2 1002']);
    await sink.close?.();
  });

  it('logs and errors of a refused login never contain the password or the Basic header', async () => {
    reply = (_req, res) => json(res, 401, { error: 'authorization failed' });
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'trace', write: (line) => lines.push(line) });
    const ctx = createTestContext({ logger });
    const password = 'pa55 w@rd-never-logged';
    const sink = influxSink({
      url: `${base}/`,
      apiVersion: '1',
      database: 'ha',
      username: 'hauser',
      password,
      createDatabase: true,
    });
    await sink.open?.(ctx);
    const error: unknown = await sink.write(temperatureEvents(2), ctx).catch((e: unknown) => e);
    const health: unknown = await sink.healthcheck?.(new AbortController().signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
    expect(health).toMatchObject({ code: 'AUTH_FAILED' });
    const everything = [...lines, String(error), JSON.stringify(error), String(health), JSON.stringify(health)].join(
      '\n',
    );
    expect(lines.length).toBeGreaterThan(0); // the failed CREATE DATABASE / SHOW FIELD KEYS were logged
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(Buffer.from(`hauser:${password}`).toString('base64'));
    await sink.close?.();
  });
});
