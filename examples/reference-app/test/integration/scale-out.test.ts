// Issue 16: scale-out tested as it will fail in production. A 3-node JetStream cluster on loopback, two
// simulated homes with the same entity ids (on purpose), an edge ingestor per home and two writers into
// InfluxDB 1.x, all real child processes of the CLI. During the run one NATS node is killed with -9 and
// restarted 20 s later, one writer is killed with -9 and restarted, and one home's HA connection is reset.
// Every state change of each home must be in InfluxDB exactly once, with its own `home` tag and value.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createInfluxDatabase,
  influxQuery,
  requireServices,
  startNatsCluster,
  uniqueName,
  type NatsCluster,
} from '../../../../test-support/services.js';
import { startReadyCli, type CliProcess } from './cli-process.js';

const HOMES = ['a', 'b'] as const;
type Home = (typeof HOMES)[number];

/** `home|entity_id@µs` → the state text HA sent. */
type Expected = Map<string, string>;
/** `home|entity_id@µs` → the stored copies (the state text, or the value when the point has no `state`). */
type Stored = Map<string, (string | number)[]>;

describe('scale-out: edges → JetStream cluster → writer pool → InfluxDB (child processes)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  /** Every CLI started, by label: their output is printed when a test fails. */
  const started: { label: string; cli: CliProcess }[] = [];
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      for (const { label, cli } of started)
        console.error(`--- ${label} (last output) ---\n${cli.output().slice(-2500)}`);
    started.length = 0;
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Everything one test needs: the cluster, a database, two homes, and how to start edges and writers. */
  async function setup(ctx: { readonly skip: (note?: string) => never }) {
    const svc = requireServices(ctx);
    const cluster: NatsCluster = await startNatsCluster(ctx);
    cleanups.push(() => cluster.close());
    const db = uniqueName('scaleout');
    await createInfluxDatabase(svc.influxdb.url, db);
    const sims = {} as Record<Home, HaSimulator>;
    for (const home of HOMES) {
      // The same seed: the same entity ids in both homes, so a writer that mixed homes would be caught.
      sims[home] = await createHaSimulator({ seed: 16 });
      cleanups.push(() => sims[home].close());
    }
    const id = uniqueName('s').replace(/[^A-Za-z0-9_-]/g, '_');
    const nats = {
      NATS_URL: cluster.info.urls.join(','),
      NATS_STREAM: `HA_${id}`,
      NATS_SUBJECT_PREFIX: `t.${id}`,
      NATS_CONSUMER: `writer_${id}`,
      NATS_REPLICAS: '3',
    };
    const common = { BATCH_TIMEOUT: '0.2', HTTP_PORT: '0', LOG_LEVEL: 'info', ...nats };
    const dataDir = async (what: string) => {
      const dir = await mkdtemp(join(tmpdir(), `ha-ingestor-${what}-`));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return dir;
    };
    const writerDirs = [await dataDir('writer1'), await dataDir('writer2')];
    const writer = async (n: 0 | 1): Promise<{ cli: CliProcess; url: string }> => {
      const w = await startReadyCli(
        {
          ...common,
          INGESTOR_ROLE: 'writer',
          INFLUXDB_URL: svc.influxdb.url,
          INFLUXDB_API_VERSION: '1',
          INFLUXDB_DATABASE: db,
          DATA_DIR: writerDirs[n] as string,
        },
        cleanups,
      );
      started.push({ label: `writer ${n + 1}`, cli: w.cli });
      return w;
    };
    const edge = async (home: Home): Promise<{ cli: CliProcess; url: string }> => {
      const e = await startReadyCli(
        {
          ...common,
          INGESTOR_ROLE: 'edge',
          HOME_ID: home,
          HA_URL: sims[home].url,
          HA_TOKEN: sims[home].token,
          DATA_DIR: await dataDir(`edge-${home}`),
        },
        cleanups,
      );
      started.push({ label: `edge ${home}`, cli: e.cli });
      await e.cli.waitForLog('connected to HA', 20_000);
      return e;
    };
    const stored = () => storedPoints(svc.influxdb.url, db);
    return { cluster, sims, writer, edge, stored };
  }

  it('stores every state change of each home exactly once, with its home, through node, writer and HA failures', async (ctx) => {
    const { cluster, sims, writer, edge, stored } = await setup(ctx);
    const writers = [await writer(0), await writer(1)];
    const edges = { a: await edge('a'), b: await edge('b') };
    for (const home of HOMES) sims[home].startGenerator({ ratePerSecond: 25 });
    const written = () => totalWritten(writers.map((w) => w.url));
    await waitFor(written, '60 points written', { until: (n) => n >= 60, timeoutMs: 30_000, intervalMs: 200 });

    // One NATS node dies abruptly: R3 streams keep a quorum of two; clients on it reconnect to another.
    await cluster.kill('nats-n2');
    const killedAt = Date.now();
    const before = await written();
    // Generous: a client whose pull or publish went through the dead node recovers within the consumer's
    // heartbeat interval, slower on a loaded machine. This is an integration test, not a timed one.
    await waitFor(written, 'writes go on with a node down', {
      until: (n) => n >= before + 40,
      timeoutMs: 90_000,
      intervalMs: 200,
    });

    // One writer dies mid-batch: its unacknowledged messages are redelivered (to it, or to the other).
    writers[0]?.cli.child.kill('SIGKILL');
    expect(await writers[0]?.cli.exited).toBe(128);
    // Home a's HA connection resets: its edge reconnects and backfills the gap from the recorder.
    sims.a.faults.dropConnections();
    await edges.a.cli.waitForLog('connected to HA', 20_000);
    writers[0] = await writer(0);

    // The 20 s: the node comes back (same store) and catches up with the stream.
    await waitFor(() => Date.now() - killedAt, 'node down for 20 s', {
      until: (ms) => ms >= 20_000,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    await cluster.start('nats-n2');
    const afterRestart = await written();
    await waitFor(written, 'writes go on after the node returned', {
      until: (n) => n >= afterRestart + 40,
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    for (const home of HOMES) sims[home].stopGenerator();

    const expected = expectedPoints(sims);
    for (const home of HOMES)
      expect([...expected.keys()].filter((k) => k.startsWith(`${home}|`)).length, home).toBeGreaterThan(50);
    await assertExactlyOnce(expected, stored);
    expect(edges.b.cli.child.exitCode).toBeNull();
  }, 420_000);

  it('a writer pool drains a backlog built while every writer was down', async (ctx) => {
    const { sims, writer, edge, stored } = await setup(ctx);
    const edges = [await edge('a'), await edge('b')];
    // No writer yet: the edges publish into the stream, nothing is consumed.
    for (const home of HOMES) sims[home].step(300);
    const expected = expectedPoints(sims);
    expect(expected.size).toBeGreaterThanOrEqual(400);
    const published = async () => {
      let n = 0;
      for (const e of edges) n += (await linkOf(e.url)).counters['published'] ?? 0;
      return n;
    };
    // The backlog is in JetStream (PubAck'ed) before any writer exists.
    await waitFor(published, 'the backlog published', {
      until: (n) => n >= expected.size,
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(await stored()).toEqual(new Map());
    const writers = await Promise.all([writer(0), writer(1)]);
    await assertExactlyOnce(expected, stored);
    const links = await Promise.all(writers.map((w) => linkOf(w.url)));
    expect(links.map((l) => [l.role, l.connected])).toEqual([
      ['writer', true],
      ['writer', true],
    ]);
    // The shared consumer has nothing left for the pool.
    await waitFor(async () => (await linkOf(writers[0]?.url ?? '')).streamLag, 'stream lag 0', {
      until: (lag) => lag === 0,
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    // /metrics: the package's NATS metrics, once (the app no longer copies them), next to the link gauges.
    // One writer may have pulled the whole backlog: the acked counts are summed over the pool.
    for (const w of writers) {
      const text = await (await fetch(`${w.url}/metrics`)).text();
      expect(text).toContain('ha_ingestor_nats_connected 1');
      expect(text).toMatch(/^ha_ingestor_nats_source_stream_lag\{source="nats"\} \d/m);
      expect(text).not.toMatch(/^ha_ingestor_nats_(stream_lag|messages)[ {]/m);
    }
    const ackedByPool = async () => {
      let acked = 0;
      for (const w of writers) {
        const text = await (await fetch(`${w.url}/metrics`)).text();
        const m = /^ha_ingestor_nats_source_messages_total\{source="nats",outcome="acked"\} (\d+)/m.exec(text);
        acked += Number(m?.[1] ?? 0);
      }
      return acked;
    };
    await waitFor(ackedByPool, 'acked by the pool', {
      until: (n) => n >= expected.size,
      timeoutMs: 10_000,
      intervalMs: 250,
    });
    const edgeMetrics = await (await fetch(`${edges[0]?.url ?? ''}/metrics`)).text();
    expect(edgeMetrics).toMatch(/^ha_ingestor_nats_sink_publishes_total\{sink="nats",result="stored"\} [1-9]/m);
    expect(edgeMetrics).toMatch(/^ha_ingestor_nats_pending_acks \d/m);
  }, 240_000);
});

// --- internal ---

/** Every state change each simulator sent (with a new state), keyed by home, entity and µs time. */
function expectedPoints(sims: Record<Home, HaSimulator>): Expected {
  const expected: Expected = new Map();
  for (const home of HOMES) {
    for (const e of sims[home].emitted) {
      const event = e.event as {
        event_type: string;
        data?: { entity_id?: string; new_state?: { state: string; last_updated: string } | null };
      };
      const state = event.data?.new_state;
      if (event.event_type !== 'state_changed' || !state || e.last_updated === undefined) continue;
      expected.set(`${home}|${e.entity_id ?? ''}@${microsOf(e.last_updated)}`, state.state);
    }
  }
  return expected;
}

/** The state points in the database, by home, entity and time (tags from GROUP BY *). */
async function storedPoints(url: string, db: string): Promise<Stored> {
  const found: Stored = new Map();
  for (const series of await influxQuery(url, db, 'SELECT * FROM /.*/ WHERE time > 0 GROUP BY *')) {
    if (series.name === 'events') continue;
    const tags = series.tags ?? {};
    const t = series.columns.indexOf('time');
    const s = series.columns.indexOf('state');
    const v = series.columns.indexOf('value');
    for (const row of series.values) {
      const key = `${tags['home'] ?? '(no home)'}|${tags['domain'] ?? '?'}.${tags['entity_id'] ?? '?'}@${String(row[t])}`;
      const state = s === -1 ? null : row[s];
      const stateOrValue = typeof state === 'string' ? state : (row[v] as number);
      found.set(key, [...(found.get(key) ?? []), stateOrValue]);
    }
  }
  return found;
}

/** Waits until every expected point is stored, then: no extra point, one copy each, the value HA sent. */
async function assertExactlyOnce(expected: Expected, stored: () => Promise<Stored>): Promise<void> {
  const found = await waitFor(stored, 'every state change of each home in InfluxDB', {
    until: (f) => [...expected.keys()].every((k) => f.has(k)),
    // > the consumer's ack wait (60 s): what the killed writer held comes back only after it.
    timeoutMs: 120_000,
    intervalMs: 250,
  }).catch(async (error: unknown) => {
    const f = await stored();
    const missing = [...expected.keys()].filter((k) => !f.has(k));
    throw new Error(
      `${String(error)}; ${missing.length} of ${expected.size} missing, e.g. ${missing.slice(0, 5).join(', ')}; stored e.g. ${[...f.keys()].slice(0, 5).join(', ')}`,
    );
  });
  const extra = [...found.keys()].filter((k) => !expected.has(k));
  expect(extra, 'points HA never sent (another home, another time, no home tag)').toEqual([]);
  const wrong: string[] = [];
  for (const [key, copies] of found) {
    const sent = expected.get(key) as string;
    // InfluxDB keeps one point per series and time: a second copy would overwrite, so copies is 1 here; the
    // value check catches a point of the other home written over this one.
    if (copies.length !== 1) wrong.push(`${key}: ${copies.length} copies`);
    const got = copies[0];
    if (typeof got === 'string' ? got !== sent : got !== Number(sent)) wrong.push(`${key}: ${String(got)} ≠ ${sent}`);
  }
  expect(wrong).toEqual([]);
}

/** The NATS link a process reports in /health (edge or writer). */
async function linkOf(url: string): Promise<{
  role: string;
  connected: boolean;
  streamLag: number | null;
  counters: Record<string, number>;
}> {
  const health = (await (await fetch(`${url}/health`)).json()) as {
    nats: { role: string; connected: boolean; streamLag: number | null; counters: Record<string, number> };
  };
  return health.nats;
}

async function writtenBy(url: string): Promise<number> {
  const stats = (await (await fetch(`${url}/api/v1/stats`)).json()) as {
    pipeline: { written: Record<string, number> };
  };
  return stats.pipeline.written['influx'] ?? 0;
}

/** Points written by the writers still running (a killed writer's count is gone with it). */
async function totalWritten(urls: readonly string[]): Promise<number> {
  let n = 0;
  for (const url of urls) n += await writtenBy(url).catch(() => 0);
  return n;
}

function microsOf(iso: string): number {
  const m = /^(.*?)(?:\.(\d{1,6}))?\+00:00$/.exec(iso);
  if (!m) throw new Error(`unexpected HA time ${iso}`);
  return Date.parse(`${m[1] as string}Z`) * 1000 + Number((m[2] ?? '0').padEnd(6, '0'));
}
