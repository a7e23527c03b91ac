// The v2 write path (/api/v2/write through the official client's transport) against VictoriaMetrics,
// the only v2-compatible server available here (no real InfluxDB 2.x/3.x: see the README's limitations).
import { createTestContext } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { influxSink } from '../../src/index.js';
import { requireService, uniqueName, vmExport } from '../../../../test-support/services.js';
import { temperatureEvents } from './helpers.js';

describe('influxSink v2 on VictoriaMetrics', () => {
  it('writes gzipped batches through /api/v2/write that read back point for point', async (ctx) => {
    const vm = requireService('victoria', ctx);
    const unit = uniqueName('v2unit');
    const sink = influxSink({ url: vm.url, bucket: 'ha', org: 'home', token: 'dummy-token', gzipThresholdBytes: 100 });
    const context = createTestContext();
    await sink.open?.(context);
    await sink.healthcheck?.(new AbortController().signal);
    const events = temperatureEvents(2000, { unit, rooms: 4 });
    expect(await sink.write(events.slice(0, 1000), context)).toBeUndefined();
    expect(await sink.write(events.slice(1000), context)).toBeUndefined();

    const rows = await vmExport(vm.url, `{__name__="${unit}_value"}`, {
      until: (r) => r.reduce((n, row) => n + row.values.length, 0) >= 2000,
    });
    expect(rows.map((r) => r.metric['entity_id']).sort()).toEqual([
      'room_0_temperature',
      'room_1_temperature',
      'room_2_temperature',
      'room_3_temperature',
    ]);
    // µs were written; VictoriaMetrics keeps ms, so 1000 consecutive µs share a millisecond: compare per ms.
    const expected = new Map<string, number>();
    for (const e of events) expected.set(`${e.object_id}|${Math.floor(e.last_updated / 1000)}`, Number(e.state));
    const got = new Map<string, number>();
    for (const row of rows)
      row.timestamps.forEach((t, i) => got.set(`${row.metric['entity_id']}|${t}`, row.values[i] as number));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    await sink.close?.();
  });

  it('reports a v2 server that is down as SINK_UNAVAILABLE (retryable), and its health check fails', async () => {
    const sink = influxSink({ url: 'http://127.0.0.1:9', bucket: 'ha', timeoutMs: 2000 });
    const error: unknown = await sink.write(temperatureEvents(3), createTestContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true, data: { reason: 'network' } });
    await expect(sink.healthcheck?.(new AbortController().signal)).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE' });
    await sink.close?.();
  });
});
