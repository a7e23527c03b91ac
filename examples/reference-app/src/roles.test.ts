import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noopLogger, type HaEvent, type SourceContext } from '@ha-ingestor/core';
import { arraySource, makeStateChanged, waitFor } from '@ha-ingestor/core/testing';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, NatsSinkOptionsSchema } from '@ha-ingestor/nats';
import { createIngestor } from './app.js';
import { resolveConfig } from './config.js';
import { withHome } from './home-source.js';
import { natsConnectionOptions, registerNatsMetrics, type NatsLinkReport } from './roles.js';

// Issue 16: what each role builds (no NATS server needed: the link connects on start).
describe('roles', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ha-ingestor-roles-'));
    dirs.push(dir);
    return dir;
  };
  const NATS = { NATS_URL: 'nats://127.0.0.1:1' };

  it('edge: the configured sources → NATS only, link reported as edge and not connected before start', async () => {
    const config = resolveConfig(
      {},
      {
        ...NATS,
        INGESTOR_ROLE: 'edge',
        HOME_ID: 'a',
        HA_URL: 'ws://127.0.0.1:1/api/websocket',
        HA_TOKEN: 't',
        DATA_DIR: await dataDir(),
      },
    );
    const ingestor = await createIngestor(config, noopLogger);
    expect(ingestor.sinks).toEqual(['nats']);
    expect(ingestor.sources).toEqual(['ha-websocket']);
    expect(ingestor.nats?.()).toMatchObject({ role: 'edge', connected: false, server: null, pendingAcks: 0 });
  });

  it('writer: NATS → the configured sinks, no HA source', async () => {
    const config = resolveConfig(
      {},
      {
        ...NATS,
        INGESTOR_ROLE: 'writer',
        INFLUXDB_URL: 'http://127.0.0.1:1',
        INFLUXDB_API_VERSION: '1',
        INFLUXDB_DATABASE: 'x',
        FILE_SINK: 'true',
        DATA_DIR: await dataDir(),
      },
    );
    const ingestor = await createIngestor(config, noopLogger);
    expect(ingestor.sources).toEqual(['nats']);
    expect(ingestor.sinks).toEqual(['influx', 'file']);
    expect(ingestor.nats?.()).toMatchObject({ role: 'writer', connected: false, streamLag: null });
  });

  it('NATS_TLS_CA/CERT/KEY become the package’s TLS files; a certificate without its key is a config error', async () => {
    const env = {
      INGESTOR_ROLE: 'edge',
      HOME_ID: 'h1',
      NATS_URL: 'tls://nats.example:4222',
      HA_URL: 'ws://127.0.0.1:1/api/websocket',
      HA_TOKEN: 't',
      DATA_DIR: await dataDir(),
    };
    const options = natsConnectionOptions(
      resolveConfig(
        {},
        { ...env, NATS_TLS_CA: '/ssl/ca.pem', NATS_TLS_CERT: '/ssl/c.pem', NATS_TLS_KEY: '/ssl/k.pem' },
      ),
    );
    expect(options.tls).toEqual({ caFile: '/ssl/ca.pem', certFile: '/ssl/c.pem', keyFile: '/ssl/k.pem' });
    expect(NatsSinkOptionsSchema.parse({ ...options, home: 'h1' }).tls).toEqual(options.tls);
    expect(natsConnectionOptions(resolveConfig({}, { ...env, NATS_TLS_CA: '/ssl/ca.pem' })).tls).toEqual({
      caFile: '/ssl/ca.pem',
    });
    expect(natsConnectionOptions(resolveConfig({}, env)).tls).toBeUndefined();
    expect(() => resolveConfig({}, { ...env, NATS_TLS_CERT: '/ssl/c.pem' })).toThrow(/NATS_TLS_CERT and NATS_TLS_KEY/);
  });

  it('all: no NATS link', async () => {
    const ingestor = await createIngestor(
      resolveConfig({}, { MQTT_URL: 'mqtt://127.0.0.1:1', DATA_DIR: await dataDir() }),
      noopLogger,
    );
    expect(ingestor.nats).toBeUndefined();
  });

  it('HOME_ID with role all: every event carries provenance.home into the sinks', async () => {
    const dir = await dataDir();
    const config = resolveConfig({}, { HOME_ID: 'home-7', DATA_DIR: dir, BATCH_TIMEOUT: '0.01' });
    const source = arraySource([makeStateChanged({ entity_id: 'sensor.a', state: '1' }) as HaEvent]);
    const { pipeline } = await createIngestor(config, noopLogger, { sources: [source] });
    await pipeline.start();
    await waitFor(() => source.handled(), 'handled', { until: (n) => n === 1, timeoutMs: 5000, intervalMs: 10 });
    await pipeline.stop();
    const { readdir } = await import('node:fs/promises');
    const files = await readdir(join(dir, 'events'));
    const text = await readFile(join(dir, 'events', files[0] as string), 'utf8');
    expect(JSON.parse(text.trim()).provenance.home).toBe('home-7');
  });
});

describe('withHome', () => {
  it('stamps emit and emitBatch copies, leaving the source’s own objects alone', async () => {
    const provenance = { source: 's', mode: 'live' as const, receivedAt: 1 };
    const event = { ...makeStateChanged({ entity_id: 'sensor.a' }), provenance } as HaEvent;
    const seen: HaEvent[] = [];
    const wrapped = withHome(
      {
        kind: 'source',
        name: 's',
        run: async (ctx: SourceContext<HaEvent>) => {
          await ctx.emit(event);
          await ctx.emitBatch([event, event]);
        },
      },
      'b',
    );
    const ctx = {
      emit: (e: HaEvent) => {
        seen.push(e);
        return Promise.resolve();
      },
      emitBatch: (es: readonly HaEvent[]) => {
        seen.push(...es);
        return Promise.resolve();
      },
    } as unknown as SourceContext<HaEvent>;
    await wrapped.run(ctx);
    expect(seen.map((e) => e.provenance.home)).toEqual(['b', 'b', 'b']);
    expect(event.provenance).toBe(provenance);
    expect(provenance).not.toHaveProperty('home');
  });
});

describe('registerNatsMetrics', () => {
  it('exposes the link state as ha_ingestor_nats_connected/pending_acks read at scrape time, no copy of the package metrics', async () => {
    const registry = new Registry();
    let report: NatsLinkReport = {
      role: 'writer',
      connected: true,
      server: '127.0.0.1:4222',
      pendingAcks: 3,
      streamLag: 120,
      counters: { acked: 10, naked: 1, redelivered: 2, invalid: 0 },
    };
    registerNatsMetrics(registry, () => report);
    let text = await registry.metrics();
    expect(text).toContain('ha_ingestor_nats_connected 1');
    expect(text).toContain('ha_ingestor_nats_pending_acks 3');
    report = { ...report, connected: false, pendingAcks: 0 };
    text = await registry.metrics();
    expect(text).toContain('ha_ingestor_nats_connected 0');
    expect(text).toContain('ha_ingestor_nats_pending_acks 0');
    // The counters and the lag are the package's (nats_source_messages_total, nats_source_stream_lag).
    expect((await registry.getMetricsAsJSON()).map((m) => m.name)).toEqual([
      'ha_ingestor_nats_connected',
      'ha_ingestor_nats_pending_acks',
    ]);
  });

  it('a running writer and edge have the package metrics on the pipeline registry, once', async () => {
    const base = {
      NATS_URL: 'nats://user:s3cret@127.0.0.1:1',
      DATA_DIR: await mkdtemp(join(tmpdir(), 'ha-ingestor-roles-')),
    };
    try {
      const writer = await createIngestor(
        resolveConfig({}, { ...base, INGESTOR_ROLE: 'writer', FILE_SINK: 'true' }),
        noopLogger,
      );
      const edge = await createIngestor(
        resolveConfig(
          {},
          { ...base, INGESTOR_ROLE: 'edge', HOME_ID: 'a', HA_URL: 'ws://127.0.0.1:1/api/websocket', HA_TOKEN: 't' },
        ),
        noopLogger,
      );
      for (const { pipeline, nats } of [writer, edge])
        if (nats !== undefined) registerNatsMetrics(pipeline.metrics.registry, nats);
      await writer.pipeline.start();
      await edge.pipeline.start();
      try {
        const names = async (i: typeof writer) =>
          (await i.pipeline.metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.includes('nats'));
        await waitFor(() => names(writer), 'writer metrics', {
          until: (n) => n.includes('ha_ingestor_nats_source_messages_total'),
          timeoutMs: 5000,
          intervalMs: 10,
        });
        expect((await names(writer)).sort()).toEqual([
          'ha_ingestor_nats_connected',
          'ha_ingestor_nats_pending_acks',
          'ha_ingestor_nats_source_buffer_full_total',
          'ha_ingestor_nats_source_messages_total',
          'ha_ingestor_nats_source_stream_lag',
        ]);
        expect((await names(edge)).sort()).toEqual([
          'ha_ingestor_nats_connected',
          'ha_ingestor_nats_pending_acks',
          'ha_ingestor_nats_sink_publishes_total',
        ]);
        expect(await writer.pipeline.metrics.registry.metrics()).not.toContain('s3cret');
      } finally {
        await writer.pipeline.stop();
        await edge.pipeline.stop();
      }
    } finally {
      await rm(base.DATA_DIR, { recursive: true, force: true });
    }
  });
});

describe('enriched events over NATS', () => {
  it('keep every enricher field through the wire format (the writer runs no enrichers)', () => {
    const enriched = {
      ...makeStateChanged({ entity_id: 'sensor.power', state: '230', attributes: { unit_of_measurement: 'W' } }),
      provenance: { source: 'ha-websocket', mode: 'live', receivedAt: 1, home: 'a' },
      area: 'Kitchen',
      floor: { id: 'ground', name: 'Ground floor' },
      labels: ['energy', 'meter'],
      device_name: 'Meter',
      hour: 13,
      season: 'winter',
      weather: { temperature: 3.5, condition: 'rain' },
      carbon_intensity: null,
    };
    const decoded = decodeEvent(encodeEvent(enriched));
    expect(decoded.ok && decoded.event).toEqual(enriched);
  });
});
