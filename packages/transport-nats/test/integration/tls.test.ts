// TLS to a real nats-server that requires it and verifies client certificates (mTLS), with a CA, server and client
// certificates made by openssl for this run (issue 16 follow-up: edges reach NATS over networks).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ErrorCode, isSdkError, type HaEvent } from '@ha-ingestor/core';
import { createTestContext, createTestSourceContext } from '@ha-ingestor/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireService } from '../../../../test-support/services.js';
import { natsSink } from '../../src/nats-sink.js';
import { natsSource } from '../../src/nats-source.js';
import { NatsSinkOptionsSchema } from '../../src/options.js';
import { events, newTarget, startPrivateNats, type AuthNatsServer } from './helpers.js';

let server: AuthNatsServer;
let files: { ca: string; cert: string; key: string; otherCa: string };

beforeAll(async () => {
  requireService('nats'); // the binary is there (under CI=true a missing server fails here)
  server = await startPrivateNats('tls', (dir) => {
    makeCertificates(dir);
    files = {
      ca: join(dir, 'ca.pem'),
      cert: join(dir, 'client.pem'),
      key: join(dir, 'client-key.pem'),
      otherCa: join(dir, 'other-ca.pem'),
    };
    return [
      'tls {',
      `  cert_file: ${JSON.stringify(join(dir, 'server.pem'))}`,
      `  key_file: ${JSON.stringify(join(dir, 'server-key.pem'))}`,
      `  ca_file: ${JSON.stringify(files.ca)}`,
      '  verify: true',
      '}',
    ];
  });
}, 60_000);
afterAll(async () => server.close());

describe('TLS (real nats-server requiring TLS and a client certificate)', () => {
  it('with the CA and a client certificate, events round-trip from sink to source', async () => {
    const target = newTarget([server.url], 'tls');
    const tls = { caFile: files.ca, certFile: files.cert, keyFile: files.key };
    const sink = natsSink({ ...target, home: 'h1', tls });
    try {
      await sink.write(events(20), createTestContext());
      expect(sink.status()).toMatchObject({ connected: true, published: 20 });
      const source = natsSource({ ...target, consumer: 'tls-writer', tls });
      const ctx = createTestSourceContext<HaEvent>();
      const running = source.run(ctx);
      try {
        await vi.waitFor(() => expect(ctx.events).toHaveLength(20), { timeout: 10_000, interval: 20 });
        expect(new Set(ctx.events.map((e) => e.key)).size).toBe(20);
      } finally {
        ctx.abort();
        await running;
      }
    } finally {
      await sink.close?.();
    }
  });

  it('without a client certificate, or trusting another CA, the connection is refused (retryable, says why)', async () => {
    const target = newTarget([server.url], 'tls');
    for (const tls of [{ caFile: files.ca }, { caFile: files.otherCa, certFile: files.cert, keyFile: files.key }]) {
      const sink = natsSink({ ...target, home: 'h1', tls, connectTimeoutMs: 2000 });
      const error: unknown = await sink.write(events(1), createTestContext()).catch((e: unknown) => e);
      await sink.close?.();
      expect(isSdkError(error, ErrorCode.SINK_UNAVAILABLE)).toBe(true);
      expect(String(error)).toMatch(/cannot reach NATS/);
    }
  });

  it('a TLS file that cannot be read is CONFIG_INVALID naming the path, before any connect', async () => {
    const missing = join(server.dir, 'nope.pem');
    const sink = natsSink({ ...newTarget([server.url], 'tls'), home: 'h1', tls: { caFile: missing } });
    const error: unknown = await sink.write(events(1), createTestContext()).catch((e: unknown) => e);
    await sink.close?.();
    expect(isSdkError(error, ErrorCode.CONFIG_INVALID)).toBe(true);
    expect(String(error)).toContain(missing);
    expect(String(error)).toContain('ENOENT');
  });

  it('a certificate without its key (or the other way round) is refused when the options are parsed', () => {
    const parsed = NatsSinkOptionsSchema.safeParse({ servers: server.url, home: 'h1', tls: { certFile: files.cert } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('certFile and keyFile go together');
  });
});

// --- internal ---

/** A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and an unrelated CA. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) =>
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.pem`,
    );
  ca('ca');
  ca('other-ca');
  const signed = (name: string, ext: string) => {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}-key.pem`,
      '-out',
      `${name}.csr`,
    );
    execFileSync('bash', ['-c', `printf '%s\\n' "${ext}" > ${name}.ext`], { cwd: dir });
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
  };
  signed('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  signed('client', 'extendedKeyUsage=clientAuth');
}
