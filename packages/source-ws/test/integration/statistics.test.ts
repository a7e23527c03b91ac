import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMemoryCheckpointStore, pipeline } from '@ha-ingestor/core';
import type { DeadLetterRecord, HaEvent } from '@ha-ingestor/core';
import { waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator, STATISTICS_SCENARIO, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { connectHa, type HaConnection } from '../../src/connection/connection.js';
import { createReportingGuard } from '@ha-ingestor/core';
import { listStatistics, readStatistics } from '../../src/statistics/statistics-reader.js';
import { CHECKPOINT_MARGIN_HOURS, selectStatistics } from '../../src/statistics/statistics-import.js';
import {
  HOURLY_STATISTICS_EVENT,
  haStatisticsImportSource,
  haStatisticsSyncSource,
  type HaStatisticsHooks,
} from '../../src/statistics/statistics-sources.js';
import type { StatisticData, StatisticEvent } from '../../src/statistics/statistic-rows.js';
import { defineFaultyStatistics } from '../../../../test-support/statistics.js';
import { capturingLogger, collectingSink } from './harness.js';

const HOUR = 3_600_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function simulator(hours: number): Promise<HaSimulator> {
  const sim = await createHaSimulator({ seed: 4, entityCount: 10, seedStatistics: { hours } });
  cleanups.push(() => sim.close());
  return sim;
}

async function connect(sim: HaSimulator): Promise<HaConnection> {
  const guard = createReportingGuard(() => undefined, 'test');
  const c = await connectHa({ guard, url: sim.url, token: sim.token, connectTimeoutMs: 5000, compression: false });
  cleanups.push(() => c.close());
  return c;
}

/** Every stored row of every statistic with a mean or a sum, as `id@start=values`. */
function expectedRows(sim: HaSimulator): string[] {
  const out: string[] = [];
  for (const meta of sim.statistics.metas()) {
    if (meta.mean_type === 0 && !meta.has_sum) continue;
    for (const r of sim.statistics.rows(meta.statistic_id)) out.push(rowText(meta.statistic_id, r));
  }
  return out.sort();
}

function rowText(
  id: string,
  r: {
    start: number;
    mean?: number;
    min?: number;
    max?: number;
    sum?: number;
    state?: number;
    last_reset?: number | null;
  },
): string {
  return `${id}@${r.start}=${[r.mean, r.min, r.max, r.sum, r.state, r.last_reset].map((v) => v ?? '').join(',')}`;
}

function eventRows(events: readonly HaEvent[]): string[] {
  return events
    .flatMap((e) => (e.event_type === 'ha_statistic' ? [(e as unknown as StatisticEvent).data] : []))
    .map((d) => rowText(d.statistic_id, d))
    .sort();
}

describe('statistics reader against the HA simulator', () => {
  it('reads every row in bounded windows x id batches, in the statistics unit, each row once', async () => {
    const sim = await simulator(100);
    const connection = await connect(sim);
    const { metas, rejected } = await listStatistics(connection);
    expect(rejected).toEqual([]);
    const selected = selectStatistics(metas);
    expect(selected.map((m) => m.statistic_id)).toContain(STATISTICS_SCENARIO.windDirection); // circular mean
    const rows: StatisticData[] = [];
    const windows: { ids: number; hours: number }[] = [];
    for await (const chunk of readStatistics({
      connection: async () => connection,
      metas: selected,
      since: undefined,
      until: Date.now(),
      windowHours: 24,
      batchSize: 2,
    })) {
      expect(chunk.rejected).toEqual([]);
      rows.push(...chunk.rows);
      windows.push({ ids: chunk.ids.length, hours: (chunk.windowEnd - chunk.windowStart) / HOUR });
    }
    expect(Math.max(...windows.map((w) => w.ids))).toBeLessThanOrEqual(2);
    expect(Math.max(...windows.map((w) => w.hours))).toBeLessThanOrEqual(24);
    const got = rows.map((r) => rowText(r.statistic_id, r)).sort();
    expect(got).toEqual(expectedRows(sim));
    // Stored in Wh while the entity shows kWh: the reader asked for Wh, so values are HA's stored ones.
    expect(rows.find((r) => r.statistic_id === STATISTICS_SCENARIO.unitChange)).toMatchObject({ unit: 'Wh', sum: 150 });
  });

  it('reads an older server (ISO times, no mean_type) to the same rows', async () => {
    const sim = await simulator(30);
    sim.statistics.format.timestamps = 'iso';
    sim.statistics.format.legacyMetadata = true;
    const connection = await connect(sim);
    const { metas } = await listStatistics(connection);
    const rows: StatisticData[] = [];
    for await (const chunk of readStatistics({
      connection: async () => connection,
      metas: selectStatistics(metas),
      since: undefined,
      until: Date.now(),
      windowHours: 12,
      batchSize: 3,
    }))
      rows.push(...chunk.rows);
    expect(rows.map((r) => rowText(r.statistic_id, r)).sort()).toEqual(expectedRows(sim));
  });
});

describe('statistics sources through a pipeline', () => {
  it('imports exactly once, dead-letters bad replies with a reason, survives a dropped connection, and resumes', async () => {
    const sim = await simulator(200);
    const bad = { malformed: 'sensor.stats_bad_row', missing: 'sensor.stats_missing', huge: 'sensor.stats_huge' };
    defineFaultyStatistics(
      sim,
      { [bad.malformed]: 'malformed-row', [bad.missing]: 'missing-field', [bad.huge]: 'huge-reply' },
      Math.floor(Date.now() / HOUR) * HOUR,
    );
    const checkpoints = createMemoryCheckpointStore();
    const sink = collectingSink();
    const dead: DeadLetterRecord[] = [];
    let drops = 0;
    const p = pipeline(
      haStatisticsImportSource(
        { url: sim.url, token: sim.token, windowHours: 24, batchSize: 2 },
        {
          checkpoints,
          retryDelayMs: 1,
          onProgress: (progress) => {
            // Cut the connection twice mid-import: the reader reconnects and retries the request.
            if (drops < 2 && progress.rows > 400 * (drops + 1)) {
              drops += 1;
              sim.faults.dropConnections();
            }
          },
        },
      ),
    )
      .to(sink, { batch: { maxWaitMs: 5 } })
      .build();
    p.events.on('dead-letter', (r) => dead.push(r));
    await p.start();
    await p.idle();
    await p.stop();
    expect(drops).toBe(2);
    const expected = expectedRows(sim).filter((r) => !Object.values(bad).some((id) => r.startsWith(`${id}@`)));
    const got = eventRows(sink.events);
    // Rows of the spoiled statistics that were fine are imported too (all but the bad one / the huge reply).
    const clean = got.filter((r) => !Object.values(bad).some((id) => r.startsWith(`${id}@`)));
    expect(new Set(clean).size).toBe(clean.length);
    expect(clean).toEqual(expected);
    // One record per spoiled reply (a statistic whose rows span two windows has two).
    const reasons = new Set(dead.map((d) => `${d.reason} ${String(d.data?.['statistic_id'])}`));
    expect([...reasons].sort()).toEqual(
      [
        `statistics_reply_too_large ${bad.huge}`,
        `statistics_row_invalid ${bad.malformed}`,
        `statistics_row_invalid ${bad.missing}`,
      ].sort(),
    );
    expect(dead.find((d) => d.data?.['statistic_id'] === bad.missing)?.message).toMatch(/has no sum/);
    expect(dead.find((d) => d.data?.['statistic_id'] === bad.huge)?.message).toMatch(/rows for a window of \d+ hours/);

    // A second run starts at the checkpoint: only the newest hours (CHECKPOINT_MARGIN_HOURS, which HA may
    // not have compiled yet at the first run) are read again, with the values already imported.
    const again = collectingSink();
    const p2 = pipeline(haStatisticsImportSource({ url: sim.url, token: sim.token }, { checkpoints }))
      .to(again, { batch: { maxWaitMs: 5 } })
      .build();
    await p2.start();
    await p2.idle();
    await p2.stop();
    const reread = eventRows(again.events);
    const margin = Math.floor(Date.now() / HOUR) * HOUR - CHECKPOINT_MARGIN_HOURS * HOUR;
    expect(reread.length).toBeGreaterThan(0);
    expect(reread.every((r) => Number(r.slice(r.indexOf('@') + 1, r.indexOf('='))) >= margin)).toBe(true);
    expect(reread.filter((r) => !got.includes(r))).toEqual([]);
  });

  it('sync: a pass after recorder_hourly_statistics_generated re-reads the trailing window (adjusted sums, late rows)', async () => {
    const sim = await simulator(100);
    const checkpoints = createMemoryCheckpointStore();
    const sink = collectingSink();
    const p = pipeline(
      haStatisticsSyncSource(
        { url: sim.url, token: sim.token, trailingHours: 10, pollIntervalMs: 3_600_000 },
        { checkpoints },
      ),
    )
      .to(sink, { batch: { maxWaitMs: 5 } })
      .build();
    cleanups.push(() => p.stop());
    await p.start();
    // First pass: the trailing 10 hours of every statistic (history is import-statistics' job).
    const since = Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR;
    const trailing = expectedRows(sim).filter((r) => Number(r.slice(r.indexOf('@') + 1, r.indexOf('='))) >= since);
    await waitFor(() => eventRows(sink.events).length, 'first sync pass', {
      until: (n) => n >= trailing.length,
      timeoutMs: 10_000,
    });
    expect(eventRows(sink.events)).toEqual(trailing);

    // HA adjusts a sum (recorder/adjust_sum_statistics) and an external row arrives late; then the hour event.
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    sim.statistics.adjustSum(STATISTICS_SCENARIO.meterReset, end - 3 * HOUR, 10);
    const gap = sim.statistics.rows(STATISTICS_SCENARIO.external).length;
    const missing = [...Array(10).keys()]
      .map((i) => end - (i + 1) * HOUR)
      .find((t) => !sim.statistics.rows(STATISTICS_SCENARIO.external).some((r) => r.start === t));
    expect(missing).toBeDefined();
    sim.statistics.upsert(STATISTICS_SCENARIO.external, [{ start: missing as number, sum: 99, state: 99 }]);
    expect(sim.statistics.rows(STATISTICS_SCENARIO.external).length).toBe(gap + 1);
    const before = sink.events.length;
    sim.fireHourlyStatisticsGenerated();
    await waitFor(() => sink.events.length, 'second sync pass', { until: (n) => n > before, timeoutMs: 10_000 });
    await waitFor(() => eventRows(sink.events.slice(before)), 'adjusted rows', {
      until: (rows) =>
        rows.some((r) => r.startsWith(`${STATISTICS_SCENARIO.external}@${missing}=`)) &&
        rows.filter((r) => r.startsWith(`${STATISTICS_SCENARIO.meterReset}@`)).length >= 3,
      timeoutMs: 10_000,
    });
    const adjusted = eventRows(sink.events.slice(before)).filter((r) =>
      r.startsWith(`${STATISTICS_SCENARIO.meterReset}@`),
    );
    const want = sim.statistics
      .rows(STATISTICS_SCENARIO.meterReset)
      .filter((r) => r.start >= end - 3 * HOUR)
      .map((r) => rowText(STATISTICS_SCENARIO.meterReset, r));
    expect(adjusted).toEqual(expect.arrayContaining(want));
  });

  it('sync: an hourly event that arrives during a pass starts the next pass at once, not a poll interval later', async () => {
    const sim = await simulator(100);
    let passes = 0; // each pass asks HA for the statistic ids once
    const createSocket: NonNullable<HaStatisticsHooks['createSocket']> = (url, options) => {
      const ws = new WebSocket(url, options);
      const send = ws.send.bind(ws);
      ws.send = ((data: string, cb?: (err?: Error) => void) => {
        if ((JSON.parse(data) as { type?: string }).type === 'recorder/list_statistic_ids') passes += 1;
        send(data, cb);
      }) as typeof ws.send;
      return ws;
    };
    let fireDuringPass = 0;
    const sink = collectingSink();
    const p = pipeline(
      haStatisticsSyncSource(
        { url: sim.url, token: sim.token, trailingHours: 10, pollIntervalMs: 3_600_000 },
        {
          checkpoints: createMemoryCheckpointStore(),
          createSocket,
          // Called after each request of a pass: the event arrives while the pass is still running.
          onProgress: () => {
            if (passes !== 2 || fireDuringPass !== 0) return;
            fireDuringPass += 1;
            sim.fireHourlyStatisticsGenerated();
          },
        },
      ),
    )
      .to(sink, { batch: { maxWaitMs: 5 } })
      .build();
    cleanups.push(() => p.stop());
    await p.start();
    await waitFor(() => sink.events.length, 'first pass written', { until: (n) => n > 0, timeoutMs: 10_000 });
    sim.fireHourlyStatisticsGenerated(); // pass 2; its first request fires the event again
    // The poll interval is an hour: only the event seen during pass 2 can start pass 3 within seconds.
    await waitFor(() => passes, 'third pass', { until: (n) => n >= 3, timeoutMs: 10_000 });
    expect(fireDuringPass).toBe(1);
  });

  describe('sync without the hourly event: polling', () => {
    /**
     * A sync pipeline on an injected clock: a pass is due when the clock reaches a new compiled hour, and the
     * poll timer is short, so moving the clock an hour ahead stands in for minutes of polling (no real waiting).
     */
    async function pollingSync(sim: HaSimulator) {
      // Mid-hour, in the hour the simulator seeded up to: every step below is then an exact hour later.
      const clock = { now: Math.floor(Date.now() / HOUR) * HOUR + 30 * 60_000 };
      const sink = collectingSink();
      const logger = capturingLogger();
      const statuses: string[] = [];
      const p = pipeline(
        haStatisticsSyncSource(
          { url: sim.url, token: sim.token, trailingHours: 10, pollIntervalMs: 20 },
          { checkpoints: createMemoryCheckpointStore() },
        ),
      )
        .to(sink, { batch: { maxWaitMs: 5 } })
        .build({ now: () => clock.now, logger });
      p.events.on('source:status', (_name, status) => statuses.push(status.message ?? ''));
      cleanups.push(() => p.stop());
      await p.start();
      const since = Math.floor(clock.now / HOUR) * HOUR - 10 * HOUR;
      const trailing = expectedRows(sim).filter((r) => Number(r.slice(r.indexOf('@') + 1, r.indexOf('='))) >= since);
      await waitFor(() => eventRows(sink.events).length, 'first sync pass', {
        until: (n) => n >= trailing.length,
        timeoutMs: 10_000,
      });
      expect(eventRows(sink.events)).toEqual(trailing);
      return { clock, sink, logger, statuses };
    }

    /** HA compiles the current hour (a new row) and adjusts a sum 3 hours back; returns the rows to expect. */
    function newHourAndAdjustedSum(sim: HaSimulator, hour: number): string[] {
      sim.statistics.adjustSum(STATISTICS_SCENARIO.meterReset, hour - 3 * HOUR, 10);
      sim.statistics.upsert(STATISTICS_SCENARIO.external, [{ start: hour, sum: 1234, state: 5 }]);
      return [
        ...sim.statistics
          .rows(STATISTICS_SCENARIO.meterReset)
          .filter((r) => r.start >= hour - 3 * HOUR && r.start < hour)
          .map((r) => rowText(STATISTICS_SCENARIO.meterReset, r)),
        rowText(STATISTICS_SCENARIO.external, { start: hour, sum: 1234, state: 5 }),
      ];
    }

    async function nextHourImports(
      sim: HaSimulator,
      run: Awaited<ReturnType<typeof pollingSync>>,
      label: string,
    ): Promise<void> {
      const hour = Math.floor(run.clock.now / HOUR) * HOUR;
      const want = newHourAndAdjustedSum(sim, hour);
      const before = run.sink.events.length;
      run.clock.now += HOUR; // the hour is over and compiled; only the poll timer can notice
      const synced = `statistics synced up to ${new Date(hour + HOUR).toISOString()}`;
      // The status follows the pass's last acknowledged row.
      await waitFor(() => run.statuses.at(-1) ?? '', `${label} status`, {
        until: (status) => status.includes(synced),
        timeoutMs: 10_000,
      });
      const rows = eventRows(run.sink.events.slice(before));
      expect(want.filter((r) => !rows.includes(r))).toEqual([]);
    }

    it('imports a new hour and an adjusted sum after the poll interval while the hourly event never fires', async () => {
      const sim = await simulator(100);
      const run = await pollingSync(sim);
      // Subscribed (HA accepted it) but never fired: the next hour still arrives through polling.
      await waitFor(() => sim.subscriptionCount(), 'hourly subscription', { until: (n) => n === 1 });
      await nextHourImports(sim, run, 'polled pass');
      await nextHourImports(sim, run, 'second polled pass');
      expect(sim.emitted.some((e) => e.event.event_type === HOURLY_STATISTICS_EVENT)).toBe(false);
      expect(run.logger.lines.filter((l) => l.includes('polled only'))).toEqual([]);
      expect(run.statuses.filter((m) => m.includes('HA refused'))).toEqual([]);
    });

    it('falls back to polling when HA refuses the hourly subscription, and says so once', async () => {
      const sim = await simulator(100);
      sim.faults.refuseSubscriptions([HOURLY_STATISTICS_EVENT]);
      const run = await pollingSync(sim);
      expect(sim.subscriptionCount()).toBe(0);
      await nextHourImports(sim, run, 'polled pass');
      // A reconnect asks again and is refused again: still one warning, and the status keeps saying it.
      sim.faults.dropConnections();
      await nextHourImports(sim, run, 'polled pass after a reconnect');
      const warnings = run.logger.lines.filter((l) => l.includes(`cannot subscribe to ${HOURLY_STATISTICS_EVENT}`));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0] as string)).toMatchObject({ level: 'warn', err: { code: 'COMMAND_FAILED' } });
      expect(run.statuses.at(-1)).toMatch(/\(polled every 0\.02 s: HA refused recorder_hourly_statistics_generated\)$/);
    });
  });
});
