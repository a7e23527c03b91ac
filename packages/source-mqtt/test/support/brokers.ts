import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Aedes } from 'aedes';

const run = promisify(execFile);

/** A broker an integration suite runs against: an anonymous URL and a password-protected one. */
export interface BrokerTarget {
  readonly name: string;
  /** The MQTT version the broker speaks best (aedes: 3.1.1 only). */
  readonly protocolVersion: 4 | 5;
  readonly url: string;
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  /** MQTT over websockets, when the broker has such a listener. */
  readonly wsUrl?: string;
  readonly close: () => Promise<void>;
}

/** The test user's password on both brokers; recognisable so a leak in logs or errors is caught. */
export const AEDES_PASSWORD = 'h@ s3cret';

/** An in-process aedes broker (MQTT 3.1.1) on two loopback ports: anonymous and password-protected. */
export async function startAedes(): Promise<BrokerTarget> {
  const open = await Aedes.createBroker();
  const secured = await Aedes.createBroker({
    authenticate: (_client, username, password, callback) => {
      if (username === 'hauser' && password?.toString() === AEDES_PASSWORD) return callback(null, true);
      // 4 = bad user name or password (MQTT 3.1.1 CONNACK).
      callback(Object.assign(new Error('bad credentials'), { returnCode: 4 }), false);
    },
  });
  const servers = [net.createServer(open.handle), net.createServer(secured.handle)];
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve) => {
          s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
        }),
    ),
  );
  const sockets = new Set<net.Socket>();
  for (const s of servers) s.on('connection', (c) => (sockets.add(c), c.on('close', () => sockets.delete(c))));
  return {
    name: 'aedes',
    protocolVersion: 4,
    url: `mqtt://127.0.0.1:${ports[0] ?? 0}`,
    authUrl: `mqtt://127.0.0.1:${ports[1] ?? 0}`,
    username: 'hauser',
    password: AEDES_PASSWORD,
    close: async () => {
      for (const c of sockets) c.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await Promise.all([open, secured].map((b) => new Promise<void>((resolve) => b.close(() => resolve()))));
    },
  };
}

interface ServicesJson {
  readonly mosquitto: { url: string; authUrl: string; wsUrl?: string; username: string; password: string } | null;
}

/**
 * Mosquitto from Debian through the project's services script (a private state dir, so suites never
 * share sessions). Under CI=true a missing Mosquitto fails; elsewhere it returns undefined (skip, loudly).
 */
export async function startMosquitto(): Promise<BrokerTarget | undefined> {
  const root = path.resolve(import.meta.dirname, '../../../..');
  const script = path.join(root, 'scripts/services.sh');
  const dir = await mkdtemp(path.join(tmpdir(), 'ha-mqtt-it-'));
  try {
    await run('bash', [script, 'start', 'mosquitto', '--dir', dir], { timeout: 60_000 });
    const info = JSON.parse(await readFile(path.join(dir, 'services.json'), 'utf8')) as ServicesJson;
    const m = info.mosquitto;
    if (m === null) throw new Error('services.json has no mosquitto entry');
    return {
      name: 'mosquitto',
      protocolVersion: 5,
      url: m.url,
      authUrl: m.authUrl,
      username: m.username,
      password: m.password,
      ...(m.wsUrl === undefined ? {} : { wsUrl: m.wsUrl }),
      close: async () => {
        await run('bash', [script, 'stop', 'mosquitto', '--dir', dir], { timeout: 30_000 });
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (process.env['CI'] === 'true') throw error;
    console.warn(`[source-mqtt] Mosquitto unavailable, its suite is SKIPPED: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
