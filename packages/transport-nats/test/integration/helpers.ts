// Shared helpers of the NATS integration tests: a unique stream per test on the shared nats-server.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { jetstreamManager, type ConsumerInfo, type StreamInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { uniqueName } from '../../../../test-support/services.js';

/** Stream name and subject prefix of one test: streams may not overlap subjects, so both are unique. */
export interface Target {
  readonly servers: string | string[];
  readonly stream: string;
  readonly subjectPrefix: string;
}

export function newTarget(servers: string | string[], label = 't'): Target {
  const id = uniqueName(label);
  return { servers, stream: `S_${id}`, subjectPrefix: `test.${id}` };
}

/** `n` distinct state changes (distinct keys) of a few entities. */
export function events(n: number, from = 0): StateChangedEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makeStateChanged({
      entity_id: `sensor.e${(from + i) % 7}`,
      state: String(from + i),
      last_updated: TEST_EVENT_TIME + from + i,
    }),
  );
}

/** A plain client for assertions (stream/consumer state, raw publishes). */
export async function admin(servers: string | string[]): Promise<{
  nc: NatsConnection;
  stream: (name: string) => Promise<StreamInfo>;
  consumer: (stream: string, name: string) => Promise<ConsumerInfo>;
  close: () => Promise<void>;
}> {
  const nc = await connect({ servers });
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    stream: (name) => jsm.streams.info(name),
    consumer: (stream, name) => jsm.consumers.info(stream, name),
    close: () => nc.close(),
  };
}

/** A nats-server of its own (JetStream on, empty store): with a user and password, TLS, … */
export interface AuthNatsServer {
  /** `nats://127.0.0.1:<port>`, without credentials. */
  readonly url: string;
  readonly port: number;
  /** Its temp dir (config, store, files written for it); removed by `close()`. */
  readonly dir: string;
  readonly close: () => Promise<void>;
}

/** A private nats-server that requires `user`/`password` (JetStream on, store in a temp dir). */
export function startAuthNats(user: string, password: string): Promise<AuthNatsServer> {
  return startPrivateNats('auth', () => [
    `authorization { user: ${JSON.stringify(user)}, password: ${JSON.stringify(password)} }`,
  ]);
}

/**
 * A private nats-server (JetStream on, store in a temp dir) with extra configuration lines, written by `extra` in
 * its temp dir (e.g. TLS files). Stopped by `close()`, and by a watchdog if this process dies.
 */
export async function startPrivateNats(
  label: string,
  extra: (dir: string) => string[] | Promise<string[]>,
): Promise<AuthNatsServer> {
  const dir = await mkdtemp(join(tmpdir(), `ha-ingestor-nats-${label}-`));
  const port = await freePort();
  const conf = join(dir, 'nats.conf');
  await writeFile(
    conf,
    [
      `server_name: ${label}`,
      `listen: 127.0.0.1:${port}`,
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'store'))}, max_memory_store: 16MB, max_file_store: 256MB }`,
      ...(await extra(dir)),
      '',
    ].join('\n'),
  );
  const script =
    'nats-server -c "$0" & s=$!; trap \'kill $s 2>/dev/null; wait $s; exit 0\' TERM INT; ' +
    'while kill -0 "$1" 2>/dev/null && kill -0 $s 2>/dev/null; do sleep 1 & wait $!; done; kill $s 2>/dev/null; wait $s';
  const child = spawn('bash', ['-c', script, conf, String(process.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes('Server is ready')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`nats-server exited before it was ready:\n${log}`)));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
