// readInfluxRange against a real InfluxDB 1.x: points written through the sink come back as the rows they
// were made from (both schemas), chunk by chunk, filtered by entity, with secret-free errors.
import { isSdkError, type StateChangedEvent } from '@ha-ingestor/core';
import { createTestContext, makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { influxSink, readInfluxAttributeKeys, readInfluxRange, type StoredStateRow } from '../../src/index.js';
import { requireService, uniqueName } from '../../../../test-support/services.js';
import { authDatabase, expectNoSecret, WRONG_PASSWORD } from './auth.js';
import { temperatureEvents } from './helpers.js';

const HOSTILE = [
  'a,b c=d\\e "quoted"',
  'line1\nline2\r\nline3',
  '# CONTEXT-DATABASE: evil',
  '=HYPERLINK("http://x")',
  'ünïcödé 🌡️ 温度',
];

async function write(url: string, database: string, events: StateChangedEvent[], kind: 'ha' | 'entity' = 'ha') {
  const sink = influxSink({ url, apiVersion: '1', database, createDatabase: true, schema: { kind } });
  const context = createTestContext();
  await sink.open?.(context);
  for (let i = 0; i < events.length; i += 5000) await sink.write(events.slice(i, i + 5000), context);
  await sink.close?.();
}

async function readAll(
  options: Parameters<typeof readInfluxRange>[0],
): Promise<{ rows: StoredStateRow[]; batches: number; largest: number; fractions: number[] }> {
  const rows: StoredStateRow[] = [];
  let batches = 0;
  let largest = 0;
  const fractions: number[] = [];
  for await (const batch of readInfluxRange(options)) {
    batches++;
    largest = Math.max(largest, batch.rows.length);
    fractions.push(batch.fraction);
    rows.push(...batch.rows);
  }
  return { rows, batches, largest, fractions };
}

const range = { start: TEST_EVENT_TIME - 1_000_000, end: TEST_EVENT_TIME + 3_600_000_000 };

describe('readInfluxRange on InfluxDB 1.x', () => {
  it('reads back what the ha schema wrote: ids, units, state/value, typed and hostile attributes', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_ha');
    const events = [
      makeStateChanged({
        entity_id: 'sensor.kitchen_temperature',
        state: '21.5',
        attributes: { unit_of_measurement: '°C', friendly_name: 'Kitchen', firmware: 'v1.2' },
        last_updated: TEST_EVENT_TIME + 1,
      }),
      makeStateChanged({
        entity_id: 'switch.kettle',
        state: 'on',
        attributes: { friendly_name: 'Kettle', count: 3 },
        last_updated: TEST_EVENT_TIME + 2,
      }),
      ...HOSTILE.map((text, i) =>
        makeStateChanged({
          entity_id: `input_text.hostile_${i}`,
          state: text,
          attributes: { note: text },
          last_updated: TEST_EVENT_TIME + 10 + i,
        }),
      ),
    ];
    await write(url, database, events);
    const { rows } = await readAll({ url, apiVersion: '1', database, ...range });
    const byId = new Map(rows.map((r) => [r.entity_id, r]));
    expect(rows).toHaveLength(events.length);
    expect(byId.get('sensor.kitchen_temperature')).toEqual({
      time: TEST_EVENT_TIME + 1,
      entity_id: 'sensor.kitchen_temperature',
      domain: 'sensor',
      state: null,
      value: 21.5,
      unit: '°C',
      attributes: { friendly_name: 'Kitchen', firmware: 'v1.2' },
    });
    expect(byId.get('switch.kettle')).toMatchObject({ state: 'on', value: 1, unit: null, attributes: { count: 3 } });
    HOSTILE.forEach((text, i) => {
      expect(byId.get(`input_text.hostile_${i}`)).toMatchObject({ state: text, attributes: { note: text } });
    });
  });

  it('reads the entity schema too (full ids, unit tag, typed attributes)', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_entity');
    await write(
      url,
      database,
      [
        makeStateChanged({
          entity_id: 'sensor.power',
          state: '120.5',
          attributes: { unit_of_measurement: 'W', state_class: 'measurement', on_grid: true },
          last_updated: TEST_EVENT_TIME + 5,
        }),
      ],
      'entity',
    );
    const { rows } = await readAll({ url, apiVersion: '1', database, schema: 'entity', ...range });
    expect(rows).toEqual([
      {
        time: TEST_EVENT_TIME + 5,
        entity_id: 'sensor.power',
        domain: 'sensor',
        state: null,
        value: 120.5,
        unit: 'W',
        attributes: { state_class: 'measurement', on_grid: true },
      },
    ]);
  });

  it('streams in chunks of chunkSize across windows, time-ordered per series, with exact counts', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_chunks');
    const events = temperatureEvents(2_000, { rooms: 4, stepUs: 1_000_000 });
    await write(url, database, events);
    const { rows, largest, fractions } = await readAll({
      url,
      apiVersion: '1',
      database,
      chunkSize: 7,
      windowUs: 600_000_000, // 10 minutes: the 2,000 s of data span 4 windows
      ...range,
    });
    expect(rows).toHaveLength(2_000);
    expect(largest).toBeLessThanOrEqual(7);
    expect(new Set(rows.map((r) => `${r.entity_id}|${r.time}`)).size).toBe(2_000);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  });

  it('filters by exact ids and globs on the server and in the reader', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_filter');
    await write(url, database, temperatureEvents(40, { rooms: 4 }));
    const exact = await readAll({
      url,
      apiVersion: '1',
      database,
      entities: ['sensor.room_1_temperature'],
      ...range,
    });
    expect(new Set(exact.rows.map((r) => r.entity_id))).toEqual(new Set(['sensor.room_1_temperature']));
    expect(exact.rows).toHaveLength(10);
    const glob = await readAll({ url, apiVersion: '1', database, entities: ['sensor.room_?_temp*'], ...range });
    expect(glob.rows).toHaveLength(40);
    const none = await readAll({ url, apiVersion: '1', database, entities: ['light.*'], ...range });
    expect(none.rows).toHaveLength(0);
  });

  it('an empty range yields no rows and still reports progress to 1', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_empty');
    await write(url, database, temperatureEvents(5));
    const { rows, fractions } = await readAll({
      url,
      apiVersion: '1',
      database,
      start: TEST_EVENT_TIME + 3_600_000_000,
      end: TEST_EVENT_TIME + 7_200_000_000,
    });
    expect(rows).toHaveLength(0);
    expect(fractions).toEqual([1]);
  });

  it('a large range is read with one chunk in memory at a time', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_large');
    const events = temperatureEvents(50_000, { rooms: 20, stepUs: 10_000 });
    await write(url, database, events);
    let count = 0;
    let largest = 0;
    for await (const batch of readInfluxRange({ url, apiVersion: '1', database, chunkSize: 500, ...range })) {
      count += batch.rows.length;
      largest = Math.max(largest, batch.rows.length);
    }
    expect(count).toBe(50_000);
    expect(largest).toBeLessThanOrEqual(500);
  }, 60_000);

  it('stopping early cancels the query (the reader finishes without reading the rest)', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_cancel');
    await write(url, database, temperatureEvents(3_000));
    const controller = new AbortController();
    let seen = 0;
    await expect(async () => {
      for await (const batch of readInfluxRange(
        { url, apiVersion: '1', database, chunkSize: 100, ...range },
        controller.signal,
      )) {
        seen += batch.rows.length;
        controller.abort();
      }
    }).rejects.toSatisfy((e: unknown) => isSdkError(e, 'ABORTED'));
    expect(seen).toBe(100);
  });

  it('finds attribute keys and their types (SHOW FIELD KEYS / SHOW TAG KEYS, inverse names)', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const database = uniqueName('read_keys');
    await write(url, database, [
      makeStateChanged({ attributes: { unit_of_measurement: '°C', friendly_name: 'A', firmware: 'v1.2', level: 3 } }),
    ]);
    const found = await readInfluxAttributeKeys({ url, apiVersion: '1', database, ...range });
    expect(found?.complete).toBe(true);
    expect(Object.fromEntries(found?.keys ?? [])).toEqual({
      friendly_name: 'string',
      firmware: 'string',
      level: 'number',
    });
    const capped = await readInfluxAttributeKeys({ url, apiVersion: '1', database, ...range }, { maxKeys: 1 });
    expect(capped?.complete).toBe(false);
    expect(capped?.keys.size).toBe(1);
  });

  it('auth: user+password read; a wrong password is AUTH_FAILED without the secret', async (ctx) => {
    const { auth, v1 } = await authDatabase(ctx, 'read_auth');
    const sink = influxSink(v1);
    await sink.write(temperatureEvents(3), createTestContext());
    await sink.close?.();
    const good = await readAll({ ...v1, ...range });
    expect(good.rows).toHaveLength(3);
    const error: unknown = await readAll({ ...v1, password: WRONG_PASSWORD, ...range }).catch((e: unknown) => e);
    expect(isSdkError(error, 'AUTH_FAILED')).toBe(true);
    expectNoSecret(error, auth.username, WRONG_PASSWORD);
  });

  it('errors name the server and the problem, never the password', async (ctx) => {
    const { url } = requireService('influxdb', ctx);
    const secret = 'hunter2-secret';
    const missing = readAll({
      url,
      apiVersion: '1',
      database: uniqueName('read_missing'),
      username: 'admin',
      password: secret,
      ...range,
    });
    await expect(missing).rejects.toSatisfy(
      (e: unknown) => isSdkError(e) && /database not found/.test(e.message) && !e.message.includes(secret),
    );
    const closed = readAll({
      url: 'http://127.0.0.1:9',
      apiVersion: '1',
      database: 'x',
      password: secret,
      username: 'u',
      ...range,
    });
    await expect(closed).rejects.toSatisfy(
      (e: unknown) => isSdkError(e, 'CONNECTION_LOST') && !JSON.stringify(e).includes(secret),
    );
  });
});
