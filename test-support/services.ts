// Helpers for integration tests on the real servers started by scripts/vitest-services.ts.
//
//   const mqtt = requireService('mosquitto', ctx);     // info, or ctx.skip() (CI: throws)
//   await stopService('influxdb'); … await startService('influxdb');   // outage tests
//   await influxQuery(influx.url, db, 'SELECT * FROM "°C"');            // assertions
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { isCi, readNatsClusterInfo, readServicesJson } from './services-info.js';
import type {
  AvailableServices,
  InfluxAuthInfo,
  InfluxInfo,
  MosquittoInfo,
  NatsClusterInfo,
  NatsInfo,
  NatsNodeName,
  ServiceName,
  ServicesInfo,
  VictoriaInfo,
} from './services-info.js';
import './provided-context.js';

export type {
  AvailableServices,
  InfluxAuthInfo,
  InfluxInfo,
  MosquittoInfo,
  NatsClusterInfo,
  NatsInfo,
  NatsNodeInfo,
  NatsNodeName,
  ServiceName,
  ServicesInfo,
  VictoriaInfo,
} from './services-info.js';
export { isCi } from './services-info.js';

interface ServiceInfoByName {
  readonly mosquitto: MosquittoInfo;
  readonly influxdb: InfluxInfo;
  readonly 'influxdb-auth': InfluxAuthInfo;
  readonly victoria: VictoriaInfo;
  readonly nats: NatsInfo;
}

/** What the global setup provided: the servers, or `{ available: false, reason }`. */
export function services(): ServicesInfo {
  return inject('services');
}

function unavailableMessage(what: string, reason: string): string {
  const lines = reason.split('\n').filter((line) => line.trim() !== '');
  return `!!! ${what}: integration servers unavailable — ${lines.at(-1) ?? reason}`;
}

/**
 * For `describe.skipIf(!servicesAvailable())` and hooks: true when the servers run. When they don't,
 * warns loudly and returns false — or throws under CI, where a missing server must fail the run.
 */
export function servicesAvailable(): boolean {
  const info = services();
  if (info.available) return true;
  if (isCi()) throw new Error(unavailableMessage('CI requires the servers', info.reason));
  console.warn(unavailableMessage('skipping', info.reason));
  return false;
}

/** All servers, or a skip of the calling test (`ctx` = the test context); under CI a throw. */
export function requireServices(ctx?: { readonly skip: (note?: string) => never }): AvailableServices {
  const info = services();
  if (info.available) return info;
  const message = unavailableMessage('skipped', info.reason);
  if (isCi() || !ctx) throw new Error(message);
  console.warn(message);
  return ctx.skip(message);
}

/** One server's info (see requireServices for the unavailable case). */
export function requireService<N extends ServiceName>(
  name: N,
  ctx?: { readonly skip: (note?: string) => never },
): ServiceInfoByName[N] {
  const all = requireServices(ctx);
  const byName: ServiceInfoByName = {
    mosquitto: all.mosquitto,
    influxdb: all.influxdb,
    'influxdb-auth': all.influxdbAuth,
    victoria: all.victoria,
    nats: all.nats,
  };
  return byName[name];
}

function runScript(script: string, args: readonly string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`services.sh ${args.join(' ')} exited with ${String(code)}:\n${output}`)),
    );
  });
}

function runServicesScript(command: 'start' | 'stop', name: ServiceName): Promise<void> {
  const all = requireServices();
  return runScript(all.script, [command, name, '--dir', all.dir]);
}

/**
 * Stops one of the SHARED servers (same ports and data when started again). Other test files use them at
 * the same time: outage tests should prefer startPrivateServices().
 */
export function stopService(name: ServiceName): Promise<void> {
  return runServicesScript('stop', name);
}

/** Starts one server again on its ports and waits until it is ready. */
export function startService(name: ServiceName): Promise<void> {
  return runServicesScript('start', name);
}

export interface PrivateServices {
  readonly info: AvailableServices;
  readonly stop: (name: ServiceName) => Promise<void>;
  readonly start: (name: ServiceName) => Promise<void>;
  /** Stops everything and removes the state dir. */
  readonly close: () => Promise<void>;
}

/**
 * A set of servers of its own (new ports, empty data), for tests that stop a server mid-test: stopping the
 * shared ones would break other test files running at the same time. Skips/throws like requireServices
 * when the shared servers are unavailable. Starting all four takes ~1 s.
 */
export async function startPrivateServices(ctx?: {
  readonly skip: (note?: string) => never;
}): Promise<PrivateServices> {
  const shared = requireServices(ctx);
  const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-private-services-'));
  const run = (args: readonly string[]): Promise<void> => runScript(shared.script, [...args, '--dir', dir]);
  try {
    await run(['start', '--watch-pid', String(process.pid)]);
  } catch (error) {
    await run(['stop']).catch((stopError: unknown) => {
      throw new AggregateError([error, stopError], 'private services failed to start, and to stop');
    });
    throw error;
  }
  const info = await readServicesJson(join(dir, 'services.json'));
  return {
    info,
    stop: (name) => run(['stop', name]),
    start: (name) => run(['start', name]),
    close: async () => {
      await run(['stop']);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A 3-node JetStream cluster of its own (n1..n3 on loopback), with kill -9 and restart of one node. */
export interface NatsCluster {
  readonly info: NatsClusterInfo;
  /** SIGKILL one node (its store and ports stay). */
  readonly kill: (node: NatsNodeName) => Promise<void>;
  /** Starts a node again with the same config and store; resolves once its JetStream is healthy. */
  readonly start: (node: NatsNodeName) => Promise<void>;
  /** Stops all nodes and removes the state dir. */
  readonly close: () => Promise<void>;
}

/**
 * Starts a private 3-node NATS JetStream cluster (`services.sh start nats-cluster`, ~2 s) for tests that
 * kill nodes. Not part of the shared set, so test runs that don't need it don't pay for it. Skips/throws
 * like requireServices when the shared servers are unavailable.
 */
export async function startNatsCluster(ctx?: { readonly skip: (note?: string) => never }): Promise<NatsCluster> {
  const shared = requireServices(ctx);
  const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-nats-cluster-'));
  const run = (args: readonly string[]): Promise<void> => runScript(shared.script, [...args, '--dir', dir]);
  try {
    await run(['start', 'nats-cluster', '--watch-pid', String(process.pid)]);
  } catch (error) {
    await run(['stop']).catch((stopError: unknown) => {
      throw new AggregateError([error, stopError], 'NATS cluster failed to start, and to stop');
    });
    throw error;
  }
  const info = await readNatsClusterInfo(join(dir, 'services.json'));
  return {
    info,
    kill: (node) => run(['kill', node]),
    start: (node) => run(['start', node]),
    close: async () => {
      await run(['stop']);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A name unique to this process and call, for databases, topics, measurements. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export { influxQuery, influxRows, createInfluxDatabase, vmExport, vmForceFlush } from './clients.js';
export type { InfluxCredentials, InfluxSeries, VmExportRow, VmExportOptions } from './clients.js';
