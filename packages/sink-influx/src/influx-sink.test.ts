// Issue 20: influxSink is generic over the pipeline's event, so a custom toPoints reads enriched fields
// (typed: test/compose.test-d.ts) and they reach the wire; and the default schema writes a number state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import type { BuilderEvent, Sink } from '@ha-ingestor/core';
import { estimateSize } from '@ha-ingestor/core/resilience';
import { arraySource, createTestContext, makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { registryEnricher, timeContext, unitNormalize } from '@ha-ingestor/enrichers';
import { afterEach, describe, expect, it } from 'vitest';
import { influxSink } from './influx-sink.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A loopback InfluxDB 1.x `/write` endpoint that keeps every body it accepts. */
async function captureWrites(): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.startsWith('/write') === true) bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

const registry = createRegistryStore();
registry.replace({
  areas: [{ area_id: 'garden', name: 'Garden', floor_id: null, labels: [] }],
  entities: [
    {
      entity_id: 'sensor.outside',
      unique_id: 'u1',
      platform: 'test',
      device_id: null,
      area_id: 'garden',
      labels: [],
      name: null,
    },
  ],
});
// 2023-11-14T22:13:20Z: hour 22 in UTC.
const outside = makeStateChanged({
  entity_id: 'sensor.outside',
  state: '70.7',
  attributes: { unit_of_measurement: '°F' },
  last_updated: TEST_EVENT_TIME,
});

async function run(sink: Sink<BuilderEvent<ReturnType<typeof enriched>>>): Promise<void> {
  const p = enriched()
    .to(sink, { batch: { maxSize: 10, maxWaitMs: 10 } })
    .build();
  await p.start();
  await p.idle();
  const stats = await p.stop();
  expect(stats).toMatchObject({ written: { [sink.name]: 1 }, failed: 0 });
}

function enriched() {
  return pipeline(arraySource([{ ...outside, time_fired: TEST_EVENT_TIME }], { finite: true }))
    .use(registryEnricher({ fields: ['area'] }, { registry }))
    .use(timeContext({ timeZone: 'UTC' }, { registry }))
    .use(unitNormalize());
}

describe('influxSink with enrichers in front', () => {
  it('a custom toPoints reads the enriched fields (area, hour, the converted number state) and they are written', async () => {
    const { url, bodies } = await captureWrites();
    await run(
      influxSink(
        { url, apiVersion: '1', database: 'ha', seedFieldTypes: false, precision: 'us' },
        {
          toPoints: (e) =>
            e.event_type === 'state_changed' && typeof e.state === 'number'
              ? [
                  {
                    measurement: 'climate',
                    tags: { area: e.area ?? 'none', unit: e.unit ?? '' },
                    fields: { temp: e.state, hour: e.hour },
                    time: e.time_fired,
                  },
                ]
              : [],
        },
      ),
    );
    expect(bodies).toEqual([`climate,area=Garden,unit=°C temp=21.5,hour=22 ${TEST_EVENT_TIME}`]);
  });

  it('the default ha schema writes the normalised state as value (float) under the converted unit', async () => {
    const { url, bodies } = await captureWrites();
    await run(influxSink({ url, apiVersion: '1', database: 'ha', seedFieldTypes: false, precision: 'us' }));
    expect(bodies).toEqual([`°C,domain=sensor,entity_id=outside value=21.5 ${TEST_EVENT_TIME}`]);
  });
});

describe('influxSink sizeOf (issue 14: the batcher byte trigger)', () => {
  it("is core's estimate until the entity was written, then the length of its last line", async () => {
    const { url, bodies } = await captureWrites();
    const sink = influxSink({ url, apiVersion: '1', database: 'ha', seedFieldTypes: false });
    const sizeOf = sink.sizeOf as (event: typeof outside) => number;
    expect(sizeOf(outside)).toBe(estimateSize(outside));
    await sink.write([outside], createTestContext());
    expect(bodies).toHaveLength(1);
    expect(sizeOf(outside)).toBe((bodies[0] as string).length + 1);
    // Another event of the same entity is sized by that line; other entities still by the estimate.
    const other = makeStateChanged({ entity_id: 'sensor.other', state: '1', attributes: { a: 'x'.repeat(50) } });
    expect(sizeOf({ ...outside, state: '71.2' })).toBe((bodies[0] as string).length + 1);
    expect(sizeOf(other)).toBe(estimateSize(other));
    await sink.close?.();
  });
});
