// Outages through the real pipeline (core runtime: retry, breaker, disk outbox) on a private InfluxDB that
// the test stops and starts: nothing lost, nothing doubled.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '@ha-ingestor/core';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { arraySource, TEST_EVENT_TIME, waitFor } from '@ha-ingestor/core/testing';
import type { Source } from '@ha-ingestor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxSink } from '../../src/index.js';
import {
  createInfluxDatabase,
  influxRows,
  servicesAvailable,
  startPrivateServices,
  uniqueName,
  vmExport,
} from '../../../../test-support/services.js';
import type { PrivateServices } from '../../../../test-support/services.js';
import { eventKeys, keysOf, temperatureEvents } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');
// Only for what is the behaviour under test (the pace of the traffic, the length of an outage) and for
// poll intervals; everything else waits on a condition.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Points the sink has written (the database acknowledged them). */
const writtenBy = (p: { stats: () => { written: Readonly<Record<string, number>> } }) =>
  p.stats().written['influx'] ?? 0;
/** Outage length: the 30 s under CI; 3 s on a developer run (HA_INGESTOR_OUTAGE_SECONDS overrides). */
const ci = process.env['CI'] === 'true' || process.env['CI'] === '1';
const outageMs = Number(process.env['HA_INGESTOR_OUTAGE_SECONDS'] ?? (ci ? '30' : '3')) * 1000;

/** Waits until the measurement holds `n` rows; returns the rows. */
function rowsWhen(url: string, db: string, n: number, timeoutMs = 30_000): Promise<Record<string, unknown>[]> {
  return waitFor(() => influxRows(url, db, 'SELECT entity_id, value FROM "°C"'), `${n} rows in ${db}`, {
    until: (rows) => rows.length >= n,
    timeoutMs,
    intervalMs: 200,
  });
}

/** Emits `events` in batches of `size` every `everyMs`, with acks counted. */
function pacedSource(events: readonly StateChangedEvent[], size: number, everyMs: number) {
  let handled = 0;
  const failed: unknown[] = [];
  const source: Source<StateChangedEvent> = {
    kind: 'source',
    name: 'paced',
    run: async ({ emitBatch, signal }) => {
      for (let i = 0; i < events.length && !signal.aborted; i += size) {
        const batch = events.slice(i, i + size);
        await emitBatch(batch, { onHandled: () => (handled += batch.length), onFailed: (e) => failed.push(e) });
        await sleep(everyMs); // the pace of the traffic: it is what runs into the outage
      }
    },
  };
  return { source, handled: () => handled, failed: () => failed };
}

describe.skipIf(!servicesAvailable())('outages on a private InfluxDB', () => {
  let own: PrivateServices;
  let work: string;
  beforeAll(async () => {
    own = await startPrivateServices();
    work = await mkdtemp(join(tmpdir(), 'ha-ingestor-outage-'));
  });
  afterAll(async () => {
    await own?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(
    `database stopped mid-stream for ${outageMs / 1000} s: every point present exactly once afterwards`,
    { timeout: outageMs + 90_000 },
    async () => {
      const { url } = own.info.influxdb;
      const database = uniqueName('outage');
      await createInfluxDatabase(url, database);
      const events = temperatureEvents(3000, { rooms: 20 });
      const paced = pacedSource(events, 100, Math.max(100, outageMs / 25)); // traffic before, during and after
      const errors: string[] = [];
      const p = pipeline(paced.source)
        .to(influxSink({ url, apiVersion: '1', database, timeoutMs: 2000 }), {
          batch: { maxSize: 200, maxWaitMs: 100 },
          retry: { retries: 1, minDelayMs: 50, maxDelayMs: 100 },
          breaker: { threshold: 1, resetTimeoutMs: 300 },
          outbox: { dir: join(work, 'outbox-a'), fsync: 'always' },
        })
        .build();
      p.events.on('error', (e) => errors.push(e.code));
      await p.start();
      // Mid-stream: the database has taken points before it goes down; the paced traffic goes on meanwhile.
      await waitFor(() => writtenBy(p), '300 points written before the outage', {
        until: (n) => n >= 300,
        timeoutMs: 30_000,
      });
      await own.stop('influxdb');
      await sleep(outageMs); // the outage itself: its length is the behaviour under test
      expect(p.stats().outboxed['influx'] ?? 0).toBeGreaterThan(0); // the outage really happened mid-stream
      await own.start('influxdb');

      const rows = await rowsWhen(url, database, events.length);
      const stats = await p.stop();
      expect(rows).toHaveLength(events.length);
      expect(keysOf(rows)).toEqual(eventKeys(events)); // each once, none missing
      expect(paced.handled()).toBe(events.length);
      expect(paced.failed()).toEqual([]);
      expect(stats.failed).toBe(0);
      expect(errors.filter((code) => code !== 'SINK_UNAVAILABLE')).toEqual([]);
    },
  );

  it('writer killed (SIGKILL) with a non-empty outbox: a restart drains it, every point present once', async () => {
    const { url } = own.info.influxdb;
    const database = uniqueName('crash');
    await createInfluxDatabase(url, database);
    const dir = join(work, 'outbox-b');
    const count = 1500;
    const start = TEST_EVENT_TIME + 10_000_000;
    await own.stop('influxdb');

    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(here, 'outbox-writer.ts'),
        url,
        database,
        dir,
        String(count),
        String(start),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await waitFor(
      () => stdout.includes('OUTBOXED') || child.exitCode !== null,
      'the writer to report OUTBOXED (or exit)',
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    expect(stdout, stderr).toMatch(new RegExp(`OUTBOXED ${count} `));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect((await readdir(dir)).length).toBeGreaterThan(0);

    await own.start('influxdb');
    const restarted = pipeline(arraySource<StateChangedEvent>([]))
      .to(influxSink({ url, apiVersion: '1', database }), {
        breaker: { threshold: 1, resetTimeoutMs: 300 },
        outbox: { dir, fsync: 'always' },
      })
      .build();
    await restarted.start();
    const rows = await rowsWhen(url, database, count);
    await restarted.stop();
    expect(rows).toHaveLength(count);
    expect(keysOf(rows)).toEqual(eventKeys(temperatureEvents(count, { start })));
  });

  it('v2: VictoriaMetrics stopped mid-stream, started again: every point present once', async () => {
    const { url } = own.info.victoria;
    const unit = uniqueName('outage_v2');
    const events = temperatureEvents(1500, { rooms: 5, unit, stepUs: 1000 }); // 1 ms apart: VictoriaMetrics keeps ms
    const paced = pacedSource(events, 100, 100);
    const p = pipeline(paced.source)
      .to(influxSink({ url, bucket: 'ha', timeoutMs: 2000 }), {
        batch: { maxSize: 200, maxWaitMs: 100 },
        retry: { retries: 1, minDelayMs: 50, maxDelayMs: 100 },
        breaker: { threshold: 1, resetTimeoutMs: 300 },
        outbox: { dir: join(work, 'outbox-c'), fsync: 'always' },
      })
      .build();
    await p.start();
    // Mid-stream: VictoriaMetrics has taken points before it goes down.
    await waitFor(() => writtenBy(p), '300 points written before the outage', {
      until: (n) => n >= 300,
      timeoutMs: 30_000,
    });
    await own.stop('victoria');
    await sleep(2000); // the outage itself: its length is the behaviour under test
    expect(p.stats().outboxed['influx'] ?? 0).toBeGreaterThan(0);
    await own.start('victoria');
    const total = (rows: readonly { values: number[] }[]) => rows.reduce((n, r) => n + r.values.length, 0);
    const rows = await vmExport(url, `{__name__="${unit}_value"}`, {
      until: (r) => total(r) >= events.length,
      timeoutMs: 30_000,
    });
    const stats = await p.stop();
    expect(total(rows)).toBe(events.length);
    const stamps = rows.flatMap((r) => r.timestamps.map((t) => `${r.metric['entity_id']}|${t}`)).sort();
    expect(stamps).toEqual(events.map((e) => `${e.object_id}|${e.last_updated / 1000}`).sort());
    expect(paced.failed()).toEqual([]);
    expect(stats.failed).toBe(0);
  });
});
