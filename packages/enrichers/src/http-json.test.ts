import { describe, expect, it } from 'vitest';
import { isSdkError, redactSecrets } from '@ha-ingestor/core';
import { MAX_RESPONSE_BYTES, failureReason, fetchJson, parseRetryAfter } from './http-json.js';
import type { FetchLike } from './http-json.js';

const NOW = Date.parse('2026-01-15T12:00:00Z');
const reply =
  (status: number, body: string, headers: Record<string, string> = {}): FetchLike =>
  () =>
    Promise.resolve({ status, headers: new Headers(headers), text: () => Promise.resolve(body) });
const call = (fetch: FetchLike, signal = new AbortController().signal) =>
  fetchJson('https://api.test/x?appid=K%2B1', {
    stage: 'test',
    fetch,
    headers: {},
    signal,
    secrets: ['K+1'],
    now: () => NOW,
  });

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('Thu, 15 Jan 2026 12:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Thu, 15 Jan 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe('redactSecrets', () => {
  it('masks raw and URL-encoded secrets and URL credentials', () => {
    expect(redactSecrets('key K+1 and K%2B1', ['K+1'])).toBe('key *** and ***');
    expect(redactSecrets('see https://u:pw@host/x', [])).toBe('see https://u:***@host/x');
  });
});

describe('fetchJson', () => {
  it('parses JSON bodies', async () => {
    await expect(call(reply(200, '{"a":1}'))).resolves.toEqual({ a: 1 });
  });

  it('refuses a body nested past MAX_JSON_DEPTH as invalid_response naming the depth (issue 11)', async () => {
    const error = await call(reply(200, `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`)).catch((e: unknown) => e);
    expect(failureReason(error)).toBe('invalid_response');
    expect((error as Error).message).toMatch(/^test: JSON nests deeper than 32 levels/);
  });

  it('refuses a declared Content-Length past MAX_RESPONSE_BYTES without reading the body (issue 11)', async () => {
    let read = false;
    const fetch: FetchLike = () =>
      Promise.resolve({
        status: 200,
        headers: new Headers({ 'content-length': String(MAX_RESPONSE_BYTES + 1) }),
        text: () => {
          read = true;
          return Promise.resolve('{}');
        },
      });
    const error = await call(fetch).catch((e: unknown) => e);
    expect(failureReason(error)).toBe('invalid_response');
    expect((error as Error).message).toContain('response too large');
    expect(read).toBe(false);
  });

  it('stops reading a streamed body once it passes MAX_RESPONSE_BYTES and cancels the stream (issue 11)', async () => {
    let chunks = 0;
    let cancelled = false;
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        chunks++;
        controller.enqueue(chunk); // endless
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const fetch: FetchLike = () =>
      Promise.resolve({ status: 200, headers: new Headers(), body, text: () => Promise.reject(new Error('unused')) });
    const error = await call(fetch).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`more than ${MAX_RESPONSE_BYTES} bytes`);
    expect(chunks).toBeLessThanOrEqual(MAX_RESPONSE_BYTES / chunk.byteLength + 2);
    expect(cancelled).toBe(true);
  });

  it('reads a streamed body split inside a UTF-8 sequence', async () => {
    const bytes = new TextEncoder().encode('{"t":"°C"}');
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(bytes.subarray(0, 7));
        controller.enqueue(bytes.subarray(7));
        controller.close();
      },
    });
    const fetch: FetchLike = () =>
      Promise.resolve({ status: 200, headers: new Headers(), body, text: () => Promise.reject(new Error('unused')) });
    await expect(call(fetch)).resolves.toEqual({ t: '°C' });
  });

  it.each([
    [500, 'http_error', 'CONNECTION_LOST', true],
    [404, 'http_error', 'PROTOCOL_ERROR', true],
    [401, 'auth_failed', 'AUTH_FAILED', false],
    [403, 'auth_failed', 'AUTH_FAILED', false],
  ] as const)('turns HTTP %i into %s (%s, retryable %s)', async (status, reason, code, retryable) => {
    const error = await call(reply(status, 'nope')).catch((e: unknown) => e);
    expect(isSdkError(error, code)).toBe(true);
    expect(failureReason(error)).toBe(reason);
    expect((error as { retryable: boolean }).retryable).toBe(retryable);
  });

  it('turns 429 into rate_limited with retryAfterMs', async () => {
    const error = await call(reply(429, '', { 'Retry-After': '30' })).catch((e: unknown) => e);
    expect(failureReason(error)).toBe('rate_limited');
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(30_000);
  });

  it('reports malformed JSON as invalid_response, echoing no secret', async () => {
    const error = await call(reply(200, '{"key":"K+1"')).catch((e: unknown) => e);
    expect(failureReason(error)).toBe('invalid_response');
    expect(JSON.stringify(error)).not.toContain('K+1');
  });

  it('tells a timeout from an abort and from a network error', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_r, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const timeout = new AbortController();
    const pending = call(hang, timeout.signal).catch((e: unknown) => e);
    timeout.abort(new DOMException('t', 'TimeoutError'));
    expect(failureReason(await pending)).toBe('timeout');
    const closing = new AbortController();
    const pending2 = call(hang, closing.signal).catch((e: unknown) => e);
    closing.abort(new Error('closed'));
    expect(failureReason(await pending2)).toBe('aborted');
    const refused: FetchLike = () =>
      Promise.reject(
        new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED https://api.test/x?appid=K+1') }),
      );
    const error = await call(refused).catch((e: unknown) => e);
    expect(failureReason(error)).toBe('network');
    expect(JSON.stringify(error)).not.toContain('K+1');
  });
});
