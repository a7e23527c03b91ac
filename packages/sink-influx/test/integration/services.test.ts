// Smoke test of the integration servers themselves (scripts/services.sh + the vitest global setup):
// each server answers, and the Mosquitto password listener refuses a wrong password.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import type { IClientOptions } from 'mqtt';
import { describe, expect, it } from 'vitest';
import {
  createInfluxDatabase,
  influxRows,
  requireService,
  requireServices,
  startPrivateServices,
  uniqueName,
  vmExport,
} from '../../../../test-support/services.js';

// The websocket listener is checked with a raw upgrade: under the workspace's vitest conditions
// (`import` among them) mqtt's `require('ws')` gets ws's ESM wrapper, which lacks createWebSocketStream.
function websocketUpgradeStatus(wsUrl: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(wsUrl.replace(/^ws:/, 'http:'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('ha-ingestor-smoke').toString('base64'),
        'sec-websocket-protocol': 'mqtt',
      },
    });
    req.once('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode);
    });
    req.once('response', (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    req.once('error', reject);
    req.end();
  });
}

function connectOutcome(url: string, options: IClientOptions): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 5_000 });
    const finish = (outcome: string): void => {
      client.end(true, {}, () => resolve(outcome));
    };
    client.once('connect', () => finish('connected'));
    client.once('error', (error) => finish(error.message));
  });
}

describe('integration servers', () => {
  it('mosquitto accepts anonymous clients and upgrades websocket connections', async (ctx) => {
    const broker = requireService('mosquitto', ctx);
    expect(await connectOutcome(broker.url, {})).toBe('connected');
    expect(await websocketUpgradeStatus(broker.wsUrl)).toBe(101);
  });

  it('mosquitto password listener accepts the test user and refuses a wrong password or anonymous', async (ctx) => {
    const broker = requireService('mosquitto', ctx);
    expect(await connectOutcome(broker.authUrl, { username: broker.username, password: broker.password })).toBe(
      'connected',
    );
    expect(await connectOutcome(broker.authUrl, { username: broker.username, password: 'wrong' })).toMatch(
      /Not authorized/i,
    );
    expect(await connectOutcome(broker.authUrl, {})).toMatch(/Not authorized/i);
  });

  it('influxdb 1.x answers /ping and stores what /write receives', async (ctx) => {
    const influx = requireService('influxdb', ctx);
    const ping = await fetch(`${influx.url}/ping`);
    expect(ping.status).toBe(204);
    expect(ping.headers.get('x-influxdb-version')).toMatch(/^1\./);
    const db = uniqueName('smoke');
    await createInfluxDatabase(influx.url, db);
    const write = await fetch(`${influx.url}/write?db=${db}&precision=u`, {
      method: 'POST',
      body: '°C,entity_id=küche value=21.5 1700000000000000',
    });
    expect(write.status).toBe(204);
    expect(await influxRows(influx.url, db, 'SELECT * FROM "°C"')).toEqual([
      { _measurement: '°C', time: 1700000000000000, entity_id: 'küche', value: 21.5 },
    ]);
  });

  it('the auth-enabled influxdb refuses anonymous queries and accepts the test user', async (ctx) => {
    const influx = requireService('influxdb-auth', ctx);
    const anonymous = await fetch(`${influx.url}/query?q=SHOW+DATABASES`);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    const rows = await influxRows(influx.url, '', 'SHOW USERS', influx);
    expect(rows).toContainEqual(expect.objectContaining({ user: influx.username, admin: true }));
  });

  it('victoriametrics answers /health and returns what /api/v2/write received', async (ctx) => {
    const vm = requireService('victoria', ctx);
    expect((await fetch(`${vm.url}/health`)).status).toBe(200);
    const metric = uniqueName('smoke');
    const write = await fetch(`${vm.url}/api/v2/write?bucket=ha&precision=ms`, {
      method: 'POST',
      body: `${metric},entity_id=a value=1.5 1700000000000`,
    });
    expect(write.status).toBe(204);
    const rows = await vmExport(vm.url, `{__name__="${metric}_value"}`);
    expect(rows).toEqual([
      { metric: { __name__: `${metric}_value`, entity_id: 'a' }, values: [1.5], timestamps: [1700000000000] },
    ]);
  });

  it('a private influxdb stops and starts again on the same port with its data', async (ctx) => {
    const own = await startPrivateServices(ctx);
    try {
      const { url } = own.info.influxdb;
      const db = uniqueName('outage');
      await createInfluxDatabase(url, db);
      const write = await fetch(`${url}/write?db=${db}&precision=s`, { method: 'POST', body: 'm v=1 1700000000' });
      expect(write.status).toBe(204);
      await own.stop('influxdb');
      await expect(fetch(`${url}/ping`)).rejects.toThrow();
      await own.start('influxdb');
      expect((await fetch(`${url}/ping`)).status).toBe(204);
      expect(await influxRows(url, db, 'SELECT v FROM m')).toEqual([
        { _measurement: 'm', time: 1700000000000000, v: 1 },
      ]);
    } finally {
      await own.close();
    }
  });

  it('a second run handed ports that are taken picks new ones instead of mistaking the other servers for its own', async (ctx) => {
    const shared = requireServices(ctx);
    const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-collide-'));
    const run = (cmd: string) => promisify(execFile)('bash', [shared.script, cmd, 'influxdb', '--dir', dir]);
    try {
      await copyFile(join(shared.dir, 'ports.env'), join(dir, 'ports.env')); // every port already in use
      await run('start');
      const ports = await readFile(join(dir, 'ports.env'), 'utf8');
      const port = Number(/^INFLUX_PORT=(\d+)$/m.exec(ports)?.[1]);
      expect(port).not.toBe(shared.influxdb.port);
      expect((await fetch(`http://127.0.0.1:${port}/ping`)).status).toBe(204);
      expect((await run('status')).stdout).toMatch(/influxdb\s+running/);
    } finally {
      await run('stop');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
