// Issue 17 item 3: the Parquet archive (PARQUET_DIR) through the real CLI as a child process. Events flow
// from the HA simulator, SIGTERM stops the app gracefully, and DuckDB (an independent reader) proves that
// every acknowledged event is in a finished `*.parquet` part file, exactly once, with nothing left staged.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { startReadyCli } from './cli-process.js';

interface Stats {
  readonly received: number;
  readonly failed: number;
  readonly deadLettered: number;
  readonly written: Record<string, number>;
  readonly dropped: Record<string, number>;
}

interface Row {
  readonly key: string | null;
  readonly us: string;
  readonly date: string;
  readonly hour: string;
  readonly filename: string;
}

/** Every file under `dir`, as paths relative to it (dot directories included). */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

async function readArchive(dir: string): Promise<Row[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const glob = `'${join(dir, '**', '*.parquet').replaceAll("'", "''")}'`;
    const reader = await connection.runAndReadAll(
      `select key, epoch_us(time)::varchar as us, date::varchar as date, hour::varchar as hour, filename
       from read_parquet(${glob}, hive_partitioning = true, filename = true)`,
    );
    return reader.getRowObjectsJson() as unknown as Row[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('ha-ingestor run with PARQUET_DIR (child process)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('SIGTERM while events flow: exit 0, every acknowledged event in a part file exactly once, nothing staged', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ha-ingestor-parquet-cli-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const archive = join(root, 'archive');
    const sim: HaSimulator = await createHaSimulator({ seed: 17 });
    cleanups.push(() => sim.close());
    cleanups.push(async () => sim.stopGenerator());
    const { cli, url } = await startReadyCli(
      {
        HA_URL: sim.url,
        HA_TOKEN: sim.token,
        PARQUET_DIR: archive,
        DATA_DIR: join(root, 'data'),
        BATCH_TIMEOUT: '0.1',
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
      },
      cleanups,
    );
    await cli.waitForLog('connected to HA', 20_000);
    const firstSeq = (sim.emitted.at(-1)?.seq ?? 0) + 1;
    sim.startGenerator({ ratePerSecond: 40 });

    // Several batches acknowledged by the parquet sink (fsynced to staging), then stop while more arrive.
    await waitFor(
      async () => ((await (await fetch(`${url}/api/v1/stats`)).json()) as { pipeline: Stats }).pipeline,
      '100 events written to the parquet sink',
      { until: (s) => (s.written['parquet'] ?? 0) >= 100, timeoutMs: 30_000, intervalMs: 100 },
    );
    cli.child.kill('SIGTERM');
    const stopped = (await cli.waitForLog('stopped', 30_000))['stats'] as Stats;
    expect(await cli.exited, cli.output().slice(-3000)).toBe(0);
    sim.stopGenerator();

    const written = stopped.written['parquet'] ?? 0;
    expect(written).toBeGreaterThanOrEqual(100);
    expect(stopped.failed).toBe(0);
    expect(stopped.deadLettered).toBe(0);
    expect(stopped.written['file']).toBe(written); // both sinks got every event

    // Exactly the acknowledged events, once each, in hive partitions matching their event time.
    const rows = await readArchive(archive);
    expect(rows).toHaveLength(written);
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size).toBe(written);
    expect(keys).not.toContain(null);
    for (const row of rows) {
      expect(relative(archive, row.filename)).toMatch(/^date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/part-[^/]+\.parquet$/);
      const iso = new Date(Number(BigInt(row.us) / 1000n)).toISOString();
      expect(row.date).toBe(iso.slice(0, 10));
      expect(Number(row.hour)).toBe(Number(iso.slice(11, 13)));
    }
    // The websocket delivers in order: the archive holds a prefix of what the simulator sent after the
    // app subscribed — no event lost in the middle, none from elsewhere.
    const sent = sim.emitted.filter((e) => e.seq >= firstSeq).map((e) => e.key);
    expect(sent.length).toBeGreaterThanOrEqual(written);
    expect(new Set(keys)).toEqual(new Set(sent.slice(0, written)));

    // The graceful stop finished every open hour: no staging file with rows, no temp file.
    const files = await walk(archive);
    for (const file of files.filter((f) => f.startsWith('.staging'))) {
      expect(await readFile(join(archive, file), 'utf8'), file).toBe('');
    }
    expect(files.filter((f) => f.endsWith('.tmp') || f.includes('.tmp'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.parquet')).length).toBeGreaterThanOrEqual(1);
  });
});
