// Issue 14: without a user mapping, influxSink writes `ha` state events straight to their lines. These tests
// run it next to the same sink on the point path (the schema mapper given as a user mapping, i.e. the write
// path as it was) and require the same bodies and the same rejections, batch after batch: field-type
// conflicts (registry, coerce and dead-letter), skipUnavailable, context fields, home tags, hostile strings,
// precision and newline modes, events and statistics, and lines the server refuses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestContext, makeStateChanged } from '@ha-ingestor/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOf, precision, schemaOptions } from '../test/fixtures/arbitrary-events.js';
import { unwritableCorpus, writableCorpus } from '../test/fixtures/hostile-corpus.js';
import { haCompatRoundTrip } from '../test/fixtures/read-back.js';
import { influxSink } from './influx-sink.js';
import type { InfluxSinkOptions } from './options.js';
import { createSchemaMapper } from './schema/mapper.js';
import { STATISTIC_EVENT_TYPE } from './schema/statistics.js';
import type { MappableEvent } from './schema/types.js';

/** A loopback InfluxDB 1.x `/write` endpoint: keeps every body, answers with `respond` (default 204). */
interface Endpoint {
  readonly url: string;
  bodies: string[];
  respond: (body: string, n: number) => { status: number; body?: string };
}

const servers: Server[] = [];
async function endpoint(): Promise<Endpoint> {
  const e: Endpoint = { url: '', bodies: [], respond: () => ({ status: 204 }) };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.startsWith('/write') !== true) return void res.writeHead(204).end();
      const body = Buffer.concat(chunks).toString('utf8');
      e.bodies.push(body);
      const answer = e.respond(body, e.bodies.length);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(e, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

let linePath: Endpoint;
let pointPath: Endpoint;
beforeAll(async () => {
  linePath = await endpoint();
  pointPath = await endpoint();
});
afterAll(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** Writes the batches through both sinks; returns what each wrote and refused, batch by batch. */
async function both(
  options: Omit<InfluxSinkOptions, 'url'>,
  batches: readonly (readonly MappableEvent[])[],
): Promise<{ line: unknown[]; point: unknown[] }> {
  linePath.bodies = [];
  pointPath.bodies = [];
  const base = { apiVersion: '1', database: 'ha', seedFieldTypes: false, ...options } as const;
  const line = influxSink({ ...base, url: linePath.url });
  const point = influxSink({ ...base, url: pointPath.url }, { toPoints: createSchemaMapper(options.schema ?? {}) });
  const out = { line: [] as unknown[], point: [] as unknown[] };
  try {
    for (const batch of batches) {
      out.line.push(await line.write(batch, createTestContext()));
      out.point.push(await point.write(batch, createTestContext()));
    }
  } finally {
    await line.close?.();
    await point.close?.();
  }
  out.line.push(linePath.bodies);
  out.point.push(pointPath.bodies);
  return out;
}

const statistic: MappableEvent = {
  event_type: STATISTIC_EVENT_TYPE,
  time_fired: 1_700_000_000_000_000,
  data: { statistic_id: 'sensor.energy', start: 1_700_000_000_000_000, sum: 12.5, state: 3 },
};

describe('influxSink line path (issue 14)', () => {
  it('writes and refuses exactly what the point path does, batch after batch', async () => {
    await fc.assert(
      fc.asyncProperty(
        schemaOptions,
        precision,
        fc.constantFrom('literal', 'escape') as fc.Arbitrary<'literal' | 'escape'>,
        fc.constantFrom('coerce', 'dead-letter') as fc.Arbitrary<'coerce' | 'dead-letter'>,
        fc.array(
          fc.array(fc.oneof({ weight: 3, arbitrary: eventOf(true) }, eventOf(false), fc.constant(statistic)), {
            maxLength: 10,
          }),
          { minLength: 1, maxLength: 3 },
        ),
        async (schema, p, stringNewlines, typeConflict, batches) => {
          const { line, point } = await both({ schema, precision: p, stringNewlines, typeConflict }, batches);
          expect(line).toEqual(point);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes the HA-compatibility cases and the hostile corpus as the point path does', async () => {
    const { events } = haCompatRoundTrip();
    const compat = await both({ precision: 'us' }, [events]);
    expect(compat.line).toEqual(compat.point);
    expect(compat.line.at(-1)).toHaveLength(1); // one body with every case's line
    // Each hostile point as an HA state: its measurement as the unit, its tags as static tags, its fields
    // as attributes (numbers stay numbers, strings become `<key>_str`), in every newline mode.
    const cases = [...writableCorpus, ...unwritableCorpus];
    let written = 0;
    for (const stringNewlines of ['literal', 'escape'] as const) {
      for (const c of cases) {
        const attributes: Record<string, unknown> = { unit_of_measurement: c.point.measurement };
        for (const [k, v] of Object.entries(c.point.fields)) attributes[k] = typeof v === 'object' ? v.value : v;
        const event = makeStateChanged({
          entity_id: 'sensor.hostile',
          state: '1',
          attributes,
          last_updated: c.point.time,
        });
        const { line, point } = await both({ precision: 'ns', stringNewlines, schema: { tags: c.point.tags } }, [
          [event],
        ]);
        expect(line, c.name).toEqual(point);
        if (line[0] === undefined) written++;
      }
    }
    expect(written).toBeGreaterThan(writableCorpus.length);
  });

  it.each(['coerce', 'dead-letter'] as const)(
    'handles lines the server refuses for a type conflict as the point path does (typeConflict %s)',
    async (typeConflict) => {
      // The database has `value` of `°C` as a string: the first body is refused for its two numeric lines.
      const conflict = JSON.stringify({
        error:
          'partial write: field type conflict: input field "value" on measurement "°C" is type float, already exists as type string dropped=2',
      });
      const respond = (_body: string, n: number) => (n === 1 ? { status: 400, body: conflict } : { status: 204 });
      linePath.respond = respond;
      pointPath.respond = respond;
      const batch = [
        makeStateChanged({ entity_id: 'sensor.a', state: '21.5', last_updated: 1 }),
        makeStateChanged({ entity_id: 'sensor.b', state: 'on', attributes: { friendly_name: 'B' }, last_updated: 2 }),
        makeStateChanged({ entity_id: 'sensor.c', state: '19', last_updated: 3 }),
      ];
      try {
        const { line, point } = await both({ typeConflict, precision: 'us' }, [batch, batch]);
        expect(line).toEqual(point);
        const bodies = line.at(-1) as string[];
        if (typeConflict === 'coerce') {
          // Retried as strings, then learnt: the second batch is written as strings at once.
          expect(bodies[1]).toContain('value="21.5"');
          expect(line[0]).toBeUndefined();
        } else {
          expect(line[0]).toMatchObject({ rejected: [{ index: 0, reason: 'type_conflict' }, { index: 2 }] });
        }
      } finally {
        linePath.respond = () => ({ status: 204 });
        pointPath.respond = () => ({ status: 204 });
      }
    },
  );
});
