import { describe, expect, it } from 'vitest';
import { classifyResponse, parseRetryAfter, serverMessage } from './responses.js';

const ctx = { stage: 'sink:influx', target: 'POST http://db:8086/write', destination: 'database "ha"' };

describe('classifyResponse', () => {
  it.each([
    [204, 'ok'],
    [200, 'ok'],
    [400, 'poison'],
    [422, 'poison'],
    [409, 'poison'],
    [413, 'too_large'],
  ])('HTTP %i → %s', (status, disposition) => {
    expect(classifyResponse({ status, body: '' }, ctx)).toBe(disposition);
  });

  it('404 with "page not found" points at url/apiVersion; with a JSON error at the database', () => {
    expect(() => classifyResponse({ status: 404, body: '404 page not found' }, ctx)).toThrow(
      /no such endpoint — check `url` and `apiVersion`/,
    );
    expect(() => classifyResponse({ status: 404, body: '{"error":"database not found: \\"ha\\""}' }, ctx)).toThrow(
      /database "ha" not found — create it or fix the options \(database not found: "ha"\)/,
    );
  });

  it('408, 429 and 5xx are SINK_UNAVAILABLE with Retry-After', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      expect(() => classifyResponse({ status, body: '', retryAfterMs: 1500 }, ctx)).toThrow(
        expect.objectContaining({ code: 'SINK_UNAVAILABLE', retryable: true, retryAfterMs: 1500 }),
      );
    }
  });
});

describe('serverMessage', () => {
  it('reads `error` (1.x/3.x) and `message` (2.x), else the text; shortens long ones', () => {
    expect(serverMessage('{"error":"partial write"}')).toBe('partial write');
    expect(serverMessage('{"code":"invalid","message":"bad"}')).toBe('bad');
    expect(serverMessage(' 404 page not found\n')).toBe('404 page not found');
    expect(serverMessage('x'.repeat(1000))).toHaveLength(601);
    expect(serverMessage('x'.repeat(1000), Infinity)).toHaveLength(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('30', 0)).toBe(30_000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter(['2'], 0)).toBe(2000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});
