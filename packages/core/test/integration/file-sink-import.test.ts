import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSink } from '@ha-ingestor/core/file-sink';
import { createTestContext, makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import {
  createInfluxDatabase,
  influxRows,
  requireService,
  uniqueName,
  vmExport,
} from '../../../../test-support/services.js';

// The file sink's line protocol files, imported into the real servers as they are on disk (header and
// all): InfluxDB 1.x /write skips `#` lines as comments, exactly what `influx -import` sends after reading
// the `# CONTEXT-DATABASE:` header; VictoriaMetrics stands in for the 2.x write API (`influx write`).

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ha-file-sink-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const events = () => [
  makeStateChanged({ entity_id: 'sensor.kitchen_temp', state: '21.5', last_updated: TEST_EVENT_TIME + 1 }),
  // Same millisecond, next microsecond: must stay two points.
  makeStateChanged({ entity_id: 'sensor.kitchen_temp', state: '21.6', last_updated: TEST_EVENT_TIME + 2 }),
  makeStateChanged({ entity_id: 'light.kitchen', state: 'on', last_updated: TEST_EVENT_TIME + 3 }),
];

async function writeLpFile(database: string, batch = events()): Promise<string> {
  const sub = await mkdtemp(join(dir, 'lp-'));
  const sink = fileSink({ dir: sub, format: 'lp', database });
  await sink.write(batch, createTestContext());
  await sink.close?.();
  const [file] = (await readdir(sub)).filter((f) => f.endsWith('.lp'));
  return readFile(join(sub, file ?? expect.fail('no .lp file')), 'utf8');
}

describe('file sink line protocol files', () => {
  it('import into InfluxDB 1.x with µs precision, header included', async (ctx) => {
    const influx = requireService('influxdb', ctx);
    const db = uniqueName('file_import');
    await createInfluxDatabase(influx.url, db);
    const text = await writeLpFile(db);
    expect(text.startsWith(`# DML\n# CONTEXT-DATABASE: ${db}\n`)).toBe(true);

    const response = await fetch(`${influx.url}/write?db=${encodeURIComponent(db)}&precision=u`, {
      method: 'POST',
      body: text,
    });
    expect(response.status, await response.text()).toBe(204);

    const rows = await influxRows(influx.url, db, 'SELECT * FROM "sensor", "light" ORDER BY time');
    expect(rows.map((r) => [r['_measurement'], r['time'], r['entity_id'], r['state'], r['value'] ?? null])).toEqual([
      ['light', TEST_EVENT_TIME + 3, 'light.kitchen', 'on', null],
      ['sensor', TEST_EVENT_TIME + 1, 'sensor.kitchen_temp', '21.5', 21.5],
      ['sensor', TEST_EVENT_TIME + 2, 'sensor.kitchen_temp', '21.6', 21.6],
    ]);
  });

  it('import through the v2 write API (VictoriaMetrics), header included', async (ctx) => {
    const victoria = requireService('victoria', ctx);
    const db = uniqueName('file_import_v2');
    // VictoriaMetrics keeps milliseconds: use distinct ones. Its series are global: a unique measurement.
    const batch = [1, 2].map((i) =>
      makeStateChanged({
        entity_id: 'sensor.kitchen_temp',
        state: `21.${i}`,
        last_updated: TEST_EVENT_TIME + i * 1000,
      }),
    );
    const text = (await writeLpFile(db, batch)).replaceAll('sensor,domain=', `${db},domain=`);
    const response = await fetch(`${victoria.url}/api/v2/write?bucket=${db}&precision=us`, {
      method: 'POST',
      body: text,
    });
    expect(response.status, await response.text()).toBe(204);
    const rows = await vmExport(victoria.url, `{__name__="${db}_value"}`, {
      until: (r) => r.flatMap((x) => x.values).length >= 2,
    });
    expect(rows.flatMap((r) => r.timestamps.map((t, i) => [t, r.values[i]]))).toEqual([
      [TEST_EVENT_TIME / 1000 + 1, 21.1],
      [TEST_EVENT_TIME / 1000 + 2, 21.2],
    ]);
  });
});
