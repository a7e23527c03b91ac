import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopLogger } from '@ha-ingestor/core';
import { arraySource, makeStateChanged, TEST_EVENT_TIME, waitFor } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestor } from './app.js';
import { resolveConfig } from './config.js';

// PARQUET_DIR (issue 17): the Parquet archive sink beside the others, finished as part files on stop.
describe('createIngestor: PARQUET_DIR', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-parquet-'));
    dirs.push(dir);
    return dir;
  };

  it('reads parquet.dir from YAML and PARQUET_DIR / PARQUET_COMPRESSION from the environment (env wins)', () => {
    const fromYaml = resolveConfig({ parquet: { dir: '/archive', delivery: { batchSize: 500 } } }, {});
    expect(fromYaml.parquet).toMatchObject({ dir: '/archive', compression: 'snappy', delivery: { batchSize: 500 } });
    const fromEnv = resolveConfig(
      { parquet: { dir: '/archive' } },
      { PARQUET_DIR: '/lake', PARQUET_COMPRESSION: 'zstd' },
    );
    expect(fromEnv.parquet).toMatchObject({ dir: '/lake', compression: 'zstd' });
    expect(resolveConfig({}, {}).parquet.dir).toBeUndefined();
    expect(() => resolveConfig({}, { PARQUET_DIR: '/lake', PARQUET_COMPRESSION: 'lz4' })).toThrow(
      /PARQUET_COMPRESSION/,
    );
  });

  it('writes every event to hive-partitioned part files; after stop nothing is left staged', async () => {
    const dataDir = await tempDir();
    const archive = join(dataDir, 'lake');
    const config = resolveConfig({}, { DATA_DIR: dataDir, BATCH_TIMEOUT: '0.01', PARQUET_DIR: archive });
    const events = Array.from({ length: 30 }, (_, i) =>
      makeStateChanged({
        entity_id: `sensor.s${i % 3}`,
        state: String(i),
        last_updated: TEST_EVENT_TIME + i * 300_000_000,
      }),
    );
    const source = arraySource(events);
    const { pipeline, sinks } = await createIngestor(config, noopLogger, { sources: [source] });
    expect(sinks).toContain('parquet');
    await pipeline.start();
    await waitFor(() => source.handled(), 'every event handled', {
      until: (n) => n === events.length,
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const stats = await pipeline.stop();
    expect(stats.written['parquet']).toBe(events.length);
    const files = (await readdir(archive, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
    // 30 events 5 minutes apart from 22:13:20 span the hours 22, 23 and 00 of the next day.
    expect(files.map((f) => f.replace(/part-.*$/, ''))).toEqual([
      'date=2023-11-14/hour=22/',
      'date=2023-11-14/hour=23/',
      'date=2023-11-15/hour=00/',
    ]);
    expect(await readdir(join(archive, '.staging'))).toEqual([]);
  });
});
