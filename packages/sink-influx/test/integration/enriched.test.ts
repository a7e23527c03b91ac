// Issue 20: the first-party enrichers in front of the sink, against a real InfluxDB 1.x. unitNormalize
// makes `state` a number; it used to be dead-lettered (`mapping_invalid: … has no state`). Now it is
// written as a float field, and the database says so (SHOW FIELD KEYS).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { arraySource, makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { registryEnricher, timeContext, unitNormalize } from '@ha-ingestor/enrichers';
import { describe, expect, it } from 'vitest';
import { influxSink } from '../../src/index.js';
import type { SchemaOptions } from '../../src/index.js';
import {
  createInfluxDatabase,
  influxQuery,
  influxRows,
  requireService,
  uniqueName,
} from '../../../../test-support/services.js';

const registry = createRegistryStore();
registry.replace({
  areas: [{ area_id: 'garden', name: 'Garden', floor_id: null, labels: [] }],
  entities: [
    {
      entity_id: 'sensor.outside',
      unique_id: 'u-outside',
      platform: 'test',
      device_id: null,
      area_id: 'garden',
      labels: [],
      name: null,
    },
  ],
});

/** Outside temperature in °F (converted to °C by unitNormalize), a power reading in W, and a switch. */
function events(): StateChangedEvent[] {
  const at = (i: number) => TEST_EVENT_TIME + i;
  return [
    makeStateChanged({
      entity_id: 'sensor.outside',
      state: '70.7',
      attributes: { unit_of_measurement: '°F', state_class: 'measurement' },
      last_updated: at(0),
    }),
    makeStateChanged({
      entity_id: 'sensor.outside',
      state: '32',
      attributes: { unit_of_measurement: '°F', state_class: 'measurement' },
      last_updated: at(1),
    }),
    makeStateChanged({
      entity_id: 'sensor.plug_power',
      state: '12.5',
      attributes: { unit_of_measurement: 'W' },
      last_updated: at(2),
    }),
    makeStateChanged({
      entity_id: 'switch.plug',
      state: 'on',
      attributes: { friendly_name: 'Plug' },
      last_updated: at(3),
    }),
  ].map((e) => ({ ...e, time_fired: e.last_updated }));
}

/** The README's composition (registry → time → units) into the sink; returns the dead-letter records. */
async function ingest(url: string, database: string, schema: SchemaOptions): Promise<unknown[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-enriched-'));
  try {
    const source = arraySource(events(), { batch: true, finite: true });
    const p = pipeline(source)
      .use(registryEnricher({ fields: ['area', 'unique_id'] }, { registry }))
      .use(timeContext({ timeZone: 'UTC' }, { registry }))
      .use(unitNormalize())
      .to(influxSink({ url, apiVersion: '1', database, schema }), { batch: { maxSize: 100, maxWaitMs: 20 } })
      .build({ deadLetter: { path: join(dir, 'dead-letter.ndjson') } });
    await p.start();
    await p.idle();
    const stats = await p.stop();
    expect(source.handled()).toBe(4);
    expect(stats).toMatchObject({ written: { influx: 4 }, failed: 0 });
    const text = await readFile(join(dir, 'dead-letter.ndjson'), 'utf8').catch((error: unknown) => {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return '';
      throw error;
    });
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l): unknown => JSON.parse(l));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `SHOW FIELD KEYS` as `{ measurement: { field: type } }`. */
async function fieldTypes(url: string, database: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const series of await influxQuery(url, database, 'SHOW FIELD KEYS')) {
    out[series.name] = Object.fromEntries(series.values.map(([field, type]) => [String(field), String(type)]));
  }
  return out;
}

describe('enriched events into InfluxDB 1.x (issue 20)', () => {
  it('ha schema: the normalised number state is a float `value` under the converted unit; nothing dead-lettered', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('enriched_ha');
    await createInfluxDatabase(url, database);
    expect(await ingest(url, database, { kind: 'ha' })).toEqual([]);

    const types = await fieldTypes(url, database);
    expect(types['°C']).toMatchObject({ value: 'float' });
    expect(types['°C']).not.toHaveProperty('state');
    expect(types['W']).toMatchObject({ value: 'float' });
    expect(types['°F']).toBeUndefined();
    const rows = await influxRows(url, database, 'SELECT entity_id, value FROM "°C" ORDER BY time');
    expect(rows.map((r) => [r['entity_id'], r['value']])).toEqual([
      ['outside', 21.5],
      ['outside', 0],
    ]);
    // A state that stays text keeps HA's mapping: state + value.
    const plug = await influxRows(url, database, 'SELECT state, value FROM "switch.plug"');
    expect(plug.map((r) => [r['state'], r['value']])).toEqual([['on', 1]]);
  });

  it('entity schema: value float (number), state string, unit tag °C and the registry area tag', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('enriched_entity');
    await createInfluxDatabase(url, database);
    expect(await ingest(url, database, { kind: 'entity' })).toEqual([]);

    const types = await fieldTypes(url, database);
    expect(types['sensor']).toMatchObject({ value: 'float', state: 'string' });
    const rows = await influxRows(
      url,
      database,
      `SELECT value, state FROM "sensor" WHERE entity_id = 'sensor.outside' GROUP BY * ORDER BY time`,
    );
    expect(rows.map((r) => [r['value'], r['state'], r['unit'], r['area']])).toEqual([
      [21.5, null, '°C', 'Garden'],
      [0, null, '°C', 'Garden'],
    ]);
    const power = await influxRows(
      url,
      database,
      `SELECT value, state FROM "sensor" WHERE entity_id = 'sensor.plug_power' GROUP BY *`,
    );
    expect(power.map((r) => [r['value'], r['state'], r['unit']])).toEqual([[12.5, '12.5', 'W']]);
  });
});
