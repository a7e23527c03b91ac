import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, startTestApi, type TestApi, type TestApiOptions } from '../test/http-harness.js';
import { DashboardBody } from './dashboard-schema.js';
import * as S from './http-schemas.js';

// Issue 15: `/` serves the dashboard to browsers and the JSON index to API clients; the page's files need
// no token (they hold no data), the data route does. These run on fixture files; the built page is checked
// in test/integration/dashboard-browser.test.ts (real Chromium).

const TOKEN = 'dashboard-test-token-0123456789abcdef';
const html = '<!doctype html><script type="module" src="./dashboard/app.js"></script>';
const js = 'console.log("dashboard");'.repeat(50);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dash-assets-'));
  await writeFile(join(dir, 'index.html'), html);
  await writeFile(join(dir, 'app.js'), js);
  await writeFile(join(dir, 'app.js.gz'), gzipSync(js));
  await writeFile(join(dir, 'app.css'), 'body{}');
  await writeFile(join(dir, 'secret.txt'), 'not served');
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const start = async (options: TestApiOptions = {}): Promise<TestApi> => {
  const api = await startTestApi({ dashboardDir: dir, ...options });
  cleanups.push(() => api.close());
  return api;
};

/** A GET that keeps the body as bytes (gzip). */
function getBytes(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard page routes (issue 15)', () => {
  it('gives a browser (Accept: text/html) the page and an API client the JSON index', async () => {
    const api = await start();
    const page = await get(api.port, '/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe(html);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*connect-src 'self'/);
    for (const accept of ['application/json', '*/*', undefined]) {
      const res = await get(api.port, '/', accept === undefined ? {} : { accept });
      expect(S.IndexBody.parse(JSON.parse(res.body)).service).toBe('ha-ingestor');
    }
  });

  it('sends the precompressed file to clients that accept gzip, the plain one otherwise', async () => {
    const api = await start();
    const zipped = await getBytes(api.port, '/dashboard/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toBe('accept-encoding');
    expect(gunzipSync(zipped.body).toString()).toBe(js);
    expect(zipped.body.length).toBeLessThan(js.length);
    const plain = await getBytes(api.port, '/dashboard/app.js', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(js);
    expect((await get(api.port, '/dashboard/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('serves only its own files: anything else under /dashboard/ is a 404, traversal included', async () => {
    const api = await start();
    for (const path of [
      '/dashboard/secret.txt',
      '/dashboard/..%2Fsecret.txt',
      '/dashboard/../package.json',
      '/dashboard',
    ])
      expect((await get(api.port, path)).status, path).toBe(404);
  });

  it('with API_TOKEN: the page and its files load without a token, its data route answers 401 until given one', async () => {
    const api = await start({ access: { apiToken: TOKEN } });
    expect((await get(api.port, '/', { accept: 'text/html' })).status).toBe(200);
    expect((await get(api.port, '/dashboard/app.js')).status).toBe(200);
    const refused = await get(api.port, '/api/v1/dashboard');
    expect(refused.status).toBe(401);
    const answered = await get(api.port, '/api/v1/dashboard', { authorization: `Bearer ${TOKEN}` });
    expect(DashboardBody.parse(JSON.parse(answered.body)).version).toBe('0.0.0-test');
  });

  it('answers 503 with what to do when the page was not built, and keeps the JSON API', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'dash-none-'));
    const api = await start({ dashboardDir: empty });
    const res = await get(api.port, '/', { accept: 'text/html' });
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/npm run build/);
    expect((await get(api.port, '/api/v1/stats')).status).toBe(200);
  });

  it('the page source uses relative URLs only (HA ingress serves it below a path prefix)', async () => {
    const source = await readFile(new URL('../dashboard/index.html', import.meta.url), 'utf8');
    expect(source).not.toMatch(/(src|href)="\/(?!\/)/);
    expect(source).not.toMatch(/(src|href)="(https?:)?\/\//);
    const api = await readFile(new URL('../dashboard/src/api.ts', import.meta.url), 'utf8');
    expect(api).toMatch(/fetch\(`\.\/\$\{path\}`/);
  });
});
