import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@ha-ingestor/core/testing';
import { mqttSource } from '../../src/mqtt-source.js';
import { recordingContext } from '../support/recording-context.js';
import { quiet } from '../support/harness.js';

const run = promisify(execFile);

/** An aedes broker behind TLS with a throw-away self-signed certificate for 127.0.0.1. */
describe('mqttSource over mqtts://', () => {
  let dir = '';
  let ca = '';
  let server: tls.Server | undefined;
  let broker: Aedes | undefined;
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ha-mqtt-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    ca = await readFile(cert, 'utf8');
    broker = await Aedes.createBroker();
    const b = broker;
    server = tls.createServer({ key: await readFile(key), cert: ca }, (socket) => b.handle(socket));
    const s = server;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    url = `mqtts://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('connects when the broker certificate verifies against tls.ca', async () => {
    const rec = recordingContext();
    const runPromise = mqttSource({
      url,
      protocolVersion: 4,
      tls: { ca },
      subscriptions: [{ topic: 't/#', parser: 'plain' }],
    }).run(rec.ctx);
    await waitFor(() => rec.statuses.some((s) => s.connected), 'a connected status', { timeoutMs: 10_000 });
    rec.controller.abort();
    await runPromise;
    expect(rec.statuses[0]?.message).toContain('mqtts://127.0.0.1');
  });

  it('refuses an unverifiable certificate (keeps retrying, never connects) unless rejectUnauthorized is false', async () => {
    const rec = recordingContext();
    const runPromise = mqttSource({
      url,
      protocolVersion: 4,
      reconnect: { minDelayMs: 20, maxDelayMs: 50 },
      subscriptions: [{ topic: 't/#', parser: 'plain' }],
    }).run(rec.ctx);
    await quiet(400);
    rec.controller.abort();
    await runPromise;
    expect(rec.statuses.some((s) => s.connected)).toBe(false);
    expect(rec.logs.join('\n')).toMatch(/self[- ]signed|certificate/i);

    const insecure = recordingContext();
    const second = mqttSource({
      url,
      protocolVersion: 4,
      tls: { rejectUnauthorized: false },
      subscriptions: [{ topic: 't/#', parser: 'plain' }],
    }).run(insecure.ctx);
    await waitFor(() => insecure.statuses.some((s) => s.connected), 'a connected status', { timeoutMs: 10_000 });
    insecure.controller.abort();
    await second;
  });
});
