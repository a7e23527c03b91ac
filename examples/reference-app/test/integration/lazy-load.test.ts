// Issue 14 (memory): the built app loads only what its configuration uses. The CLI runs as shipped (bin → dist),
// with a module hook (test/load-trace/) listing every module Node's ESM loader loads; each loaded chunk of dist/
// is mapped back to the source files it holds through its source map, so the checks name sources and packages,
// not chunk names (which change with every build).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { waitFor } from '@ha-ingestor/core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from './cli-process.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoRoot = join(appDir, '..', '..');
const distDir = join(appDir, 'dist');
const register = join(appDir, 'test', 'load-trace', 'register.mjs');

/** Sources (relative to the repository) that `run` must not evaluate unless configured. */
const MQTT_SOURCES = ['packages/source-mqtt/src/mqtt-source.ts', 'packages/sink-mqtt/src/mqtt-sink.ts'];
const NATS_SOURCES = ['packages/transport-nats/src/nats-sink.ts', 'packages/transport-nats/src/nats-source.ts'];
const PARQUET_SOURCES = ['packages/sink-parquet/src/parquet-sink.ts', 'packages/sink-parquet/src/stream-writer.ts'];
const EXPORT_SOURCES = [
  'examples/reference-app/src/export/store-export.ts',
  'examples/reference-app/src/export/http-export.ts',
  'examples/reference-app/src/export/formats.ts',
];
const OTHER_COMMANDS = [
  'examples/reference-app/src/export/export-command.ts',
  'examples/reference-app/src/import.ts',
  'examples/reference-app/src/demo.ts',
  'packages/ha-simulator/src/server.ts',
];

/** What a process loaded so far: npm packages (by name) and our sources (through the chunks' source maps). */
function loaded(traceFile: string): { packages: Set<string>; sources: Set<string> } {
  const packages = new Set<string>();
  const sources = new Set<string>();
  if (!existsSync(traceFile)) return { packages, sources };
  for (const url of readFileSync(traceFile, 'utf8').split('\n')) {
    if (!url.startsWith('file:')) continue;
    const path = fileURLToPath(url);
    const inModules = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (inModules !== null) packages.add(inModules[1] as string);
    else if (dirname(path) === distDir && path.endsWith('.js')) {
      const map = JSON.parse(readFileSync(`${path}.map`, 'utf8')) as { sources: string[] };
      for (const source of map.sources)
        if (!source.includes('node_modules')) sources.add(relative(repoRoot, resolve(distDir, source)));
    }
  }
  return { packages, sources };
}

describe('run loads only what its configuration uses (built CLI, module trace)', () => {
  let sim: HaSimulator;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    sim = await createHaSimulator({ seed: 14 });
    return () => sim.close();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Starts `ha-ingestor run` with `env` under the trace; returns the CLI and its trace file. */
  async function run(env: Record<string, string>) {
    const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-lazy-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const trace = join(dir, 'loaded.txt');
    const cli = startCli(['run'], {
      DATA_DIR: join(dir, 'data'),
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--import=${pathToFileURL(register).href}`,
      LOAD_TRACE_FILE: trace,
      ...env,
    });
    cleanups.push(async () => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
      await cli.exited;
    });
    return { cli, trace };
  }

  /** Waits until the process has loaded `name` (a package or a source path). */
  const waitLoaded = (trace: string, name: string) =>
    waitFor(() => loaded(trace), `${name} loaded`, {
      until: (l) => l.packages.has(name) || l.sources.has(name),
      timeoutMs: 30_000,
      intervalMs: 50,
    });

  it('HA + InfluxDB: no mqtt, NATS, Parquet, other commands, nor export code until the first export request', async () => {
    const { cli, trace } = await run({
      HA_URL: sim.url,
      HA_TOKEN: sim.token,
      // Nothing listens there: the sink retries in the background; the export answers 502 after loading.
      INFLUXDB_URL: 'http://127.0.0.1:1',
      INFLUXDB_API_VERSION: '1',
      INFLUXDB_DATABASE: 'lazy',
    });
    const url = (await cli.waitForLog('ha-ingestor started', 30_000))['url'] as string;
    const atStart = loaded(trace);
    // Not vacuous: what this configuration uses is in the trace.
    expect([...atStart.packages]).toEqual(expect.arrayContaining(['ws', '@influxdata/influxdb-client', 'zod']));
    expect([...atStart.sources]).toEqual(
      expect.arrayContaining([
        'examples/reference-app/src/app.ts',
        'packages/source-ws/src/ha-websocket-source.ts',
        'packages/sink-influx/src/influx-sink.ts',
      ]),
    );
    for (const name of ['mqtt', '@nats-io/transport-node', '@nats-io/jetstream', 'hyparquet-writer', 'aedes'])
      expect(atStart.packages, name).not.toContain(name);
    for (const source of [...MQTT_SOURCES, ...NATS_SOURCES, ...PARQUET_SOURCES, ...EXPORT_SOURCES, ...OTHER_COMMANDS])
      expect(atStart.sources, source).not.toContain(source);

    // The first export request loads the export code (the database is down: 502, after loading it).
    const response = await fetch(`${url}/api/v1/export?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z&format=csv`);
    expect(response.status).toBe(502);
    const afterExport = loaded(trace);
    for (const source of EXPORT_SOURCES) expect(afterExport.sources, source).toContain(source);
    // A CSV export needs no Parquet writer.
    expect(afterExport.packages).not.toContain('hyparquet-writer');
    for (const source of PARQUET_SOURCES) expect(afterExport.sources, source).not.toContain(source);
  });

  it('MQTT source, MQTT sink and PARQUET_DIR configured: their code and packages are loaded', async () => {
    const parquetDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-lazy-parquet-'));
    cleanups.push(() => rm(parquetDir, { recursive: true, force: true }));
    const { trace } = await run({
      MQTT_URL: 'mqtt://127.0.0.1:1',
      MQTT_TOPICS: 'lazy/#',
      MQTT_SINK_URL: 'mqtt://127.0.0.1:1',
      PARQUET_DIR: parquetDir,
      FILE_SINK: 'true',
    });
    for (const name of ['mqtt', 'hyparquet-writer', ...MQTT_SOURCES, 'packages/sink-parquet/src/parquet-sink.ts'])
      await waitLoaded(trace, name);
    expect(loaded(trace).packages).not.toContain('@nats-io/jetstream');
  });

  it('INGESTOR_ROLE=writer loads the NATS link (and not mqtt)', async () => {
    const { trace } = await run({ INGESTOR_ROLE: 'writer', NATS_URL: 'nats://127.0.0.1:1', FILE_SINK: 'true' });
    for (const name of ['@nats-io/jetstream', 'packages/transport-nats/src/nats-source.ts'])
      await waitLoaded(trace, name);
    expect(loaded(trace).packages).not.toContain('mqtt');
  });
});
