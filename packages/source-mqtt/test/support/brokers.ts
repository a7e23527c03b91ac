import net from 'node:net';
import { Aedes } from 'aedes';
import { isCi, services } from '../../../../test-support/services.js';

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

/**
 * The Debian Mosquitto the integration project's global setup started through scripts/services.sh
 * (anonymous, password and websockets listeners; see test-support/services.ts). Tests use their own topic
 * prefixes and client ids, so sharing the broker with other suites is safe. Under CI a missing broker
 * fails; elsewhere this returns undefined and the suite skips with a loud warning.
 */
export function startMosquitto(): Promise<BrokerTarget | undefined> {
  const info = services();
  if (!info.available) {
    const message = `[source-mqtt] Mosquitto unavailable, its suite is SKIPPED: ${info.reason}`;
    if (isCi()) return Promise.reject(new Error(message));
    console.warn(message);
    return Promise.resolve(undefined);
  }
  const m = info.mosquitto;
  return Promise.resolve({
    name: 'mosquitto',
    protocolVersion: 5,
    url: m.url,
    authUrl: m.authUrl,
    wsUrl: m.wsUrl,
    username: m.username,
    password: m.password,
    close: () => Promise.resolve(),
  });
}
