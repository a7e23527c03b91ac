import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@ha-ingestor/core/testing';
import { get, neverReadingClient, startTestApi, stateEvent, type TestApi } from '../test/http-harness.js';

/** Regressions of issue 11 against the real HTTP server on loopback. */
describe('HTTP API (real server)', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const start = async (options: Parameters<typeof startTestApi>[0] = {}): Promise<TestApi> => {
    const api = await startTestApi(options);
    cleanups.push(() => api.close());
    return api;
  };
  const client = async (api: TestApi, path: string): Promise<Socket> => {
    const socket = await neverReadingClient(api.port, path);
    cleanups.push(() => void socket.destroy());
    return socket;
  };

  it('answers 503 with Retry-After once SSE_MAX_CLIENTS streams are open', async () => {
    const api = await start({ sse: { maxClients: 2 } });
    await client(api, '/api/v1/events/stream');
    await client(api, '/api/v1/events/stream');
    await waitFor(() => api.api.sse.stats().clients, 'two SSE clients', { until: (n) => n === 2 });
    const third = await get(api.port, '/api/v1/events/stream');
    expect(third.status).toBe(503);
    expect(third.headers['retry-after']).toBe('10');
    expect(JSON.parse(third.body)).toEqual({
      error: 'too many event stream clients (SSE_MAX_CLIENTS); try again later',
    });
    expect(api.api.sse.stats().refused).toBe(1);
  });

  it('drops SSE clients that never read once their buffer passes the bound, and keeps the bookkeeping bounded', async () => {
    const bound = 64 * 1024;
    const api = await start({ sse: { maxClients: 10, maxBufferedBytes: bound } });
    for (let i = 0; i < 3; i++) await client(api, '/api/v1/events/stream');
    // A reader on the same stream that keeps up: it must get every event and never be dropped.
    let readerEvents = 0;
    const reader = request(
      { host: '127.0.0.1', port: api.port, path: '/api/v1/events/stream', agent: false },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (readerEvents += chunk.match(/^event: /gm)?.length ?? 0));
      },
    );
    reader.end();
    cleanups.push(() => void reader.destroy());
    await waitFor(() => api.api.sse.stats().clients, 'four SSE clients', { until: (n) => n === 4 });

    let published = 0;
    let peakServerBytes = 0;
    // Kernel buffers absorb the first megabytes; keep publishing until the three stuck clients are gone.
    while (api.api.sse.stats().dropped < 3 && published < 20_000) {
      api.publish([stateEvent(`sensor.s${published}`, 4096)]);
      published++;
      peakServerBytes = Math.max(peakServerBytes, api.api.sse.stats().bufferedBytes);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const stats = api.api.sse.stats();
    expect(stats.dropped).toBe(3);
    expect(stats.clients).toBe(1);
    // Per client: at most the bound plus one frame (~4.4 KB); never the whole stream.
    expect(stats.peakClientBufferedBytes).toBeLessThanOrEqual(bound + 8 * 1024);
    expect(peakServerBytes).toBeLessThanOrEqual(4 * (bound + 8 * 1024));
    expect(stats.eventsDropped).toBeGreaterThanOrEqual(3);
    await waitFor(() => readerEvents, `reader got all ${published} events`, { until: (n) => n === published });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^ha_ingestor_http_sse_clients_dropped_total\{reason="slow_client"\} 3$/m);
    expect(metrics).toMatch(/^ha_ingestor_http_sse_clients 1$/m);
  });

  it('streams a large export with backpressure and cuts a client that takes nothing for 30 s', async () => {
    const api = await start({ recentCapacity: 5000 });
    for (let i = 0; i < 5000; i++) api.publish([stateEvent(`sensor.e${i}`, 2048)]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const socket = await client(api, '/api/v1/export?format=ndjson&limit=5000');
    let closed = false;
    socket.on('close', () => (closed = true));
    const stalled = async () =>
      ((await api.registry.getSingleMetric('ha_ingestor_http_responses_aborted_total')?.get())?.values ?? []).reduce(
        (n, v) => n + v.value,
        0,
      );
    // The server writes until the socket buffers are full, then waits for drain with a stall timer armed.
    // Other libraries' timers may be pending too, so advance until the stall is counted.
    for (let i = 0; i < 10 && (await stalled()) === 0; i++) {
      await waitFor(() => vi.getTimerCount(), 'a pending timer', { until: (n) => n > 0 });
      vi.advanceTimersByTime(30_000);
      await new Promise((resolve) => setImmediate(resolve)); // let the stalled write's continuation run
    }
    expect(await stalled()).toBe(1);
    expect(socket.bytesRead).toBe(0);
    socket.resume(); // read what was sent, so the close is seen
    await waitFor(() => closed, 'the stalled export to be cut');
  });

  it('serves recent events as one JSON document and CSV with formulas defused', async () => {
    const api = await start();
    api.publish([stateEvent('sensor.a', 0, '=HYPERLINK("http://evil")'), stateEvent('sensor.b', 0, '-3.5')]);
    const recent = await get(api.port, '/api/v1/events/recent?limit=5');
    expect(recent.status).toBe(200);
    expect((JSON.parse(recent.body) as { count: number }).count).toBe(2);
    const csv = await get(api.port, '/api/v1/export?format=csv');
    expect(csv.body).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv.body).toMatch(/,-3\.5,/);
  });

  it('refuses other methods with 405 and closes the connection without reading the body', async () => {
    const api = await start();
    const res = await get(api.port, '/api/v1/stats', { 'content-length': '1000000' }, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers['connection']).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({ error: expect.stringMatching(/read-only/) as unknown });
  });

  it('refuses unknown, repeated and malformed query parameters with a 400 that names them', async () => {
    const api = await start();
    const cases: [string, RegExp][] = [
      ['/api/v1/events/recent?limit=5&limit=6', /"limit" given more than once/],
      ['/api/v1/events/recent?format=csv', /unknown query parameter "format"/],
      ['/api/v1/stats?x=1', /this route takes none/],
      ['/api/v1/events/recent?limit=1e3', /limit must be an integer between 1 and 10000/],
      ['/api/v1/events/recent?entity_id=a%0Ab', /control characters/],
    ];
    for (const [path, message] of cases) {
      const res = await get(api.port, path);
      expect(res.status, path).toBe(400);
      expect((JSON.parse(res.body) as { error: string }).error, path).toMatch(message);
    }
  });

  it('closes connections past HTTP_MAX_CONNECTIONS at once and counts them', async () => {
    const api = await start({ maxConnections: 2 });
    await client(api, '/api/v1/events/stream');
    await client(api, '/api/v1/events/stream');
    await waitFor(() => api.api.sse.stats().clients, 'two connections', { until: (n) => n === 2 });
    const third = await get(api.port, '/health').then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(third).toMatch(/ECONNRESET|EPIPE/);
    const refused =
      (await api.registry.getSingleMetric('ha_ingestor_http_requests_refused_total')?.get())?.values ?? [];
    expect(refused.find((v) => v.labels['reason'] === 'too_many_connections')?.value).toBe(1);
  });

  it('answers a request Node cannot parse with a JSON 400 and keeps serving', async () => {
    const api = await start();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: api.port }, () =>
        socket.write('GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n'),
      );
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toMatch(/content-type: application\/json/);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: expect.stringMatching(/^bad request/) as unknown,
    });
    expect((await get(api.port, '/health')).status).toBe(200);
  });
});
