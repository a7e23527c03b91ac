import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, stateEvent, type TestApi } from '../test/http-harness.js';

// Property-based test of every endpoint's query parameters against the real server on loopback (issue
// 11): whatever the query, the answer is a 2xx or a 4xx JSON error, never a 500, and the server lives on.

const ROUTES = [
  '/api/v1/events/recent',
  '/api/v1/events/stream',
  '/api/v1/export',
  '/api/v1/stats',
  '/api/v1/config',
  '/api/v1/openapi.json',
  '/health',
  '/',
];
const NAMES = ['limit', 'entity_id', 'domain', 'event_type', 'format'];

/**
 * A query string: known and random names, random values (any Unicode, control characters included),
 * each percent-encoded only where Node's client would refuse the raw byte, so `%`, `&`, `=`, `+`, `#`
 * and malformed escapes like `%zz` reach the server as they are.
 */
const queryArb = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 8 })),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.constantFrom('0', '-1', '1e3', '10001', '99999999999999999999', 'csv', 'lp', 'LP', '%zz', '%', 'a,b', ' '),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${rawish(k)}=${rawish(v)}`).join('&'));

function rawish(text: string): string {
  return [...text].map((c) => (/[\u0021-\u007e]/.test(c) ? c : encodeURIComponent(c))).join('');
}

/** GET that stops reading after the headers of a stream; resolves status, content type and (for errors) body. */
function probe(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (type.startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, type, body: '' });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP query fuzz (issue 11)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ sse: { maxClients: 1000 } });
    api.publish([stateEvent('light.kitchen'), stateEvent('sensor.t', 10, '21.5'), stateEvent('switch.x', 0, '=1+1')]);
  });
  afterAll(() => api.close());

  it('answers every query on every route with 2xx or a 4xx JSON error, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), queryArb, async (route, query) => {
        const path = query === '' ? route : `${route}?${query}`;
        const res = await probe(api.port, path);
        expect(res.status, path).not.toBe(500);
        const ok = res.status >= 200 && res.status < 300;
        expect(ok || (res.status >= 400 && res.status < 500), `${path} → ${res.status}`).toBe(true);
        if (!ok) {
          expect(res.type, path).toMatch(/^application\/json/);
          expect(typeof (JSON.parse(res.body) as { error?: unknown }).error, path).toBe('string');
        }
      }),
      { seed: 20_013, numRuns: 400 },
    );
    expect((await probe(api.port, '/health')).status).toBe(200);
    expect(api.api.sse.stats().clients).toBeLessThanOrEqual(1000);
  });
});
