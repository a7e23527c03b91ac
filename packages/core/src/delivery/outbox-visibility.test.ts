import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import { openOutbox } from '../outbox/disk.js';
import type { DeliveryOptions } from './options.js';
import type { Pipeline } from '../runtime/types.js';
import { recordingLogger } from '../../test/runtime-test-kit.js';
import type { Sink } from '../component/sink.js';
import { arraySource } from '../testing/array-source.js';
import { TEST_EVENT_TIME, makeStateChanged } from '../testing/events.js';

/** Real disk I/O under fake timers: vi.waitFor advances fake time by `interval` per check. */
const DISK = { timeout: 10_000, interval: 20 };

let dir: string;
beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), 'outbox-visible-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const events = Array.from({ length: 30 }, (_, i) =>
  makeStateChanged({ state: String(i), last_updated: TEST_EVENT_TIME + i }),
);
/** A 4000-byte outbox holds a few batches of 3 of these events, far fewer than 30. */
const delivery = (whenFull: 'block' | 'drop-oldest'): DeliveryOptions => ({
  batch: { maxSize: 3, maxWaitMs: 20 },
  retry: { retries: 0 },
  breaker: { threshold: 100, resetTimeoutMs: 100 },
  outbox: { dir, maxBytes: 4000, whenFull, fsync: 'never' },
});

function switchableSink(): { sink: Sink<unknown>; written: string[]; setUp: (up: boolean) => void } {
  const written: string[] = [];
  let up = false;
  return {
    sink: {
      kind: 'sink',
      name: 'db',
      write: async (batch) => {
        if (!up) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'connection refused');
        for (const e of batch) written.push((e as { state: string }).state);
      },
    },
    written,
    setUp: (value) => {
      up = value;
    },
  };
}

const metric = async (p: Pipeline, name: string) => p.metrics.registry.getSingleMetricAsString(name);
const sinkHealth = (p: Pipeline) => p.health().components.find((c) => c.name === 'db');

describe('a full outbox is visible (issue 11)', { timeout: 30_000 }, () => {
  it('block: one warning, the full gauge and counter, degraded health; one info and ok again once it drains', async () => {
    const log = recordingLogger();
    const db = switchableSink();
    const p = pipeline(arraySource(events)).to(db.sink, delivery('block')).build({ logger: log.logger });
    p.events.on('error', () => undefined);
    await p.start();
    await vi.waitFor(() => expect(sinkHealth(p)?.message).toContain('outbox full'), DISK);
    await vi.advanceTimersByTimeAsync(5000); // many more batches try and wait: still one warning

    const full = log.lines('warn').filter((l) => /outbox db: full/.test(l.msg));
    expect(full).toHaveLength(1);
    expect(full[0]?.fields).toMatchObject({ sink: 'db', outbox: 'db', maxBytes: 4000, whenFull: 'block' });
    expect(full[0]?.fields['bytes']).toBeGreaterThan(2000);
    expect(await metric(p, 'ha_ingestor_outbox_full')).toContain('ha_ingestor_outbox_full{sink="db"} 1');
    expect(await metric(p, 'ha_ingestor_outbox_full_total')).toContain('ha_ingestor_outbox_full_total{sink="db"} 1');
    expect(p.health().status).toBe('degraded');
    expect(sinkHealth(p)).toMatchObject({
      status: 'degraded',
      message: expect.stringMatching(/outbox full, blocking \(\d+ of 4000 bytes\)/),
    });

    db.setUp(true);
    await vi.waitFor(() => expect(db.written).toHaveLength(30), DISK);
    await vi.waitFor(() => expect(sinkHealth(p)?.status).toBe('ok'), DISK);
    expect(log.lines('info').filter((l) => /no longer full/.test(l.msg))).toHaveLength(1);
    expect(await metric(p, 'ha_ingestor_outbox_full')).toContain('ha_ingestor_outbox_full{sink="db"} 0');
    expect(await metric(p, 'ha_ingestor_outbox_full_total')).toContain('ha_ingestor_outbox_full_total{sink="db"} 1');
    expect(log.lines('warn').filter((l) => /outbox db: full/.test(l.msg))).toHaveLength(1);
    await p.stop();
  });

  it('drop-oldest: every dropped event is counted (stats, both counters) and each one is in the logs by stop', async () => {
    const log = recordingLogger();
    const src = arraySource(events);
    const db = switchableSink();
    const p = pipeline(src).to(db.sink, delivery('drop-oldest')).build({ logger: log.logger });
    p.events.on('error', () => undefined);
    await p.start();
    await vi.waitFor(() => expect(src.handled()).toBe(30), DISK); // drop-oldest never blocks: all 30 outboxed
    expect(sinkHealth(p)?.message).toContain('outbox full, dropping the oldest events');
    const stats = await p.stop();
    const dropped = stats.dropped['outbox_full'] ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(stats.outboxed['db']).toBe(30);
    expect(await metric(p, 'ha_ingestor_events_dropped_total')).toContain(
      `ha_ingestor_events_dropped_total{reason="outbox_full"} ${dropped}`,
    );
    expect(await metric(p, 'ha_ingestor_outbox_dropped_total')).toContain(
      `ha_ingestor_outbox_dropped_total{sink="db",policy="drop-oldest"} ${dropped}`,
    );
    // What is left on disk is exactly what was outboxed and not dropped: nothing vanished uncounted.
    const box = await openOutbox<{ state: string }>({ name: 'db', dir });
    expect(box.size()).toBe(30 - dropped);
    await box.close();
    const lines = log.lines('warn').filter((l) => /dropped \d+ oldest records/.test(l.msg));
    expect(lines.length).toBeLessThanOrEqual(2); // no 10 s passed: the first line, then the rest on close
    expect(lines.reduce((n, l) => n + Number(l.fields['records']), 0)).toBe(dropped);
  });
});
