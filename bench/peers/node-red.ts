import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { sleep } from '@ha-ingestor/core/resilience';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import { SUBSCRIBED_TYPES } from '../corpus.js';
import type { DiscardServer } from '../e2e/discard-server.js';
import { startHaProxy } from './ha-proxy.js';

/** Where `npm install --prefix bench/.peers node-red@4 …` puts Node-RED (git-ignored). */
export const PEERS_DIR = new URL('../.peers/', import.meta.url).pathname;
const RED_JS = `${PEERS_DIR}node_modules/node-red/red.js`;
const CONTRIB = `${PEERS_DIR}node_modules/node-red-contrib-home-assistant-websocket/package.json`;
const INFLUX = `${PEERS_DIR}node_modules/node-red-contrib-influxdb/package.json`;
export const NODE_RED_INSTALL =
  'npm install --prefix bench/.peers node-red@4 node-red-contrib-home-assistant-websocket@0.80 node-red-contrib-influxdb@0.7';

export type NodeRedPeer =
  | { readonly status: 'not run'; readonly reason: string }
  | {
      readonly status: 'ok' | 'incomplete';
      readonly versions: Readonly<Record<string, string>>;
      readonly emitted: number;
      readonly points: number;
      readonly cpuSeconds: number;
      readonly wallSeconds: number;
      readonly eventsPerCpuSecond: number;
      readonly rssMb: number;
    };

/** True when Node-RED and both contrib packages are installed in bench/.peers. */
export function nodeRedInstalled(): boolean {
  return existsSync(RED_JS) && existsSync(CONTRIB) && existsSync(INFLUX);
}

/**
 * Installs Node-RED and the two contrib packages into bench/.peers from the npm registry when they are
 * missing (the full run does this; --quick does not). Bounded in time; a failure is reported as the
 * peer's "not run" reason, never as a number.
 */
export function ensureNodeRed(log: (line: string) => void, timeoutMs = 300_000): string | undefined {
  if (nodeRedInstalled()) return undefined;
  log(`installing the Node-RED peer: ${NODE_RED_INSTALL}`);
  mkdirSync(PEERS_DIR, { recursive: true });
  const [cmd, ...args] = NODE_RED_INSTALL.replace('bench/.peers', PEERS_DIR).split(' ') as [string, ...string[]];
  const result = spawnSync(cmd, [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: 'inherit',
    timeout: timeoutMs,
  });
  if (result.status === 0 && nodeRedInstalled()) return undefined;
  return `install failed (${result.error?.message ?? `exit ${String(result.status)}`}); run: ${NODE_RED_INSTALL}`;
}

// The function node: what a Node-RED user writes between "events: all" and "influxdb out" (one point per event).
const FUNCTION_BODY = `
const e = msg.payload || {};
const data = e.event || e.data || {};
const t = new Date(e.time_fired);
if (e.event_type === 'state_changed') {
  const ns = data.new_state;
  if (!ns) return null;
  const id = data.entity_id || e.entity_id || '';
  const dot = id.indexOf('.');
  const unit = ns.attributes && ns.attributes.unit_of_measurement;
  const fields = { time: t };
  const num = Number(ns.state);
  if (String(ns.state).trim() !== '' && Number.isFinite(num)) fields.value = num; else fields.state = String(ns.state);
  for (const [k, v] of Object.entries(ns.attributes || {})) {
    if (k === 'unit_of_measurement' || v === null || v === undefined) continue;
    if (typeof v === 'number' && Number.isFinite(v)) fields[k] = v; else fields[k + '_str'] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  msg.measurement = unit || id;
  msg.payload = [fields, { domain: id.slice(0, dot), entity_id: id.slice(dot + 1) }];
  return msg;
}
msg.measurement = 'events';
msg.payload = [{ time: t, data: JSON.stringify(data) }, { event_type: String(e.event_type) }];
return msg;
`;

function flows(): unknown[] {
  const types = [...SUBSCRIBED_TYPES];
  return [
    { id: 'tab', type: 'tab', label: 'bench' },
    {
      id: 'srv',
      type: 'server',
      name: 'HA',
      version: 5,
      addon: false,
      rejectUnauthorizedCerts: true,
      ha_boolean: 'y|yes|true|on|home|open',
      connectionDelay: false,
      cacheJson: true,
      heartbeat: false,
      heartbeatInterval: 30,
      areaSelector: 'friendlyName',
      deviceSelector: 'friendlyName',
      entitySelector: 'friendlyName',
      statusSeparator: ': ',
      statusYear: 'hidden',
      statusMonth: 'short',
      statusDay: 'numeric',
      statusHourCycle: 'default',
      statusTimeFormat: 'h:m',
      enableGlobalContextStore: false,
    },
    ...types.map((t, i) => ({
      id: `ev${i}`,
      type: 'server-events',
      z: 'tab',
      name: t,
      server: 'srv',
      version: 3,
      exposeAsEntityConfig: '',
      eventType: t,
      eventData: '',
      waitForRunning: false,
      outputProperties: [{ property: 'payload', propertyType: 'msg', value: '', valueType: 'eventData' }],
      x: 100,
      y: 100 + 40 * i,
      wires: [['fn']],
    })),
    {
      id: 'fn',
      type: 'function',
      z: 'tab',
      name: 'to point',
      func: FUNCTION_BODY,
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 300,
      y: 100,
      wires: [['out']],
    },
    {
      id: 'influx',
      type: 'influxdb',
      hostname: '127.0.0.1',
      port: 'PORT',
      protocol: 'http',
      database: 'bench',
      name: 'discard',
      usetls: false,
      tls: '',
      influxdbVersion: '1.x',
      url: '',
      rejectUnauthorized: true,
    },
    {
      id: 'out',
      type: 'influxdb out',
      z: 'tab',
      influxdb: 'influx',
      name: '',
      measurement: '',
      precision: 'ms',
      retentionPolicy: '',
      database: 'database',
      precisionV18FluxV20: 'ms',
      retentionPolicyV18Flux: '',
      org: '',
      bucket: '',
      x: 500,
      y: 100,
      wires: [],
    },
  ];
}

/** CPU seconds (utime + stime) of a Linux process, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function procRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * Peer (b): Node-RED 4 headless on 127.0.0.1 (editor and admin API off) with a generated flows.json:
 * four "events: all" nodes (the same event types as ours) → a function node → "influxdb out" (1.x, one
 * write per message, as the node does). CPU from /proc of the Node-RED process; points counted at the
 * discard endpoint. Bounded by `timeoutMs`; the process is always killed.
 */
export async function runNodeRedPeer(
  sim: HaSimulator,
  discard: DiscardServer,
  events: number,
  timeoutMs: number,
): Promise<NodeRedPeer> {
  if (!nodeRedInstalled()) return { status: 'not run', reason: `Node-RED is not installed; run: ${NODE_RED_INSTALL}` };
  if (process.platform !== 'linux')
    return { status: 'not run', reason: 'CPU of the Node-RED process is read from /proc (Linux only)' };
  const deadline = Date.now() + timeoutMs;
  const userDir = `${PEERS_DIR}userdir-${process.pid}`;
  rmSync(userDir, { recursive: true, force: true });
  mkdirSync(userDir, { recursive: true });
  const sinkPort = new URL(discard.url).port;
  writeFileSync(`${userDir}/flows.json`, JSON.stringify(flows()).replace('"PORT"', JSON.stringify(sinkPort)));
  const proxy = await startHaProxy(sim.url);
  const simHttp = proxy.url.replace(/^ws/, 'http').replace(/\/api\/websocket$/, '');
  writeFileSync(
    `${userDir}/flows_cred.json`,
    JSON.stringify({ srv: { host: simHttp, access_token: sim.token }, influx: { username: '', password: '' } }),
  );
  const uiPort = await freePort();
  writeFileSync(
    `${userDir}/settings.js`,
    `module.exports = { uiHost: '127.0.0.1', uiPort: ${uiPort}, httpAdminRoot: false, httpNodeRoot: false, flowFile: 'flows.json', credentialSecret: false, userDir: ${JSON.stringify(userDir)}, logging: { console: { level: 'warn', metrics: false, audit: false } }, telemetry: { enabled: false }, diagnostics: { enabled: false }, externalModules: { autoInstall: false, palette: { allowInstall: false } } };\n`,
  );
  const red = spawn(process.execPath, [RED_JS, '--settings', `${userDir}/settings.js`, '--userDir', userDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const keep = (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000));
  red.stderr.on('data', keep);
  red.stdout.on('data', keep);
  const pid = red.pid;
  let emitted = 0;
  const unlisten = sim.onEvent((e) => {
    if (SUBSCRIBED_TYPES.has(e.event.event_type)) emitted++;
  });
  try {
    if (pid === undefined) return { status: 'not run', reason: 'Node-RED did not start' };
    // The HA config node subscribes to every event once and fans out internally: wait for its subscription
    // to appear, then warm up until points arrive.
    const before = sim.subscriptionCount();
    while (sim.subscriptionCount() <= before && Date.now() < deadline && red.exitCode === null) await sleep(100);
    await sleep(1500);
    const warmLines = discard.counts().lines;
    while (discard.counts().lines - warmLines < 250 && Date.now() < deadline && red.exitCode === null) {
      sim.step(50);
      await sleep(100);
    }
    if (discard.counts().lines - warmLines < 250)
      return {
        status: 'not run',
        reason: `no points from Node-RED within the time budget: ${stderr.trim().slice(-600)}`,
      };
    await sleep(500);
    const lines0 = discard.counts().lines;
    const cpu0 = procCpuSeconds(pid);
    const t0 = Date.now();
    emitted = 0;
    while (emitted < events && Date.now() < deadline) {
      if (emitted - (discard.counts().lines - lines0) < 1000) sim.step(Math.min(100, events - emitted));
      await sleep(2);
    }
    // Done at 99 % of the events as points (removed entities write none), or when the count has not moved for 5 s.
    let last = -1;
    let since = Date.now();
    while (discard.counts().lines - lines0 < emitted * 0.99 && Date.now() - since < 5000 && Date.now() < deadline) {
      const n = discard.counts().lines;
      if (n !== last) {
        last = n;
        since = Date.now();
      }
      await sleep(50);
    }
    const cpuSeconds = procCpuSeconds(pid) - cpu0;
    const points = discard.counts().lines - lines0;
    const wallSeconds = (Date.now() - t0) / 1000;
    const versions = {
      'node-red': (
        JSON.parse(readFileSync(`${PEERS_DIR}node_modules/node-red/package.json`, 'utf8')) as { version: string }
      ).version,
      'node-red-contrib-home-assistant-websocket': (JSON.parse(readFileSync(CONTRIB, 'utf8')) as { version: string })
        .version,
      'node-red-contrib-influxdb': (JSON.parse(readFileSync(INFLUX, 'utf8')) as { version: string }).version,
    };
    return {
      status: points >= emitted * 0.95 ? 'ok' : 'incomplete',
      versions,
      emitted,
      points,
      cpuSeconds,
      wallSeconds,
      // Only what reached the endpoint counts (an incomplete run is not credited with the rest).
      eventsPerCpuSecond: cpuSeconds > 0 ? Math.min(emitted, points) / cpuSeconds : Number.NaN,
      rssMb: procRssMb(pid),
    };
  } finally {
    unlisten();
    red.kill('SIGKILL');
    await proxy.close();
    rmSync(userDir, { recursive: true, force: true });
  }
}
