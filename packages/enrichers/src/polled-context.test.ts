import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createRegistryStore, isSdkError } from '@ha-ingestor/core';
import { polledContext } from './polled-context.js';
import type { PolledContextHooks } from './polled-context.js';
import type { FetchLike, FetchResponseLike } from './http-json.js';
import { capturedText, counterValue, stateEvent, testContext } from '../test/helpers.js';

type Reply = { status: number; body: string; headers?: Record<string, string> } | 'hang' | Error;

/** A scripted fetch: replies in order (the last one repeats); 'hang' waits for the abort signal. */
function scriptedFetch(...replies: Reply[]) {
  const urls: string[] = [];
  const headers: Record<string, string>[] = [];
  let i = 0;
  const fn: FetchLike = (url, init) => {
    urls.push(url);
    headers.push(init.headers);
    const reply = replies[Math.min(i++, replies.length - 1)] as Reply;
    if (reply instanceof Error) return Promise.reject(reply);
    if (reply === 'hang') {
      return new Promise<FetchResponseLike>((_resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true });
      });
    }
    const h = new Headers(reply.headers ?? {});
    return Promise.resolve({ status: reply.status, headers: h, text: () => Promise.resolve(reply.body) });
  };
  return { fn, urls, headers, calls: () => urls.length };
}

const json = (value: unknown, status = 200) => ({ status, body: JSON.stringify(value) });
const schema = z.object({ temp: z.number() });
/** Deadline signals on the (fake) setTimeout, so timeouts are deterministic. */
const fakeTimeout = (ms: number) => {
  const c = new AbortController();
  setTimeout(() => c.abort(new DOMException('timed out', 'TimeoutError')), ms);
  return c.signal;
};

function make(
  fetch: FetchLike,
  options: Partial<Parameters<typeof polledContext>[0]> = {},
  hooks: Partial<PolledContextHooks<typeof schema, { temp: number }>> = {},
) {
  return polledContext(
    {
      name: 'outside',
      url: 'https://api.test/w?lat={lat}&lon={lon}',
      locations: [{ id: 'home', lat: 51.5, lon: -0.12 }],
      intervalMs: 60_000,
      maxStaleMs: 300_000,
      ...options,
    },
    { schema, select: (d) => ({ temp: d.temp }), fetch, timeout: fakeTimeout, ...hooks },
  );
}

const ev = () => stateEvent('sensor.x', '1');
const T0 = Date.UTC(2026, 0, 15, 12);

describe('polledContext', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fetches each location on start and attaches the selected context with metadata', async () => {
    const f = scriptedFetch(json({ temp: 4.5, extra: 'ignored' }));
    const t = testContext();
    const e = make(f.fn);
    await e.start?.(t.ctx);
    expect(f.urls).toEqual(['https://api.test/w?lat=51.5&lon=-0.12']);
    expect(e.enrich(ev(), t.ctx)).toEqual({ outside: { temp: 4.5, location: 'home', fetched_at: T0, stale: false } });
    await e.close?.();
  });

  it('polls every intervalMs and serves the cache in between', async () => {
    const f = scriptedFetch(json({ temp: 1 }), json({ temp: 2 }));
    const t = testContext();
    const e = make(f.fn);
    await e.start?.(t.ctx);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(f.calls()).toBe(1);
    expect(e.enrich(ev(), t.ctx)).toMatchObject({ outside: { temp: 1 } });
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls()).toBe(2);
    expect(e.enrich(ev(), t.ctx)).toMatchObject({ outside: { temp: 2, fetched_at: T0 + 60_000 } });
    await e.close?.();
  });

  it('passes events without context before start and while the first fetch is pending, counting why', async () => {
    const f = scriptedFetch('hang');
    const t = testContext();
    const e = make(f.fn, { timeoutMs: 5_000 });
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: 'outside',
        reason: 'not_started',
      }),
    ).toBe(1);
    const started = e.start?.(t.ctx);
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: 'outside',
        reason: 'pending',
      }),
    ).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    await started;
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: 'outside',
        reason: 'timeout',
      }),
    ).toBe(1);
    expect(e.status()).toMatchObject([{ location: 'home', lastFailure: 'timeout', stale: false }]);
    await e.close?.();
  });

  it('returns from start after startWaitMs while the provider is slow, and attaches context once it answers', async () => {
    let answer: (() => void) | undefined;
    const fetch: FetchLike = () =>
      new Promise((resolve) => {
        answer = () => resolve({ status: 200, headers: new Headers(), text: () => Promise.resolve('{"temp":8}') });
      });
    const t = testContext();
    const e = make(fetch, { startWaitMs: 1_000, timeoutMs: 30_000 });
    let started = false;
    const starting = Promise.resolve(e.start?.(t.ctx)).then(() => {
      started = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await starting;
    expect(started).toBe(true);
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    answer?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(e.enrich(ev(), t.ctx)).toMatchObject({ outside: { temp: 8 } });
    await e.close?.();
  });

  it('serves the last good value marked stale until maxStaleMs, then passes events without it', async () => {
    const f = scriptedFetch(json({ temp: 3 }), { status: 500, body: 'upstream down' });
    const t = testContext();
    const e = make(f.fn, { breaker: { threshold: 100 } });
    await e.start?.(t.ctx);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(e.enrich(ev(), t.ctx)).toEqual({ outside: { temp: 3, location: 'home', fetched_at: T0, stale: true } });
    await vi.advanceTimersByTimeAsync(240_000);
    expect(e.enrich(ev(), t.ctx)).toMatchObject({ outside: { stale: true } });
    await vi.advanceTimersByTimeAsync(1);
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: 'outside',
        reason: 'http_error',
      }),
    ).toBe(1);
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_fetches_total', {
        enricher: 'outside',
        outcome: 'http_error',
      }),
    ).toBeGreaterThan(1);
    await e.close?.();
  });

  it('opens the breaker after threshold failures, stops calling the provider, and closes after a good trial', async () => {
    const f = scriptedFetch({ status: 503, body: '' }, { status: 503, body: '' }, json({ temp: 9 }));
    const t = testContext();
    const e = make(f.fn, { intervalMs: 30_000, breaker: { threshold: 2, resetTimeoutMs: 100_000 } });
    await e.start?.(t.ctx);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(f.calls()).toBe(2);
    expect(e.status()[0]?.breaker).toBe('open');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(f.calls()).toBe(2);
    expect(e.status()[0]?.lastFailure).toBe('breaker_open');
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: 'outside',
        reason: 'breaker_open',
      }),
    ).toBe(1);
    // Opened at 30 s; a poll rejected by the open breaker waits for its trial time (130 s), not the 30 s retry.
    await vi.advanceTimersByTimeAsync(39_999);
    expect(f.calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls()).toBe(3);
    expect(e.status()[0]?.breaker).toBe('closed');
    expect(e.enrich(ev(), t.ctx)).toMatchObject({ outside: { temp: 9, stale: false } });
    expect(t.logs.some((l) => l.level === 'warn' && l.msg?.includes('circuit breaker open'))).toBe(true);
    await e.close?.();
  });

  it('logs fetch failures and breaker changes through a logger whose methods need their `this`, as pino methods do', async () => {
    // Regression (issue 13): the poller called `logger.warn` unbound, which threw inside pino and ended the
    // fetch round with an INTERNAL error instead of a logged failure.
    type Fields = Readonly<Record<string, unknown>>;
    class ThisLogger {
      readonly lines: string[] = [];
      warn(this: ThisLogger, obj: Fields | string, msg?: string) {
        this.lines.push(`warn ${typeof obj === 'string' ? obj : (msg ?? '')}`);
      }
      info(this: ThisLogger, obj: Fields | string, msg?: string) {
        this.lines.push(`info ${typeof obj === 'string' ? obj : (msg ?? '')}`);
      }
      debug(this: ThisLogger, obj: Fields | string, msg?: string) {
        this.lines.push(`debug ${typeof obj === 'string' ? obj : (msg ?? '')}`);
      }
      error(this: ThisLogger, obj: Fields | string, msg?: string) {
        this.lines.push(`error ${typeof obj === 'string' ? obj : (msg ?? '')}`);
      }
      trace(this: ThisLogger) {}
      child(): ThisLogger {
        return this;
      }
    }
    const logger = new ThisLogger();
    const f = scriptedFetch({ status: 503, body: '' });
    const t = testContext();
    const e = make(f.fn, { intervalMs: 30_000, breaker: { threshold: 1, resetTimeoutMs: 100_000 } });
    await e.start?.({ ...t.ctx, logger });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.reports).toEqual([]);
    expect(logger.lines).toEqual(
      expect.arrayContaining([
        'warn outside: context fetch failed (http_error); next try in 30000 ms',
        'warn outside: circuit breaker open',
      ]),
    );
    await e.close?.();
  });

  it('waits for Retry-After after a 429 and does not count it towards the breaker', async () => {
    const f = scriptedFetch({ status: 429, body: '', headers: { 'Retry-After': '120' } }, json({ temp: 5 }));
    const t = testContext();
    const e = make(f.fn, { intervalMs: 30_000, breaker: { threshold: 1 } });
    await e.start?.(t.ctx);
    expect(e.status()[0]).toMatchObject({ lastFailure: 'rate_limited', breaker: 'closed', nextFetchAt: T0 + 120_000 });
    await vi.advanceTimersByTimeAsync(119_999);
    expect(f.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls()).toBe(2);
    expect(e.enrich(ev(), t.ctx)).toMatchObject({ outside: { temp: 5 } });
    await e.close?.();
  });

  it('treats malformed JSON and schema mismatches as invalid responses', async () => {
    const f = scriptedFetch({ status: 200, body: '{"temp": 4' }, json({ temp: 'warm' }));
    const t = testContext();
    const e = make(f.fn, { intervalMs: 10_000 });
    await e.start?.(t.ctx);
    expect(e.status()[0]?.lastFailure).toBe('invalid_response');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(f.calls()).toBe(2);
    expect(e.status()[0]?.lastFailure).toBe('invalid_response');
    expect(t.logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    await e.close?.();
  });

  it('expires a value at validUntil and refetches then', async () => {
    const f = scriptedFetch(json({ temp: 1 }), 'hang');
    const t = testContext();
    const e = make(f.fn, { intervalMs: 3_600_000 }, { validUntil: () => T0 + 10_000 });
    await e.start?.(t.ctx);
    expect(e.status()[0]?.nextFetchAt).toBe(T0 + 10_000);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(e.enrich(ev(), t.ctx)).toMatchObject({ outside: { temp: 1 } });
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls()).toBe(2);
    // The refetch is still in flight: the old value is no longer true, so it is not attached.
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: 'outside',
        reason: 'expired',
      }),
    ).toBe(1);
    await e.close?.();
  });

  it("uses HA's coordinates from the registry for locations without lat/lon, and reports no_location without them", async () => {
    const f = scriptedFetch(json({ temp: 1 }));
    const t = testContext();
    const registry = createRegistryStore();
    const e = make(f.fn, { locations: [{ id: 'home' }], intervalMs: 10_000 }, { registry });
    await e.start?.(t.ctx);
    expect(f.calls()).toBe(0);
    expect(e.status()[0]?.lastFailure).toBe('no_location');
    registry.replace({ config: { time_zone: 'UTC', latitude: 10.5, longitude: 20 } });
    await e.refresh();
    expect(f.urls).toEqual(['https://api.test/w?lat=10.5&lon=20']);
    await e.close?.();
  });

  it('routes events to locations with the locate hook', async () => {
    const f = scriptedFetch(json({ temp: 1 }), json({ temp: 2 }));
    const t = testContext();
    const e = make(
      f.fn,
      {
        locations: [
          { id: 'home', lat: 1, lon: 1 },
          { id: 'cabin', lat: 2, lon: 2 },
        ],
      },
      { locate: (event) => ((event as { entity_id?: string }).entity_id?.includes('cabin') ? 'cabin' : 'home') },
    );
    await e.start?.(t.ctx);
    expect(e.enrich(stateEvent('sensor.cabin_temp', '1'), t.ctx)).toMatchObject({
      outside: { location: 'cabin', temp: 2 },
    });
    expect(e.enrich(stateEvent('sensor.home_temp', '1'), t.ctx)).toMatchObject({
      outside: { location: 'home', temp: 1 },
    });
    await e.close?.();
  });

  it('passes events without context when the locate hook throws, reporting it', async () => {
    const f = scriptedFetch(json({ temp: 1 }));
    const t = testContext();
    const e = make(
      f.fn,
      {},
      {
        locate: () => {
          throw new Error('bad locate');
        },
      },
    );
    await e.start?.(t.ctx);
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    expect(t.reports).toHaveLength(1);
    expect(
      await counterValue(t.ctx.metrics, 'ha_ingestor_context_unavailable_total', {
        enricher: 'outside',
        reason: 'unknown_location',
      }),
    ).toBe(1);
    await e.close?.();
  });

  it('never lets the API key reach logs, errors, reports, status or metrics', async () => {
    const key = 'SECRET-KEY-123';
    const leaky = new Error(`request to https://api.test/w?appid=${key} failed`, {
      cause: new Error(`ECONNREFUSED appid=${key}`),
    });
    const f = scriptedFetch(
      leaky,
      { status: 500, body: `bad key ${key}` },
      { status: 401, body: `{"cod":401,"message":"Invalid API key ${key}"}` },
      json({ temp: 1 }),
      'hang',
    );
    const t = testContext();
    const e = make(
      f.fn,
      {
        url: 'https://api.test/w?appid={apiKey}',
        apiKey: key,
        intervalMs: 10_000,
        timeoutMs: 1_000,
        breaker: { threshold: 100 },
      },
      {
        select: () => {
          throw new Error(`select saw ${key}`);
        },
      },
    );
    await e.start?.(t.ctx);
    await vi.advanceTimersByTimeAsync(41_000);
    expect(f.calls()).toBe(5);
    expect(f.urls[0]).toContain(key);
    expect(e.status()[0]?.lastFailure).toBe('timeout');
    expect(e.enrich(ev(), t.ctx)).toEqual({});
    const text = `${await capturedText(t)}\n${JSON.stringify(e.status())}`;
    expect(text).toContain('http_error');
    expect(text).toContain('auth_failed');
    expect(text).toContain('select saw ***');
    expect(text).not.toContain(key);
    expect(text).not.toContain(encodeURIComponent(key));
    await e.close?.();
  });

  it('stops polling on close, leaving no timers behind', async () => {
    const f = scriptedFetch(json({ temp: 1 }));
    const t = testContext();
    const e = make(f.fn, {}, { timeout: () => new AbortController().signal });
    await e.start?.(t.ctx);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await e.close?.();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(f.calls()).toBe(1);
  });

  it('rejects {apiKey} without an apiKey and placeholders no location defines', () => {
    const f = scriptedFetch(json({}));
    for (const options of [{ url: 'https://x/?k={apiKey}' }, { url: 'https://x/{region}' }]) {
      try {
        make(f.fn, options);
        expect.unreachable();
      } catch (error) {
        expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
      }
    }
  });

  it('is a defineEnricher component: stamped kind and name, invalid options name the component, hooks checked after', () => {
    const e = make(scriptedFetch(json({ temp: 1 })).fn);
    expect(Object.keys(e)).toEqual(['kind', 'name', 'enrich', 'start', 'close', 'refresh', 'status']);
    expect(e).toMatchObject({ kind: 'enricher', name: 'outside' });
    expect(() => make(scriptedFetch(json({})).fn, { intervalMs: -1 })).toThrow(
      /^polled-context:outside: invalid options: options\.intervalMs/,
    );
    expect(() =>
      polledContext(
        { name: 'outside', url: 'u' },
        undefined as unknown as PolledContextHooks<typeof schema, { temp: number }>,
      ),
    ).toThrow(/^outside: the schema and select hooks are required/);
  });
});
