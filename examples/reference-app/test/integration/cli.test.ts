import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStatestreamPublisher, type StatestreamPublisher } from '@ha-ingestor/source-mqtt';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@ha-ingestor/core/testing';
import { createInfluxDatabase, influxQuery, requireServices, uniqueName } from '../../../../test-support/services.js';
import { startCli, startReadyCli, type CliProcess } from './cli-process.js';

// The whole service as users run it: the CLI as a child process against the HA simulator, real
// InfluxDB 1.x and real Mosquitto (statestream published alongside the WebSocket stream).
describe('ha-ingestor run (child process, real servers)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('stores every state change exactly once across kill -9 and restart; /ready and /metrics reflect reality', async (ctx) => {
    const svc = requireServices(ctx);
    const db = uniqueName('e2e');
    await createInfluxDatabase(svc.influxdb.url, db);
    const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-e2e-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const sim: HaSimulator = await createHaSimulator({ seed: 11 });
    cleanups.push(() => sim.close());
    const base = uniqueName('e2e-states');
    const publisher: StatestreamPublisher = await createStatestreamPublisher({
      url: svc.mosquitto.url,
      baseTopic: base,
      publishAttributes: true,
      publishTimestamps: true,
    });
    cleanups.push(() => publisher.close());
    const publishErrors: unknown[] = [];
    /** State changes the broker has acknowledged (QoS 1): while the ingestor is down, queued for its session. */
    let published = 0;
    const publishedSince = (from: number, n: number, what: string) =>
      waitFor(() => published - from, `${n} state changes published ${what}`, {
        until: (count) => count >= n,
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    sim.onEvent((e) => {
      const event: unknown = e.event;
      if (
        (event as { event_type?: string }).event_type === 'state_changed' &&
        (event as { data?: { new_state?: unknown } }).data?.new_state
      ) {
        publisher.publish(event as Parameters<StatestreamPublisher['publish']>[0]).then(
          () => (published += 1),
          (error: unknown) => publishErrors.push(error),
        );
      }
    });

    const env = {
      HA_URL: sim.url,
      HA_TOKEN: sim.token,
      MQTT_URL: svc.mosquitto.url,
      MQTT_TOPICS: `${base}/#`,
      MQTT_FORMAT: 'statestream',
      MQTT_CLIENT_ID: uniqueName('e2e-client'),
      INFLUXDB_URL: svc.influxdb.url,
      INFLUXDB_API_VERSION: '1',
      INFLUXDB_DATABASE: db,
      BATCH_TIMEOUT: '0.2',
      DATA_DIR: dataDir,
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
    };
    const run = (): Promise<{ cli: CliProcess; url: string }> => startReadyCli(env, cleanups);

    const first = await run();
    sim.startGenerator({ ratePerSecond: 80 });
    await waitFor(
      async () => {
        const stats = (await (await fetch(`${first.url}/api/v1/stats`)).json()) as {
          pipeline: { written: Record<string, number> };
        };
        return stats.pipeline.written['influx'] ?? 0;
      },
      '50 points written',
      { until: (written) => written >= 50, timeoutMs: 20_000, intervalMs: 100 },
    );
    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    expect(metrics).toMatch(/^ha_ingestor_source_connected\{source="ha-websocket"\} 1$/m);
    expect(metrics).toMatch(/^ha_ingestor_source_connected\{source="mqtt"\} 1$/m);
    expect(
      Number(/^ha_ingestor_sink_points_written_total\{sink="influx"\} (\d+)/m.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(50);

    // Abrupt death mid-stream; HA keeps producing while the ingestor is down: a gap of 100 state changes,
    // in HA's recorder (the WebSocket backfill) and queued by the broker (the MQTT session).
    first.cli.child.kill('SIGKILL');
    expect(await first.cli.exited).toBe(128);
    await publishedSince(published, 100, 'while the ingestor is down');

    const second = await run();
    // Live traffic beside the backfill of the gap: 100 more state changes before HA goes quiet.
    await publishedSince(published, 100, 'after the restart');
    sim.stopGenerator();

    const expected = new Set<string>();
    for (const e of sim.emitted) {
      const event = e.event as {
        event_type: string;
        data?: { entity_id?: string; new_state?: { last_updated: string } | null };
      };
      if (event.event_type !== 'state_changed' || !event.data?.new_state || e.last_updated === undefined) continue;
      expected.add(`${e.entity_id ?? ''}@${microsOf(e.last_updated)}`);
    }
    const stored = async () => {
      const found = new Map<string, number>();
      // GROUP BY * puts the tags in series.tags (a field named like a tag would otherwise shadow it).
      for (const series of await influxQuery(svc.influxdb.url, db, 'SELECT * FROM /.*/ WHERE time > 0 GROUP BY *')) {
        if (series.name === 'events') continue;
        const t = series.columns.indexOf('time');
        for (const row of series.values) {
          const key = `${series.tags?.['domain'] ?? '?'}.${series.tags?.['entity_id'] ?? '?'}@${String(row[t])}`;
          found.set(key, (found.get(key) ?? 0) + 1);
        }
      }
      return found;
    };
    const found = await waitFor(stored, 'every state change in InfluxDB', {
      until: (f) => [...expected].every((k) => f.has(k)),
      timeoutMs: 30_000,
      intervalMs: 100,
    }).catch(async (error: unknown) => {
      const f = await stored();
      const missing = [...expected].filter((k) => !f.has(k));
      throw new Error(
        `${String(error)}; ${missing.length} of ${expected.size} missing, e.g. ${missing.slice(0, 5).join(', ')}; stored e.g. ${[...f.keys()].slice(0, 5).join(', ')}`,
      );
    });
    const extra = [...found.keys()].filter((k) => !expected.has(k));
    expect(extra, 'points at times HA never stamped (duplicates with other timestamps)').toEqual([]);
    expect([...found.values()].every((n) => n === 1)).toBe(true);
    expect(expected.size).toBeGreaterThan(100);

    expect(publishErrors).toEqual([]);
    second.cli.child.kill('SIGTERM');
    expect(await second.cli.exited).toBe(0);
  });

  it('`ha-ingestor demo --for 15` exits 0 with events written and none dropped', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-demo-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const cli = startCli(['demo', '--for', '15', '--port', '0'], { DATA_DIR: dataDir });
    const code = await cli.exited;
    const out = cli.output();
    expect(code, out).toBe(0);
    const written = Number(/^ {2}written\s+(\d+) \(file\)$/m.exec(out)?.[1]);
    expect(written).toBeGreaterThan(100);
    expect(out).toMatch(/^ {2}dropped\s+0$/m);
    expect(out).toMatch(/^ {2}failed\s+0$/m);
  });
});

// Regressions of issue 11 at the command line: the process exits non-zero with a message that says why.
describe('ha-ingestor refuses unsafe or wrong config (child process)', () => {
  it('`run` refuses HTTP_HOST=0.0.0.0 without API_TOKEN before starting anything', async () => {
    const cli = startCli(['run'], { HTTP_HOST: '0.0.0.0', HTTP_PORT: '0', MQTT_URL: 'mqtt://127.0.0.1:1' });
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(
      /CONFIG_INVALID: HTTP_HOST=0\.0\.0\.0 would serve your Home Assistant data to the network without a token/,
    );
    expect(cli.output()).not.toContain('ha-ingestor started');
  });

  it('`check-config` exits 1 on `http: { hots: 0.0.0.0 }`, naming the key and the closest one, without printing a URL password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-cfg-'));
    try {
      await writeFile(join(dir, 'c.yaml'), 'http:\n  hots: 0.0.0.0\ninflux:\n  url: ftp://admin:hunter2@db:8086\n');
      const cli = startCli(['check-config', '--config', join(dir, 'c.yaml')], {});
      expect(await cli.exited).toBe(1);
      expect(cli.output()).toMatch(/http\.hots: unknown key; did you mean "host"\?/);
      expect(cli.output()).toContain('ftp://admin:***@db:8086');
      expect(cli.output()).not.toContain('hunter2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('`check-config` reads a v0.3.0 config: aliases applied, unused env settings warned, max_workers refused with the reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-cfg-'));
    try {
      const v030 = 'websocket:\n  url: ws://localhost:8123/api/websocket\nperformance:\n  batch_size: 250\n';
      await writeFile(join(dir, 'ok.yaml'), v030);
      const env = {
        WEBSOCKET_EVENTS: 'state_changed,automation_triggered',
        RETENTION_ENABLED: 'true',
        HA_WS_TOKEN: 'sekrit-token',
      };
      const ok = startCli(['check-config', '--config', join(dir, 'ok.yaml')], env);
      expect(await ok.exited).toBe(0);
      expect(ok.output()).toContain('ws://localhost:8123/api/websocket');
      expect(ok.output()).toContain('automation_triggered');
      expect(ok.output()).toContain('250');
      expect(ok.output()).toContain('RETENTION_ENABLED (ha-ingestor v0.3.0) has no effect');
      expect(ok.output()).not.toContain('sekrit-token');
      await writeFile(join(dir, 'bad.yaml'), `${v030}  max_workers: 4\n`);
      const bad = startCli(['check-config', '--config', join(dir, 'bad.yaml')], {});
      expect(await bad.exited).toBe(1);
      expect(bad.output()).toMatch(
        /performance\.max_workers: v0\.3\.0 setting with no meaning here: .*no worker threads/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function microsOf(iso: string): number {
  const m = /^(.*?)(?:\.(\d{1,6}))?\+00:00$/.exec(iso);
  if (!m) throw new Error(`unexpected HA time ${iso}`);
  return Date.parse(`${m[1] as string}Z`) * 1000 + Number((m[2] ?? '0').padEnd(6, '0'));
}
