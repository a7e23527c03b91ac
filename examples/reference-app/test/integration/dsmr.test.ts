import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@ha-ingestor/core/testing';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createInfluxDatabase, influxQuery, requireServices, uniqueName } from '../../../../test-support/services.js';
import { startReadyCli } from './cli-process.js';

/** ISO 8601 with a +01:00 offset, as dsmr-reader sends with "use local timezone" on (Europe/Amsterdam in winter). */
function amsterdamTime(ms: number): string {
  return `${new Date(ms + 3_600_000).toISOString().slice(0, 19)}+01:00`;
}

/** A JSON telegram as dsmr-reader publishes it: decimals as text (DjangoJSONEncoder), unread fields null. */
function telegram(id: number, atMs: number, delivered1: string, current: string, voltage: string) {
  return JSON.stringify({
    id,
    timestamp: amsterdamTime(atMs),
    electricity_delivered_1: delivered1,
    electricity_returned_1: '0.000',
    electricity_delivered_2: '3000.250',
    electricity_currently_delivered: current,
    electricity_currently_returned: '0.000',
    phase_currently_delivered_l1: current,
    phase_currently_delivered_l2: null,
    phase_voltage_l1: voltage,
    extra_device_timestamp: amsterdamTime(atMs - 300_000),
    extra_device_delivered: '1234.567',
  });
}

// The smart-meter recipe of the README, end to end: the CLI as a child process, real Mosquitto, real
// InfluxDB 1.x, dsmr-reader's JSON telegrams published to the broker and the stored points queried back.
describe('Recipe: DSMR / P1 smart meter (child process, real Mosquitto and InfluxDB)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('stores every reading of a telegram at the telegram time, one point each, without the id and time fields', async (ctx) => {
    const svc = requireServices(ctx);
    const db = uniqueName('dsmr');
    await createInfluxDatabase(svc.influxdb.url, db);
    const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-dsmr-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const base = uniqueName('dsmr');
    const topic = `${base}/meter`;

    const { cli, url } = await startReadyCli(
      {
        MQTT_URL: svc.mosquitto.url,
        MQTT_TOPICS: topic,
        MQTT_FORMAT: 'json',
        MQTT_JSON_MODE: 'property',
        MQTT_JSON_TIME_PROPERTY: 'timestamp',
        MQTT_CLIENT_ID: uniqueName('dsmr-client'),
        EXCLUDE_ENTITIES: 'sensor.meter_id,sensor.meter_*_timestamp',
        INFLUXDB_URL: svc.influxdb.url,
        INFLUXDB_API_VERSION: '1',
        INFLUXDB_DATABASE: db,
        BATCH_TIMEOUT: '0.2',
        DATA_DIR: dataDir,
        HTTP_PORT: '0',
      },
      cleanups,
    );

    const publisher = await mqtt.connectAsync(svc.mosquitto.url, { clientId: uniqueName('dsmr-reader') });
    cleanups.push(() => publisher.endAsync());
    // Whole seconds, like the meter's clock; a minute ago and ten seconds later.
    const t1 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const t2 = t1 + 10_000;
    const first = telegram(4343119, t1, '2000.123', '0.450', '230.1');
    await publisher.publishAsync(topic, first, { qos: 1 });
    await publisher.publishAsync(topic, telegram(4343120, t2, '2000.125', '0001.50', '229.8'), { qos: 1 });
    await publisher.publishAsync(topic, first, { qos: 1 }); // a redelivery: the same readings, not new points

    const stored = async () => {
      const points = new Map<string, [number, unknown][]>();
      for (const series of await influxQuery(svc.influxdb.url, db, 'SELECT * FROM /.*/ GROUP BY *')) {
        const t = series.columns.indexOf('time');
        const v = series.columns.indexOf('value');
        const s = series.columns.indexOf('state');
        for (const row of series.values) {
          const list = points.get(series.name) ?? [];
          list.push([Number(row[t]), v >= 0 && row[v] !== null ? row[v] : s >= 0 ? row[s] : undefined]);
          points.set(series.name, list);
        }
      }
      return points;
    };
    const points = await waitFor(stored, 'both telegrams in InfluxDB', {
      until: (p) => p.get('sensor.meter_electricity_currently_delivered')?.length === 2,
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const us = (ms: number) => ms * 1000;
    expect(Object.fromEntries(points)).toEqual({
      'sensor.meter_electricity_delivered_1': [
        [us(t1), 2000.123],
        [us(t2), 2000.125],
      ],
      'sensor.meter_electricity_returned_1': [
        [us(t1), 0],
        [us(t2), 0],
      ],
      'sensor.meter_electricity_delivered_2': [
        [us(t1), 3000.25],
        [us(t2), 3000.25],
      ],
      'sensor.meter_electricity_currently_delivered': [
        [us(t1), 0.45],
        [us(t2), 1.5],
      ],
      'sensor.meter_electricity_currently_returned': [
        [us(t1), 0],
        [us(t2), 0],
      ],
      'sensor.meter_phase_currently_delivered_l1': [
        [us(t1), 0.45],
        [us(t2), 1.5],
      ],
      // null in the telegram (a single-phase meter): HA's `unknown`, stored as state text, no value.
      'sensor.meter_phase_currently_delivered_l2': [
        [us(t1), 'unknown'],
        [us(t2), 'unknown'],
      ],
      'sensor.meter_phase_voltage_l1': [
        [us(t1), 230.1],
        [us(t2), 229.8],
      ],
      'sensor.meter_extra_device_delivered': [
        [us(t1), 1234.567],
        [us(t2), 1234.567],
      ],
    });

    // The README's query: average power per minute, in kW.
    const query = await influxQuery(
      svc.influxdb.url,
      db,
      `SELECT mean("value") FROM "sensor.meter_electricity_currently_delivered" WHERE time >= ${us(t1)}u AND time <= ${us(t2)}u GROUP BY time(1m) fill(none)`,
    );
    const means = query.flatMap((series) => series.values.map((row) => row[1]));
    expect(means.length).toBeGreaterThan(0);
    expect(means.every((m) => typeof m === 'number' && m >= 0.45 && m <= 1.5)).toBe(true);

    const spread = await influxQuery(
      svc.influxdb.url,
      db,
      `SELECT spread("value") FROM "sensor.meter_electricity_delivered_1" WHERE time >= ${us(t1)}u AND time <= ${us(t2)}u`,
    );
    expect(spread[0]?.values[0]?.[1]).toBeCloseTo(0.002, 6);

    const stats = (await (await fetch(`${url}/api/v1/stats`)).json()) as {
      pipeline: { dropped: Record<string, number> };
    };
    // id and extra_device_timestamp, of three telegrams; the redelivered telegram's readings are duplicates.
    expect(stats.pipeline.dropped['filtered']).toBe(6);
    expect(stats.pipeline.dropped['duplicate']).toBe(9);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});
