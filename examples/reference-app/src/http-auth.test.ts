import { isSdkError, noopLogger } from '@ha-ingestor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { get, startTestApi, type TestApi } from '../test/http-harness.js';
import { resolveConfig } from './config.js';
import { assertSafeExposure, isLoopbackHost } from './http-auth.js';
import { startService } from './service.js';

const TOKEN = 'a-long-random-api-token-0123456789';

describe('isLoopbackHost', () => {
  it('accepts 127.0.0.0/8, ::1 in any spelling, localhost and *.localhost; refuses the rest', () => {
    for (const host of [
      '127.0.0.1',
      '127.255.0.9',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      'localhost',
      'LOCALHOST',
      'localhost.',
      'ha.localhost',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '',
      '128.0.0.1',
      '10.0.0.1',
      '::2',
      'localhost.evil.example',
      'evil-localhost',
      '127.0.0.1.nip.io',
      '[::ffff:10.0.0.1]',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('assertSafeExposure (issue 11: open data API in every shipped deployment)', () => {
  const http = (env: Record<string, string>) => resolveConfig({}, env).http;

  it('refuses a non-loopback HTTP_HOST without API_TOKEN, saying how to fix it', () => {
    let error: unknown;
    try {
      assertSafeExposure(http({ HTTP_HOST: '0.0.0.0' }));
    } catch (e) {
      error = e;
    }
    expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(
      /HTTP_HOST=0\.0\.0\.0 .* without a token: set API_TOKEN .*HTTP_HOST=127\.0\.0\.1.*HTTP_ALLOW_UNAUTHENTICATED=true/,
    );
  });

  it('accepts loopback, a token, or the explicit opt-out', () => {
    expect(() => assertSafeExposure(http({}))).not.toThrow();
    expect(() => assertSafeExposure(http({ HTTP_HOST: 'localhost' }))).not.toThrow();
    expect(() => assertSafeExposure(http({ HTTP_HOST: '0.0.0.0', API_TOKEN: TOKEN }))).not.toThrow();
    expect(() => assertSafeExposure(http({ HTTP_HOST: '::', HTTP_ALLOW_UNAUTHENTICATED: 'true' }))).not.toThrow();
  });

  it('makes startService refuse before it builds or binds anything', async () => {
    const config = resolveConfig({}, { HTTP_HOST: '0.0.0.0', MQTT_URL: 'mqtt://127.0.0.1:1' });
    await expect(startService(config, noopLogger, { version: 't' })).rejects.toThrow(/without a token/);
  });
});

describe('HTTP access (real server)', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('with API_TOKEN: every data route needs the bearer token, the scheme in any case; probes stay open', async () => {
    api = await startTestApi({ access: { apiToken: TOKEN } });
    for (const path of [
      '/api/v1/stats',
      '/api/v1/events/recent',
      '/api/v1/config',
      '/metrics',
      '/health/dependencies',
      '/nowhere',
    ]) {
      const res = await get(api.port, path);
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect((await get(api.port, '/api/v1/stats', { authorization: `${scheme} ${TOKEN}` })).status, scheme).toBe(200);
    }
    for (const path of ['/', '/health']) expect((await get(api.port, path)).status, path).toBe(200);
  });

  it('refuses wrong tokens of every length with 401, never 500 (digests are compared, not raw strings)', async () => {
    api = await startTestApi({ access: { apiToken: TOKEN } });
    for (const header of [
      'Bearer x',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${'y'.repeat(5000)}`,
      `Basic ${TOKEN}`,
      TOKEN,
      'Bearer',
      `Bearer ${TOKEN} extra`,
    ]) {
      expect((await get(api.port, '/api/v1/stats', { authorization: header })).status, header.slice(0, 40)).toBe(401);
    }
  });

  it('without a token, refuses a Host that is not this machine (DNS rebinding) and accepts loopback names', async () => {
    api = await startTestApi();
    const rebound = await get(api.port, '/api/v1/events/recent', { host: 'evil.example:8000' });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toEqual({
      error:
        'Host "evil.example:8000" is not allowed without API_TOKEN: use localhost / 127.0.0.1, add the name to HTTP_ALLOWED_HOSTS, or set API_TOKEN',
    });
    for (const host of ['localhost:8000', 'localhost', '127.0.0.5:1', '[::1]:8000', 'grafana.localhost']) {
      expect((await get(api.port, '/api/v1/stats', { host })).status, host).toBe(200);
    }
    expect((await get(api.port, '/health', { host: 'evil.example' })).status).toBe(403);
  });

  it('accepts names from HTTP_ALLOWED_HOSTS, case-insensitively, and any name with *', async () => {
    api = await startTestApi({ access: { allowedHosts: ['Ingestor.LAN'] } });
    expect((await get(api.port, '/api/v1/stats', { host: 'ingestor.lan:8000' })).status).toBe(200);
    expect((await get(api.port, '/api/v1/stats', { host: 'other.lan' })).status).toBe(403);
    await api.close();
    api = await startTestApi({ access: { allowedHosts: ['*'] } });
    expect((await get(api.port, '/api/v1/stats', { host: 'other.lan' })).status).toBe(200);
  });

  it('treats requests from the ingress proxy address as authenticated, and only those', async () => {
    api = await startTestApi({ access: { apiToken: TOKEN, ingressProxy: '127.0.0.1' } });
    expect((await get(api.port, '/api/v1/stats')).status).toBe(200);
    await api.close();
    api = await startTestApi({ access: { apiToken: TOKEN, ingressProxy: '172.30.32.2' } });
    expect((await get(api.port, '/api/v1/stats')).status).toBe(401);
  });
});
