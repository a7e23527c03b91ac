// The sink inside a real pipeline: a poison point ends in the dead-letter file with its reason, the rest
// is written, and every event is acknowledged to its source.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from '@ha-ingestor/core';
import { arraySource, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { influxSink } from '../../src/index.js';
import { createInfluxDatabase, influxQuery, requireService, uniqueName } from '../../../../test-support/services.js';
import { temperatureEvents } from './helpers.js';

describe('influxSink in a pipeline', () => {
  it('1,000 events with one type conflict: 999 written, 1 in the dead-letter file with the reason, all acknowledged', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('pipeline');
    await createInfluxDatabase(url, database);
    await fetch(`${url}/write?db=${database}&precision=u`, {
      method: 'POST',
      body: `kWh,entity_id=seed value="text" ${TEST_EVENT_TIME - 5}`,
    });
    const events = temperatureEvents(1000);
    events[123] = temperatureEvents(1, {
      start: events[123]?.last_updated ?? 0,
      unit: 'kWh',
    })[0] as (typeof events)[number];
    const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-pipeline-'));
    try {
      const source = arraySource(events, { batch: true, finite: true });
      const p = pipeline(source)
        .to(influxSink({ url, apiVersion: '1', database }), { batch: { maxSize: 1000, maxWaitMs: 50 } })
        .build({ deadLetter: { path: join(dir, 'dead-letter.ndjson') } });
      await p.start();
      await p.idle();
      const stats = await p.stop();
      expect(source.handled()).toBe(1000);
      expect(stats).toMatchObject({ written: { influx: 999 }, dropped: { rejected: 1 }, failed: 0 });
      const records = (await readFile(join(dir, 'dead-letter.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        stage: 'sink:influx',
        reason: 'type_conflict',
        message: expect.stringContaining('field "value" of measurement "kWh" is float here but string in the database'),
        raw: { entity_id: events[123]?.entity_id, last_updated: events[123]?.last_updated },
      });
      const series = await influxQuery(url, database, 'SELECT count(value) FROM "°C"');
      expect(series[0]?.values[0]?.[1]).toBe(999);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
