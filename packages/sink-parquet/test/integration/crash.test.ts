import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestContext, TEST_EVENT_TIME, waitFor } from '@ha-ingestor/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetSink } from '../../src/index.js';
import { duckdb, sqlString } from '../../src/test-helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'parquet-crash-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('parquetSink crash safety', () => {
  it('writer killed (SIGKILL) mid-stream: no corrupt part file; a restart keeps every acknowledged event exactly once', async () => {
    const dir = join(work, 'archive');
    const start = Math.floor(TEST_EVENT_TIME / 3_600_000_000) * 3_600_000_000;
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(here, 'crash-writer.ts'), dir, String(start)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const acked = () => Math.max(0, ...[...stdout.matchAll(/ACKED (\d+)/g)].map((m) => Number(m[1])));
    // 4,000 events are 2.2 hours of event time: at least two hours were finished as part files.
    await waitFor(() => acked() >= 4_000 || child.exitCode !== null, 'the writer to acknowledge 4,000 events', {
      timeoutMs: 90_000,
      intervalMs: 20,
    });
    child.kill('SIGKILL');
    expect(await exited, stderr).toBe('SIGKILL');
    const ackedBeforeKill = acked();
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(4_000);

    // Whatever the kill interrupted, every *.parquet file present is complete and readable.
    const glob = sqlString(join(dir, '**', '*.parquet'));
    const before = await duckdb(`select count(*)::int as n from read_parquet(${glob}, hive_partitioning = true)`);
    expect(before[0]?.['n']).toBeGreaterThan(0);

    // Restart: the new run recovers the staging files; a graceful stop finishes them as part files.
    const restarted = parquetSink({ dir, rowGroupRows: 50 });
    await restarted.open?.(createTestContext());
    await restarted.close?.();
    expect(await readdir(join(dir, '.staging'))).toEqual([]);
    const names = await readdir(dir, { recursive: true });
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const [summary] = await duckdb(
      `select count(*)::int as n, count(distinct key)::int as keys, max(cast(substr(key, 2) as int))::int as last,
              count(*) filter (where epoch_us(time) <> ${start} + cast(substr(key, 2) as bigint) * 2000000)::int as wrong_time,
              count(*) filter (where hour <> hour(time)::varchar::int)::int as wrong_partition
         from read_parquet(${glob}, hive_partitioning = true)`,
    );
    expect(summary?.['n']).toBe(summary?.['keys']); // exactly once
    expect(summary?.['wrong_time']).toBe(0);
    expect(summary?.['wrong_partition']).toBe(0);
    // Every acknowledged event is there; at most the one batch in flight at the kill is extra.
    const [missing] = await duckdb(
      `select count(*)::int as n from range(${ackedBeforeKill}) r(i)
         where not exists (select 1 from read_parquet(${glob}) p where p.key = 'e' || r.i)`,
    );
    expect(missing?.['n']).toBe(0);
    expect(Number(summary?.['last'])).toBeLessThan(ackedBeforeKill + 25);
  });
});
