import { createHmac } from 'node:crypto';
import { ErrorCode, isSdkError, type SdkError, type StateChangedEvent } from '@ha-ingestor/core';
import { createTestContext, makeStateChanged, testSink, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../test/receiver.js';
import { verifySignature } from './signature.js';
import { webhookSink } from './webhook-sink.js';

const SECRET = 'a-webhook-secret-of-32-characters';
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});
async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}
const events = (n: number, from = 0): StateChangedEvent[] =>
  Array.from({ length: n }, (_, i) =>
    makeStateChanged({ entity_id: `sensor.t${i + from}`, state: String(i), last_updated: TEST_EVENT_TIME + i + from }),
  );
const failure = (p: Promise<unknown>): Promise<SdkError> =>
  p.then(
    () => expect.fail('write resolved'),
    (e: unknown) => (isSdkError(e) ? e : expect.fail(`not an SdkError: ${String(e)}`)),
  );

let conformance: Receiver | undefined;
testSink<StateChangedEvent>({
  name: 'webhook',
  create: async () => {
    conformance = await receiver();
    return webhookSink({ url: conformance.url, secret: SECRET });
  },
  sampleEvents: () => events(3),
  read: () => Promise.resolve(conformance?.accepted() ?? []),
});

describe('webhookSink', () => {
  it('POSTs the batch as one JSON array, signed with HMAC-SHA256 of the raw body', async () => {
    const r = await receiver();
    const sink = webhookSink({ url: r.url, secret: SECRET, headers: { Authorization: 'Bearer xyz' } });
    const batch = events(3);
    await sink.write(batch, createTestContext());
    expect(r.requests).toHaveLength(1);
    const [req] = r.requests;
    expect(JSON.parse(req?.raw.toString('utf8') ?? '')).toEqual(batch);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['authorization']).toBe('Bearer xyz');
    const expected = `sha256=${createHmac('sha256', SECRET)
      .update(req?.raw ?? '')
      .digest('hex')}`;
    expect(req?.headers['x-ha-ingestor-signature']).toBe(expected);
    expect(verifySignature(req?.raw ?? Buffer.alloc(0), req?.headers['x-ha-ingestor-signature'], SECRET)).toBe(true);
    expect(verifySignature(Buffer.from('[]'), req?.headers['x-ha-ingestor-signature'], SECRET)).toBe(false);
    await sink.close?.();
  });

  it('sends no signature without a secret', async () => {
    const r = await receiver();
    const sink = webhookSink({ url: r.url });
    await sink.write(events(1), createTestContext());
    expect(r.requests[0]?.headers['x-ha-ingestor-signature']).toBeUndefined();
    await sink.close?.();
  });

  it('keeps the Idempotency-Key of a batch across retries (5xx, then ok); another batch gets another key', async () => {
    const r = await receiver();
    r.script({ status: 503, body: 'warming up' }, { status: 502 });
    const sink = webhookSink({ url: r.url, secret: SECRET });
    const batch = events(4);
    const first = await failure(sink.write(batch, createTestContext()));
    expect(first).toMatchObject({ code: ErrorCode.SINK_UNAVAILABLE, retryable: true, data: { status: 503 } });
    expect(first.message).toContain('warming up');
    await failure(sink.write(events(4), createTestContext()));
    await sink.write(events(4), createTestContext());
    const keys = r.requests.map((q) => q.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    await sink.write(events(4, 100), createTestContext());
    expect(r.requests[3]?.headers['idempotency-key']).not.toBe(keys[0]);
    expect(r.accepted()).toHaveLength(8);
    await sink.close?.();
  });

  it('429 with Retry-After in seconds or as an HTTP date: retryable, carrying the wait', async () => {
    const r = await receiver();
    const at = new Date(Date.now() + 60_000).toUTCString();
    r.script({ status: 429, headers: { 'retry-after': '7' } }, { status: 503, headers: { 'retry-after': at } });
    const sink = webhookSink({ url: r.url });
    const seconds = await failure(sink.write(events(1), createTestContext()));
    expect(seconds).toMatchObject({ code: ErrorCode.SINK_UNAVAILABLE, retryable: true, retryAfterMs: 7000 });
    const date = await failure(sink.write(events(1), createTestContext()));
    expect(date.retryAfterMs).toBeGreaterThan(50_000);
    expect(date.retryAfterMs).toBeLessThanOrEqual(60_000);
    await sink.close?.();
  });

  it('408 is retried; 400 rejects every event of the request with the status and a bounded body excerpt', async () => {
    const r = await receiver();
    r.script({ status: 408 }, { status: 400, body: `{"error":"bad field ${'x'.repeat(5000)}"}` });
    const sink = webhookSink({ url: r.url });
    expect((await failure(sink.write(events(1), createTestContext()))).retryable).toBe(true);
    const result = await sink.write(events(3), createTestContext());
    expect(result?.rejected?.map((x) => x.index)).toEqual([0, 1, 2]);
    const first = result?.rejected?.[0];
    expect(first?.reason).toBe('http_400');
    expect(first?.message).toContain('HTTP 400');
    expect(first?.message).toContain('bad field');
    expect(first?.message.length).toBeLessThan(700);
    await sink.close?.();
  });

  it('retryStatuses makes another 4xx retryable (e.g. 401 while credentials rotate)', async () => {
    const r = await receiver();
    r.script({ status: 401 });
    const sink = webhookSink({ url: r.url, retryStatuses: [401, 408, 429] });
    expect(await failure(sink.write(events(1), createTestContext()))).toMatchObject({ retryable: true });
    await sink.close?.();
  });

  it('a receiver that does not answer within timeoutMs fails the write as retryable (timeout)', async () => {
    const r = await receiver();
    r.script({ hang: true });
    const sink = webhookSink({ url: r.url, timeoutMs: 150 });
    const error = await failure(sink.write(events(1), createTestContext()));
    expect(error).toMatchObject({ code: ErrorCode.SINK_UNAVAILABLE, retryable: true, data: { reason: 'timeout' } });
    await sink.write(events(1), createTestContext()); // the next request works
    await sink.close?.();
  });

  it('a connection reset fails the write as retryable (network)', async () => {
    const r = await receiver();
    r.script({ reset: true });
    const sink = webhookSink({ url: r.url });
    const error = await failure(sink.write(events(1), createTestContext()));
    expect(error).toMatchObject({ code: ErrorCode.SINK_UNAVAILABLE, retryable: true, data: { reason: 'network' } });
    await sink.close?.();
  });

  it('a refused connection is retryable, and the healthcheck reports it', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    receivers.splice(receivers.indexOf(r), 1);
    const sink = webhookSink({ url });
    expect((await failure(sink.write(events(1), createTestContext()))).retryable).toBe(true);
    await expect(sink.healthcheck?.(new AbortController().signal)).rejects.toMatchObject({
      code: ErrorCode.SINK_UNAVAILABLE,
    });
    await sink.close?.();
  });

  it('sends URL credentials as Basic auth and never shows them, or the secret, in errors', async () => {
    const r = await receiver();
    const url = r.url.replace('http://', 'http://hook-user:pa55-w0rd-in-url@');
    r.script({ status: 500, body: `echo ${SECRET} pa55-w0rd-in-url` }, { status: 400, body: `echo ${SECRET}` });
    const sink = webhookSink({ url, secret: SECRET });
    const error = await failure(sink.write(events(1), createTestContext()));
    const rejected = await sink.write(events(1), createTestContext());
    const shown = JSON.stringify([error.message, error.toJSON(), rejected]);
    expect(shown).not.toContain('pa55-w0rd-in-url');
    expect(shown).not.toContain(SECRET);
    expect(shown).toContain('hook-user');
    expect(r.requests[0]?.headers['authorization']).toBe(
      `Basic ${Buffer.from('hook-user:pa55-w0rd-in-url').toString('base64')}`,
    );
    await sink.close?.();
  });

  it('splits a batch bigger than maxBatchBytes into requests with their own keys; an event too big alone is rejected', async () => {
    const r = await receiver();
    const sink = webhookSink({ url: r.url, maxBatchBytes: 2048 });
    const batch = events(10);
    const huge = makeStateChanged({ entity_id: 'sensor.huge', attributes: { blob: 'x'.repeat(4000) } });
    const result = await sink.write([...batch.slice(0, 5), huge, ...batch.slice(5)], createTestContext());
    expect(result?.rejected).toEqual([expect.objectContaining({ index: 5, reason: 'payload_too_large' })]);
    expect(r.requests.length).toBeGreaterThan(1);
    for (const q of r.requests) expect(q.raw.length).toBeLessThanOrEqual(2048);
    expect(new Set(r.requests.map((q) => q.headers['idempotency-key'])).size).toBe(r.requests.length);
    expect(r.accepted()).toEqual(batch);
    await sink.close?.();
  });

  it('a 4xx on one request of a split batch rejects only that request’s events', async () => {
    const r = await receiver();
    r.script({ status: 200 }, { status: 422, body: 'nope' });
    const sink = webhookSink({ url: r.url, maxBatchBytes: 1200 });
    const batch = events(6);
    const result = await sink.write(batch, createTestContext());
    const second = JSON.parse(r.requests[1]?.raw.toString('utf8') ?? '[]') as StateChangedEvent[];
    expect(result?.rejected?.map((x) => batch[x.index]?.key)).toEqual(second.map((e) => e.key));
    expect(result?.rejected?.length).toBeLessThan(batch.length);
    await sink.close?.();
  });

  it('refuses options that would break the protocol or leak: reserved headers, CR/LF, a short secret', () => {
    expect(() => webhookSink({ url: 'http://x/', headers: { 'Idempotency-Key': 'k' } })).toThrow(
      /cannot be overridden/,
    );
    expect(() => webhookSink({ url: 'http://x/', headers: { 'X-A': 'a\r\nX-B: b' } })).toThrow(/CR, LF or NUL/);
    expect(() => webhookSink({ url: 'http://x/', secret: 'short' })).toThrow(/at least 16/);
    expect(() => webhookSink({ url: 'ftp://x/' })).toThrow();
  });
});
