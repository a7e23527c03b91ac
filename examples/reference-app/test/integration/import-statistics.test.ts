import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHaSimulator, STATISTICS_SCENARIO, type HaSimulator } from '@ha-ingestor/ha-simulator';
import { serializePoint } from '@ha-ingestor/core/line-protocol';
import { waitFor } from '@ha-ingestor/core/testing';
import { createSchemaMapper } from '@ha-ingestor/sink-influx';
import { afterEach, describe, expect, it } from 'vitest';
import { createInfluxDatabase, influxRows, requireServices, uniqueName } from '../../../../test-support/services.js';
import { defineFaultyStatistics } from '../../../../test-support/statistics.js';
import { startCli, startReadyCli, type CliProcess } from './cli-process.js';

// `ha-ingestor import-statistics` as users run it: the CLI as a child process, the HA simulator serving
// long-term statistics, real InfluxDB 1.x.
const HOUR = 3_600_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(ctx: { skip: (note?: string) => never }, hours: number) {
  const svc = requireServices(ctx);
  const db = uniqueName('stats');
  await createInfluxDatabase(svc.influxdb.url, db);
  const sim = await createHaSimulator({ seed: 21, entityCount: 5, seedStatistics: { hours } });
  cleanups.push(() => sim.close());
  return { url: svc.influxdb.url, db, sim };
}

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-stats-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function env(sim: HaSimulator, influx: string, db: string, dir: string): Record<string, string> {
  return {
    HA_URL: sim.url,
    HA_TOKEN: sim.token,
    INFLUXDB_URL: influx,
    INFLUXDB_API_VERSION: '1',
    INFLUXDB_DATABASE: db,
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
  };
}

/** What the database must hold: one point per stored row of every statistic with a mean or a sum. */
function expectedPoints(sim: HaSimulator, skip: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const meta of sim.statistics.metas()) {
    if ((meta.mean_type === 0 && !meta.has_sum) || skip.has(meta.statistic_id)) continue;
    for (const r of sim.statistics.rows(meta.statistic_id)) {
      out.push(
        pointText(meta.unit ?? meta.statistic_id, meta.statistic_id, r.start * 1000, {
          mean: r.mean,
          min: r.min,
          max: r.max,
          sum: r.sum,
          reading: r.state,
          last_reset_ts: r.last_reset === undefined || r.last_reset === null ? undefined : r.last_reset / 1000,
        }),
      );
    }
  }
  return out.sort();
}

function pointText(measurement: string, id: string, time: number, fields: Record<string, unknown>): string {
  const values = ['mean', 'min', 'max', 'sum', 'reading', 'last_reset_ts'].map((k) => {
    const v = fields[k];
    return v === undefined || v === null ? '' : String(v);
  });
  return `${measurement}|${id}|${time}|${values.join(',')}`;
}

async function statisticPoints(url: string, db: string): Promise<string[]> {
  const rows = await influxRows(url, db, `SELECT * FROM /.*/ WHERE "period" = 'hour' GROUP BY *`);
  return rows.map((r) => pointText(String(r['_measurement']), String(r['statistic_id']), Number(r['time']), r)).sort();
}

/** Live points (no `period` tag), with the columns other series added (null / empty) left out. */
async function livePoints(url: string, db: string): Promise<Record<string, unknown>[]> {
  const rows = await influxRows(url, db, `SELECT * FROM /.*/ WHERE "period" !~ /./ GROUP BY *`);
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== '')));
}

/** A panel's InfluxQL with Grafana's macros filled in (hourly interval, UTC, the last 90 days). */
function panelQuery(index: number, variables: Record<string, string>): string {
  const dashboard = JSON.parse(
    readFileSync(new URL('../../deploy/grafana-statistics-dashboard.json', import.meta.url), 'utf8'),
  ) as { panels: { targets: { query: string }[] }[] };
  let query = dashboard.panels[index]?.targets[0]?.query ?? '';
  for (const [name, value] of Object.entries(variables))
    query = query.replaceAll(`\${${name}:regex}`, value).replaceAll(`\${${name}}`, value);
  return query
    .replaceAll('$timeFilter', 'time > now() - 90d')
    .replaceAll('$__interval', '1h')
    .replaceAll(', $__tz_offset', '');
}

/** Energy per UTC day from hourly sums: the last sum of a day minus the last sum of the day before. */
function dailyEnergy(rows: readonly { start: number; sum?: number }[]): [number, number][] {
  const lastOfDay = new Map<number, number>();
  for (const r of rows) if (r.sum !== undefined) lastOfDay.set(Math.floor(r.start / (24 * HOUR)) * 24 * HOUR, r.sum);
  const days = [...lastOfDay.entries()].sort((a, b) => a[0] - b[0]);
  return days.slice(1).map(([day, sum], i) => [day, Math.round((sum - (days[i]?.[1] ?? 0)) * 1e9) / 1e9]);
}

async function progressed(cli: CliProcess, what: string): Promise<void> {
  await waitFor(() => cli.output(), what, {
    until: (text) => /"type":"progress"[^\n]*"rows":[1-9]/.test(text),
    timeoutMs: 60_000,
    intervalMs: 20,
  });
}

describe('ha-ingestor import-statistics (child process, real InfluxDB 1.x)', () => {
  it('imports every row once beside untouched live points, survives a dropped connection, dead-letters bad replies; a re-run adds nothing', async (ctx) => {
    const { url, db, sim } = await setup(ctx, 24 * 60);
    const bad = {
      'sensor.stats_bad_row': 'malformed-row',
      'sensor.stats_missing': 'missing-field',
      'sensor.stats_huge': 'huge-reply',
    } as const;
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    defineFaultyStatistics(sim, bad, end);

    // Live points of the same entities first, as the live path writes them: `state` (string) and the
    // `last_reset` attribute exist in the same measurements before any statistic arrives.
    const map = createSchemaMapper();
    const live = [
      [
        'sensor.stats_grid_energy',
        'unavailable',
        { unit_of_measurement: 'kWh', last_reset: '2026-01-01T00:00:00+00:00' },
      ],
      [
        'sensor.stats_daily_energy',
        '1.5',
        { unit_of_measurement: 'kWh', last_reset: '2026-01-01T00:00:00+00:00', state_class: 'total' },
      ],
      ['sensor.stats_outdoor_temperature', '21.5', { unit_of_measurement: '°C', min: 'n/a' }],
    ] as const;
    const liveLines = live.map(([entityId, state, attributes], i) => {
      const t = (end - 2 * HOUR) * 1000 + 123 + i;
      const [point] = map({
        event_type: 'state_changed',
        time_fired: t,
        last_updated: t,
        last_changed: t,
        entity_id: entityId,
        state,
        attributes,
        context: null,
      });
      return serializePoint(point!, 'us');
    });
    const written = await fetch(`${url}/write?db=${db}&precision=u`, { method: 'POST', body: liveLines.join('\n') });
    expect(written.status).toBe(204);
    const liveBefore = await livePoints(url, db);
    expect(liveBefore).toHaveLength(3);

    const dir = await dataDir();
    const cli = startCli(['import-statistics', '--json'], env(sim, url, db, dir));
    await progressed(cli, 'first progress line');
    expect(cli.output()).not.toMatch(/"type":"summary"/); // still importing
    sim.faults.dropConnections(); // mid-import: the reader reconnects and retries the request
    expect(await cli.exited, cli.output()).toBe(0);

    const skip = new Set(Object.keys(bad));
    const got = await statisticPoints(url, db);
    const clean = got.filter((p) => !Object.keys(bad).some((id) => p.includes(`|${id}|`)));
    expect(clean).toEqual(expectedPoints(sim, skip));
    // The circular mean, the external statistic (no entity) and the Wh statistic are there, values as stored.
    expect(clean.some((p) => p.startsWith(`°|${STATISTICS_SCENARIO.windDirection}|`))).toBe(true);
    expect(clean.some((p) => p.startsWith(`kWh|${STATISTICS_SCENARIO.external}|`))).toBe(true);
    expect(clean.some((p) => p.startsWith(`Wh|${STATISTICS_SCENARIO.unitChange}|`))).toBe(true);

    // Live points untouched, and no field-type conflict anywhere.
    const liveAfter = await livePoints(url, db);
    expect(liveAfter).toEqual(liveBefore);
    const dead = (await readFile(join(dir, 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reason: string; message: string; data?: { statistic_id?: string } });
    expect(dead.some((d) => /conflict/.test(d.reason) || /conflict/.test(d.message))).toBe(false);
    expect([...new Set(dead.map((d) => `${d.reason} ${d.data?.statistic_id}`))].sort()).toEqual([
      'statistics_reply_too_large sensor.stats_huge',
      'statistics_row_invalid sensor.stats_bad_row',
      'statistics_row_invalid sensor.stats_missing',
    ]);
    const summary = JSON.parse(
      cli
        .output()
        .trim()
        .split('\n')
        .filter((l) => l.includes('"type":"summary"'))
        .at(-1) ?? '{}',
    ) as Record<string, unknown>;
    expect(summary).toMatchObject({ type: 'summary', dryRun: false, failed: 0 });

    // The Grafana panels of deploy/grafana-statistics-dashboard.json, run as Grafana would run them.
    const daily = await influxRows(url, db, panelQuery(0, { energy: 'sensor\\.stats_grid_energy' }));
    expect(
      daily.map((r) => [Number(r['time']) / 1000, Math.round(Number(r['non_negative_difference']) * 1e9) / 1e9]),
    ).toEqual(dailyEnergy(sim.statistics.rows(STATISTICS_SCENARIO.meterReset)));
    const band = await influxRows(url, db, panelQuery(1, { temperature: STATISTICS_SCENARIO.temperature }));
    expect(band.map((r) => [Number(r['time']) / 1000, r['mean'], r['min'], r['max']])).toEqual(
      sim.statistics.rows(STATISTICS_SCENARIO.temperature).map((r) => [r.start, r.mean, r.min, r.max]),
    );

    // A second run adds no point.
    const again = startCli(['import-statistics'], env(sim, url, db, dir));
    expect(await again.exited, again.output()).toBe(0);
    // It reads only what is past the checkpoint: the two newest hours (CHECKPOINT_MARGIN_HOURS) per statistic.
    const rows = Number(/\| rows (\d+) \|/.exec(again.output().split('\r').at(-1) ?? '')?.[1]);
    expect(rows).toBeLessThanOrEqual(2 * sim.statistics.metas().length);
    expect(await statisticPoints(url, db)).toEqual(got);
  });

  it('a run killed with SIGKILL and re-run ends with the same points as one clean run', async (ctx) => {
    const { url, db, sim } = await setup(ctx, 24 * 365);
    const cleanDb = uniqueName('stats-clean');
    await createInfluxDatabase(url, cleanDb);

    const dir = await dataDir();
    const first = startCli(['import-statistics', '--json'], env(sim, url, db, dir));
    await progressed(first, 'first progress line');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(128);
    const partial = await statisticPoints(url, db);
    const resumed = startCli(['import-statistics', '--json'], env(sim, url, db, dir));
    expect(await resumed.exited, resumed.output()).toBe(0);

    const t0 = performance.now();
    const clean = startCli(['import-statistics'], env(sim, url, cleanDb, await dataDir()));
    expect(await clean.exited, clean.output()).toBe(0);
    const seconds = (performance.now() - t0) / 1000;
    const expected = expectedPoints(sim);
    console.info(
      `[figures] import-statistics: ${expected.length} rows of ${sim.statistics.metas().length} statistics (a year, hourly) in ${seconds.toFixed(1)} s incl. process start (${Math.round(expected.length / seconds)} rows/s) into InfluxDB 1.x`,
    );
    expect(partial.length).toBeLessThan(expected.length);
    expect(await statisticPoints(url, cleanDb)).toEqual(expected);
    expect(await statisticPoints(url, db)).toEqual(expected);
  }, 180_000);

  it('--dry-run reads and counts, and writes nothing (no point, no checkpoint)', async (ctx) => {
    const { url, db, sim } = await setup(ctx, 48);
    const dir = await dataDir();
    const cli = startCli(
      [
        'import-statistics',
        '--dry-run',
        '--since',
        new Date(Date.now() - 24 * HOUR).toISOString(),
        '--ids',
        'sensor.stats_*',
      ],
      env(sim, url, db, dir),
    );
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/dry run: nothing written/);
    expect(cli.output()).toMatch(/rows +\d+ \(would be written\)/);
    expect(await statisticPoints(url, db)).toEqual([]);
    await expect(stat(join(dir, 'checkpoints'))).rejects.toThrow();
  });

  it('statistics.sync in the service: the trailing window is re-read after the hourly event, an adjusted sum overwrites its point', async (ctx) => {
    const { url, db, sim } = await setup(ctx, 24);
    const dir = await dataDir();
    await startReadyCli(
      {
        ...env(sim, url, db, dir),
        STATISTICS_SYNC: 'true',
        STATISTICS_SYNC_WINDOW_HOURS: '6',
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
      },
      cleanups,
    );
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    const trailing = expectedPoints(sim).filter((p) => Number(p.split('|')[2]) >= (end - 6 * HOUR) * 1000);
    await waitFor(() => statisticPoints(url, db), 'first sync pass in InfluxDB', {
      until: (points) => points.length >= trailing.length,
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(await statisticPoints(url, db)).toEqual(trailing);

    // recorder/adjust_sum_statistics from 3 hours ago, then HA's hourly event.
    sim.statistics.adjustSum(STATISTICS_SCENARIO.meterReset, end - 3 * HOUR, 100);
    sim.fireHourlyStatisticsGenerated();
    const adjusted = expectedPoints(sim).filter((p) => Number(p.split('|')[2]) >= (end - 6 * HOUR) * 1000);
    await waitFor(() => statisticPoints(url, db), 'adjusted sums in InfluxDB', {
      until: (points) => JSON.stringify(points) === JSON.stringify(adjusted),
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    // Overwritten, not duplicated: the same number of points, three of them with the new sum.
    expect(adjusted).toHaveLength(trailing.length);
    expect(adjusted.filter((p) => !trailing.includes(p))).toHaveLength(3);
  });
});
