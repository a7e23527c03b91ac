// readInfluxRange with apiVersion 2 against recorded /api/v2/query responses served by a local HTTP
// server (no InfluxDB 2.x runs here): the request as documented, the annotated CSV parsed exactly.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSdkError } from '@ha-ingestor/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readInfluxRange } from './read-range.js';
import type { StoredStateRow } from './rows.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/flux/${name}`, import.meta.url), 'utf8');

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function serve(status: number, body: string): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text });
      res.writeHead(status, { 'content-type': status === 200 ? 'text/csv; charset=utf-8' : 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const START = Date.UTC(2026, 0, 1) * 1000;
const END = START + 6 * 3600 * 1_000_000;
const options = (url: string) =>
  ({ url, apiVersion: '2', org: 'home', bucket: 'ha', token: 's3cret-token', start: START, end: END }) as const;

async function rowsOf(iterable: AsyncIterable<{ rows: readonly StoredStateRow[] }>): Promise<StoredStateRow[]> {
  const rows: StoredStateRow[] = [];
  for await (const batch of iterable) rows.push(...batch.rows);
  return rows;
}

describe('readInfluxRange v2 (Flux, annotated CSV)', () => {
  it('sends the documented request: POST /api/v2/query?org, Token auth, Flux with range, filter and pivot', async () => {
    const { url, requests } = await serve(200, fixture('ha-pivot.csv'));
    await rowsOf(readInfluxRange({ ...options(url), entities: ['sensor.kitchen_*', 'switch.kettle'] }));
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/api/v2/query?org=home');
    expect(req?.headers['authorization']).toBe('Token s3cret-token');
    expect(req?.headers['accept']).toBe('application/csv');
    const body = JSON.parse(req?.body ?? '{}') as { query: string; dialect: { annotations: string[] } };
    expect(body.dialect.annotations).toEqual(['datatype', 'group', 'default']);
    expect(body.query).toContain('from(bucket: "ha")');
    expect(body.query).toContain(
      'range(start: time(v: "2026-01-01T00:00:00.000000Z"), stop: time(v: "2026-01-01T06:00:00.000000Z"))',
    );
    expect(body.query).toContain('r._measurement != "events"');
    expect(body.query).toContain(
      '(r.domain == "sensor" and r.entity_id =~ /^kitchen_.*$/) or (r.domain == "switch" and r.entity_id == "kettle")',
    );
    expect(body.query).toContain('pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")');
  });

  it('parses table blocks, quoted cells with quotes, commas and line feeds, nulls and ns times', async () => {
    const { url } = await serve(200, fixture('ha-pivot.csv'));
    const rows = await rowsOf(readInfluxRange(options(url)));
    expect(rows).toEqual([
      {
        time: START + 1_000_001,
        entity_id: 'sensor.kitchen_temperature',
        domain: 'sensor',
        state: null,
        value: 21.5,
        unit: '°C',
        attributes: { friendly_name: 'Kitchen' },
      },
      {
        time: START + 2_500_000,
        entity_id: 'sensor.kitchen_temperature',
        domain: 'sensor',
        state: null,
        value: 21.75,
        unit: '°C',
        attributes: { friendly_name: 'Kitchen, "north" side' },
      },
      {
        time: START + 3_000_000,
        entity_id: 'switch.kettle',
        domain: 'switch',
        state: 'on',
        value: 1,
        unit: null,
        attributes: { child_lock: true, note: 'line1\nline2 ünïcödé 🌡️' },
      },
      {
        time: START + 4_123_456,
        entity_id: 'switch.kettle',
        domain: 'switch',
        state: 'off',
        value: 0,
        unit: null,
        attributes: {},
      },
    ]);
  });

  it('applies the entity filter client-side too', async () => {
    const { url } = await serve(200, fixture('ha-pivot.csv'));
    const rows = await rowsOf(readInfluxRange({ ...options(url), entities: ['switch.*'] }));
    expect(rows.map((r) => r.entity_id)).toEqual(['switch.kettle', 'switch.kettle']);
  });

  it("turns Flux's in-band error table into COMMAND_FAILED with the server's text", async () => {
    const { url } = await serve(200, fixture('error-table.csv'));
    const error: unknown = await rowsOf(readInfluxRange(options(url))).catch((e: unknown) => e);
    expect(isSdkError(error, 'COMMAND_FAILED')).toBe(true);
    expect((error as Error).message).toContain('could not find bucket "ha"');
  });

  it('401 is AUTH_FAILED and the token is in no part of the error', async () => {
    const { url } = await serve(401, '{"code":"unauthorized","message":"unauthorized access"}');
    const error: unknown = await rowsOf(readInfluxRange(options(url))).catch((e: unknown) => e);
    expect(isSdkError(error, 'AUTH_FAILED')).toBe(true);
    expect((error as Error).message).toContain('unauthorized access');
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain('s3cret-token');
  });

  it('refuses bad options and entity patterns with ConfigError before any request', async () => {
    const { url, requests } = await serve(200, '');
    await expect(rowsOf(readInfluxRange({ ...options(url), end: START }))).rejects.toSatisfy(
      (e: unknown) => isSdkError(e, 'CONFIG_INVALID') && /end/.test((e as Error).message),
    );
    await expect(rowsOf(readInfluxRange({ ...options(url), entities: ['sensor.x" or true'] }))).rejects.toSatisfy(
      (e: unknown) => isSdkError(e, 'CONFIG_INVALID') && /bad entity pattern/.test((e as Error).message),
    );
    expect(requests).toHaveLength(0);
  });
});
