import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ErrorCode,
  createFileCheckpointStore,
  createMemoryCheckpointStore,
  createRegistryStore,
  isSdkError,
  pipeline,
} from '@ha-ingestor/core';
import type { HaEvent, Pipeline, SourceStatus } from '@ha-ingestor/core';
import { waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import { haWebSocketSource } from '../../src/ha-websocket-source.js';
import type { HaWebSocketHooks } from '../../src/ha-websocket-source.js';
import type { HaWebSocketOptions } from '../../src/options.js';
import { capturingLogger, collectingSink, exactlyOnceReport, stateChangeKeys, unrecoverableInGap } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function simulator(options: Parameters<typeof createHaSimulator>[0] = {}): Promise<HaSimulator> {
  const sim = await createHaSimulator({ seed: 7, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ha-ws-it-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Fast timings for tests: reconnect within tens of ms. */
const FAST = {
  // Generous: sim.step() runs synchronously in this process and the machine is shared (no spurious dead links).
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 2_000,
  connectTimeoutMs: 2_000,
  checkpointIntervalMs: 10,
  reconnect: { minDelayMs: 10, maxDelayMs: 50, stableAfterMs: 60_000 },
} satisfies Partial<HaWebSocketOptions>;

interface Running {
  readonly pipeline: Pipeline;
  readonly events: HaEvent[];
  readonly statuses: { at: number; status: SourceStatus }[];
  readonly logLines: string[];
  readonly deadLetters: { reason: string; message: string }[];
}

async function run(
  sim: HaSimulator,
  options: Partial<HaWebSocketOptions> = {},
  hooks: HaWebSocketHooks = {},
  sinkDelayMs?: number,
): Promise<Running> {
  const sink = collectingSink(sinkDelayMs === undefined ? {} : { delayMs: sinkDelayMs });
  const logger = capturingLogger();
  const p = pipeline(haWebSocketSource({ url: sim.url, token: sim.token, ...FAST, ...options }, hooks))
    .to(sink, { batch: { maxSize: 1_000, maxWaitMs: 5 } })
    .build({ logger });
  const statuses: Running['statuses'] = [];
  const deadLetters: Running['deadLetters'] = [];
  p.events.on('source:status', (_name, status) => statuses.push({ at: Date.now(), status }));
  p.events.on('dead-letter', (record) => deadLetters.push(record));
  p.events.on('error', () => undefined);
  await p.start();
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await p.stop();
  });
  const stop = p.stop;
  return {
    pipeline: { ...p, stop: async () => ((stopped = true), stop()) },
    events: sink.events,
    statuses,
    logLines: logger.lines,
    deadLetters,
  };
}

const emittedWire = (sim: HaSimulator) => sim.emitted.map((e) => e.event);
const connectedCount = (r: Running) => r.statuses.filter((s) => s.status.connected).length;

describe('haWebSocketSource against the HA simulator', () => {
  it('delivers every state change exactly once across 5 forced drops with events fired in each gap', async () => {
    const sim = await simulator();
    const r = await run(sim);
    await waitFor(() => connectedCount(r), 'first connect', { until: (n) => n === 1 });
    const unrecoverable = new Set<string>();
    const expectedKeys = () => stateChangeKeys(emittedWire(sim)).filter((k) => !unrecoverable.has(k));
    const started = Date.now();
    for (let drop = 0; drop < 5; drop++) {
      sim.step(800);
      await waitFor(
        () => exactlyOnceReport(expectedKeys(), r.events).missing.length === 0,
        `delivery before drop ${drop}`,
      ).catch((e: unknown) => {
        const rep = exactlyOnceReport(expectedKeys(), r.events);
        const ent = rep.missing[0]?.split('@')[0];
        const hist = sim.emitted
          .filter((x) => x.entity_id === ent)
          .map((x) => ({ seq: x.seq, t: x.event.time_fired, d: JSON.stringify(x.event.data).slice(0, 150) }));
        console.error(
          JSON.stringify({
            n: rep.missing.length,
            m: rep.missing.slice(0, 4),
            u: rep.unexpected.slice(0, 6),
            got: r.events.filter((x) => x.key.startsWith(`${ent}@`)).map((x) => [x.key, x.provenance.mode]),
            hist: hist.map((h) => [h.seq, h.t]),
          }),
          r.logLines.join('\n'),
        );
        throw e;
      });
      sim.faults.dropConnections();
      // Fired while the source is disconnected: only the recorder has them.
      for (const k of unrecoverableInGap(sim.step(200).map((e) => e.event))) unrecoverable.add(k);
      await waitFor(() => connectedCount(r), `reconnect ${drop + 1}`, { until: (n) => n === drop + 2 });
    }
    const expected = expectedKeys();
    await waitFor(() => exactlyOnceReport(expected, r.events).missing, 'all state changes', {
      until: (missing) => missing.length === 0,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(sim.connectionCount()).toBe(1);
    await r.pipeline.stop();
    const metric = async (name: string) =>
      (await r.pipeline.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
    expect(await metric('ha_ingestor_source_reconnects_total')).toBe(5);
    expect(await metric('ha_ingestor_backfill_gaps_total')).toBe(5);
    expect(await metric('ha_ingestor_source_frames_received_total')).toBeGreaterThan(0);
    expect(await metric('ha_ingestor_source_messages_received_total')).toBeGreaterThanOrEqual(
      await metric('ha_ingestor_source_frames_received_total'),
    );
    expect(await metric('ha_ingestor_backfilled_events_total')).toBe(
      r.events.filter((e) => e.provenance.mode === 'backfill').length,
    );
    const report = exactlyOnceReport(expected, r.events);
    expect(expected.length).toBeGreaterThanOrEqual(4_000);
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    // The only keys not expected are unrecoverable ones that happened to arrive anyway (none, in practice).
    expect(report.unexpected.filter((k) => !unrecoverable.has(k))).toEqual([]);
    expect(unrecoverable.size).toBeLessThan(20);
    const backfilled = r.events.filter((e) => e.provenance.mode === 'backfill').length;
    expect(backfilled).toBeGreaterThanOrEqual(5 * 150);
    console.info(
      `[figures] ${expected.length} state changes (${backfilled} via backfill, ${unrecoverable.size} unrecoverable: entity born and removed inside a gap) through 5 drops in ${seconds.toFixed(2)} s`,
    );
  });

  it('after a process restart with a persisted checkpoint, the gap arrives via backfill, once', async () => {
    const sim = await simulator();
    const checkpoints = createFileCheckpointStore({ dir: tempDir(), fsync: false });
    const first = await run(sim, {}, { checkpoints });
    await waitFor(() => connectedCount(first), 'first connect', { until: (n) => n === 1 });
    sim.step(500);
    const before = stateChangeKeys(emittedWire(sim));
    await waitFor(() => exactlyOnceReport(before, first.events).missing, 'first run delivery', {
      until: (missing) => missing.length === 0,
    });
    await first.pipeline.stop();
    const saved = await checkpoints.load<{ time: number }>(`ha-websocket:${new URL(sim.url).host}`);
    expect(saved?.time).toBeGreaterThan(0);

    // While the process is down. Entities born and removed inside the gap cannot be asked for (see README).
    const unrecoverable = unrecoverableInGap(sim.step(300).map((e) => e.event));
    const gap = stateChangeKeys(emittedWire(sim))
      .slice(before.length)
      .filter((k) => !unrecoverable.has(k));
    const second = await run(sim, {}, { checkpoints });
    await waitFor(() => exactlyOnceReport(gap, second.events).missing, 'gap via backfill', {
      until: (missing) => missing.length === 0,
    }).catch((e: unknown) => {
      const rep = exactlyOnceReport(gap, second.events);
      console.error(
        JSON.stringify({
          n: rep.missing.length,
          of: gap.length,
          got: second.events.length,
          s: rep.missing.slice(0, 3),
          saved,
        }),
        second.logLines.join('\n'),
      );
      throw e;
    });
    await second.pipeline.stop();
    const report = exactlyOnceReport(gap, second.events);
    expect(report.duplicated).toEqual([]);
    // Nothing of the first run is delivered again.
    expect(report.unexpected.filter((k) => !unrecoverable.has(k))).toEqual([]);
    expect(
      second.events.filter((e) => e.event_type === 'state_changed').every((e) => e.provenance.mode === 'backfill'),
    ).toBe(true);
  });

  it('detects a dead link (pings ignored) and reconnects within interval + timeout', async () => {
    const sim = await simulator();
    const r = await run(sim, {
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 100,
      reconnect: { minDelayMs: 0, maxDelayMs: 1, stableAfterMs: 60_000 },
    });
    await waitFor(() => connectedCount(r), 'first connect', { until: (n) => n === 1 });
    sim.faults.ignorePings(true);
    const since = Date.now();
    await waitFor(() => r.statuses.some((s) => !s.status.connected && s.at >= since), 'dead link detected', {
      timeoutMs: 5_000,
    });
    const detectedAfter = (r.statuses.find((s) => !s.status.connected && s.at >= since)?.at ?? 0) - since;
    sim.faults.ignorePings(false);
    await waitFor(() => connectedCount(r), 'reconnect', { until: (n) => n === 2, timeoutMs: 5_000 });
    // setStatus drives the ha_ingestor_source_connected gauge.
    const gauge = await r.pipeline.metrics.sourceConnected.get();
    expect(gauge.values.find((v) => v.labels.source === 'ha-websocket')?.value).toBe(1);
    // interval + timeout, plus slack for timer scheduling on a loaded machine (the logic itself is proven with fake timers).
    expect(detectedAfter).toBeLessThanOrEqual(100 + 100 + 400);
    expect(r.statuses.find((s) => !s.status.connected && s.at >= since)?.status.message).toMatch(/dead link/);
    console.info(`[figures] dead link detected after ${detectedAfter} ms (interval 100 + timeout 100)`);
  });

  it('survives a malformed frame and a slow pipeline without crash or loss', async () => {
    const sim = await simulator();
    const r = await run(sim, { emitBatchSize: 50 }, {}, 20);
    await waitFor(() => connectedCount(r), 'first connect', { until: (n) => n === 1 });
    sim.faults.sendMalformedFrame();
    sim.fireEvent('call_service', { domain: 5, service: 'turn_on' }); // invalid shape: dead-lettered, not fatal
    sim.step(1_500);
    const expected = stateChangeKeys(emittedWire(sim));
    await waitFor(() => exactlyOnceReport(expected, r.events).missing, 'all events through the slow sink', {
      until: (missing) => missing.length === 0,
      timeoutMs: 30_000,
    });
    expect(sim.connectionCount()).toBe(1);
    expect(connectedCount(r)).toBe(1);
    await r.pipeline.stop();
    expect(exactlyOnceReport(expected, r.events)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(r.deadLetters.some((d) => d.reason === 'invalid_frame')).toBe(true);
    expect(r.deadLetters.some((d) => d.reason === 'invalid_event')).toBe(true);
  });

  it('issue 11: a state nested 3,000 deep is dead-lettered as json_too_deep alone; its frame-mates and later events flow, the connection stays', async () => {
    const sim = await simulator();
    const r = await run(sim, { emitBatchSize: 50 });
    await waitFor(() => connectedCount(r), 'first connect', { until: (n) => n === 1 });
    const deep = JSON.parse(`${'['.repeat(3000)}${']'.repeat(3000)}`) as unknown;
    sim.step(20); // queued in the same tick as the hostile one: HA coalesces them into one frame
    const hostile = sim.setState('sensor.hostile', 'on', { nested: deep });
    sim.step(200);
    const hostileKey = stateChangeKeys([hostile.event])[0];
    const expected = stateChangeKeys(emittedWire(sim)).filter((k) => k !== hostileKey);
    expect(expected.length).toBeGreaterThan(150);
    await waitFor(() => exactlyOnceReport(expected, r.events).missing, 'all other events', {
      until: (missing) => missing.length === 0,
      timeoutMs: 30_000,
    });
    expect(sim.connectionCount()).toBe(1);
    expect(connectedCount(r)).toBe(1);
    await r.pipeline.stop();
    expect(exactlyOnceReport(expected, r.events)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    const refused = r.deadLetters.filter((d) => d.reason === 'json_too_deep');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.message).toMatch(/nests deeper than 32 levels/);
  });

  it('fails auth fatally with AUTH_FAILED after exactly one attempt, never showing the token', async () => {
    const token = 'TOKEN-MUST-NOT-LEAK-5f1e0c9a2b7d';
    const sim = await simulator({ token: 'the-right-token-abcdef' });
    const sink = collectingSink();
    const logger = capturingLogger();
    let attempts = 0;
    const createSocket: NonNullable<HaWebSocketHooks['createSocket']> = (url, options) => {
      attempts += 1;
      return new WebSocket(url, options);
    };
    const p = pipeline(haWebSocketSource({ url: sim.url, token, ...FAST }, { createSocket }))
      .to(sink)
      .build({ logger });
    const errors: unknown[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    cleanups.push(async () => void (await p.stop()));
    const failure = await p.idle().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSdkError(failure, ErrorCode.AUTH_FAILED)).toBe(true);
    // An absence has no condition to wait for: a reconnect loop would have tried again within its longest
    // backoff (FAST.reconnect.maxDelayMs), so give it four of those.
    await new Promise((resolve) => setTimeout(resolve, 4 * FAST.reconnect.maxDelayMs));
    expect(attempts).toBe(1);
    const everything = [
      String((failure as Error).message),
      JSON.stringify(failure),
      ...errors.map((e) => JSON.stringify(e)),
      ...logger.lines,
    ].join('\n');
    expect(everything).not.toContain(token);
    expect((failure as Error).message).toMatch(/refused the access token/);
  });

  it('truncates a gap longer than backfill.maxGapMs with a warning and a metric', async () => {
    const sim = await simulator();
    const checkpoints = createMemoryCheckpointStore();
    const key = `ha-websocket:${new URL(sim.url).host}`;
    await checkpoints.save(key, { time: (Date.now() - 20 * 86_400_000) * 1000, iso: 'old' });
    const r = await run(sim, {}, { checkpoints });
    await waitFor(() => r.logLines.some((l) => l.includes('backfill complete')), 'backfill done');
    const metric = await r.pipeline.metrics.registry.getSingleMetric('ha_ingestor_backfill_truncated_total')?.get();
    expect(metric?.values[0]?.value).toBe(1);
    expect(r.logLines.some((l) => l.includes('longer than backfill.maxGapMs'))).toBe(true);
    await r.pipeline.stop();
  });

  it('syncs registries into the RegistryStore on connect', async () => {
    const sim = await simulator();
    const registry = createRegistryStore();
    const r = await run(sim, {}, { registry });
    await waitFor(
      () => registry.snapshot().entities.size > 0 && registry.snapshot().config !== undefined,
      'registry sync',
    );
    const snap = registry.snapshot();
    expect(snap.areas.size).toBeGreaterThan(0);
    expect(snap.devices.size).toBeGreaterThan(0);
    expect(snap.config?.time_zone).toBe('Europe/Amsterdam');
    await r.pipeline.stop();
  });
});
