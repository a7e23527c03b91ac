// Credentials in a server URL against a real nats-server that requires a user and password (issue 16).
import { ErrorCode, isSdkError, type HaEvent } from '@ha-ingestor/core';
import { createTestContext, createTestSourceContext } from '@ha-ingestor/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireService } from '../../../../test-support/services.js';
import { natsSink } from '../../src/nats-sink.js';
import { natsSource } from '../../src/nats-source.js';
import { events, newTarget, startAuthNats, type AuthNatsServer } from './helpers.js';

const USER = 'ingest';
// Characters a URL must percent-encode, so the decoding is exercised too.
const PASSWORD = 'pa@ss:w0rd/Zq7';
const ENCODED = encodeURIComponent(PASSWORD);

let server: AuthNatsServer;
beforeAll(async () => {
  requireService('nats'); // the binary is there (under CI=true a missing server fails here)
  server = await startAuthNats(USER, PASSWORD);
});
afterAll(async () => server.close());

const urlWith = (userinfo: string) => server.url.replace('nats://', `nats://${userinfo}@`);

describe('credentials in the server URL (real nats-server with user/password)', () => {
  it('user:password in the URL connects; events round-trip; status shows host:port only', async () => {
    const target = newTarget([urlWith(`${USER}:${ENCODED}`)], 'auth');
    const sink = natsSink({ ...target, home: 'h1' });
    try {
      await sink.write(events(25), createTestContext());
      expect(sink.status()).toMatchObject({ connected: true, published: 25, server: `127.0.0.1:${server.port}` });
      const source = natsSource({ ...target, consumer: 'auth-writer' });
      const ctx = createTestSourceContext<HaEvent>();
      const running = source.run(ctx);
      try {
        await vi.waitFor(() => expect(ctx.events).toHaveLength(25), { timeout: 10_000, interval: 20 });
        expect(new Set(ctx.events.map((e) => e.key)).size).toBe(25);
        expect(source.status()).toMatchObject({ connected: true, server: `127.0.0.1:${server.port}` });
        await vi.waitFor(() => expect(JSON.stringify(ctx.statuses)).toContain('consuming'));
        const statuses = JSON.stringify(ctx.statuses);
        expect(statuses).not.toContain(PASSWORD);
        expect(statuses).not.toContain(ENCODED);
        const exposition = await ctx.metrics.registry.metrics();
        expect(exposition).not.toContain(PASSWORD);
      } finally {
        ctx.abort();
        await running;
      }
    } finally {
      await sink.close?.();
    }
  });

  it('explicit user/pass options win over credentials in the URL', async () => {
    const target = newTarget([urlWith('someone:wrong')], 'auth');
    const sink = natsSink({ ...target, home: 'h1', user: USER, pass: PASSWORD });
    try {
      await sink.write(events(1), createTestContext());
      expect(sink.status().published).toBe(1);
    } finally {
      await sink.close?.();
    }
  });

  it('a wrong password is AUTH_FAILED (not retried) for sink and source, the password nowhere in the error', async () => {
    const wrong = 'Wr0ng:pa@ss';
    const target = newTarget([urlWith(`${USER}:${encodeURIComponent(wrong)}`)], 'auth');
    const sink = natsSink({ ...target, home: 'h1' });
    const sinkError: unknown = await sink.write(events(1), createTestContext()).catch((e: unknown) => e);
    await sink.close?.();
    const source = natsSource({ ...target });
    const ctx = createTestSourceContext<HaEvent>();
    const sourceError: unknown = await source.run(ctx).catch((e: unknown) => e);
    for (const error of [sinkError, sourceError]) {
      expect(isSdkError(error, ErrorCode.AUTH_FAILED)).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(false);
      const text = `${JSON.stringify(error)} ${String(error)} ${String((error as Error).cause)}`;
      expect(text).toMatch(/refused the credentials/);
      for (const secret of [wrong, encodeURIComponent(wrong), PASSWORD]) expect(text).not.toContain(secret);
    }
    const statuses = JSON.stringify(ctx.statuses);
    expect(statuses).toMatch(/refused the credentials/);
    expect(statuses).not.toContain(wrong);
    expect(source.status()).toMatchObject({ connected: false, server: null });
  });
});
