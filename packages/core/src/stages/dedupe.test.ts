import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AckGroup } from '../runtime/ack.js';
import { createDedupeStore, dedupeStage, ringKey } from './dedupe.js';
import { dedupeIdentity } from '../model/identity.js';
import { noopLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import type { StageEnv } from './stage.js';

// A full collection between measurements, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const opts = { windowMs: 300_000, maxPerSeries: 16, maxWaiting: 10_000, maxSeries: 100_000 };
const sc = (entity: string, t: number) => ({
  event_type: 'state_changed',
  entity_id: entity,
  time_fired: t,
  key: `${entity}@${t}`,
});
const down = new SdkError(ErrorCode.SINK_UNAVAILABLE, 'write failed');

function harness(now: () => number, options = opts) {
  const outcomes = { duplicates: 0, failed: 0 };
  const store = createDedupeStore(options, now, {
    duplicates: (n) => (outcomes.duplicates += n),
    failed: (n) => (outcomes.failed += n),
  });
  const stage = dedupeStage(store);
  const drops: string[] = [];
  const tracker = {
    open: new Set<AckGroup>(),
    report: (e: unknown) => {
      throw e;
    },
  };
  const calls: string[] = [];
  const ack = (label: string) => ({
    onHandled: () => calls.push(`handled:${label}`),
    onFailed: (e: SdkError) => calls.push(`failed:${label}:${e.code}`),
  });
  const env: StageEnv = {
    ctx: {
      signal: new AbortController().signal,
      logger: noopLogger,
      now,
      metrics: createMetrics(),
      deadLetter: () => undefined,
      report: () => undefined,
    },
    drop: (group, reason) => {
      drops.push(reason);
      group.release(1);
    },
  };
  /** Runs one stage batch of one group; `kept`/`groups` are what goes on (the groups the taps would settle). */
  const run = (events: unknown[], label = 'g', group = new AckGroup(ack(label), events.length, tracker)) => {
    const batch = { events: [...events], groups: events.map(() => group) };
    expect(stage.run(batch, env)).toBeUndefined(); // a sync stage: no promise
    return { kept: batch.events, groups: batch.groups, group };
  };
  /** What the end of the stage loop does: releases the stage obligation of every event that went on. */
  const handle = (groups: readonly AckGroup[]) => {
    for (const g of groups) g.release(1);
  };
  return { store, run, handle, drops, calls, outcomes, tracker };
}

describe('dedupe', () => {
  it('drops an exact repeat of a committed key within the window, as duplicate', () => {
    let t = 0;
    const h = harness(() => t);
    h.handle(h.run([sc('sensor.a', 1)]).groups); // handled → commit
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(0);
    expect(h.drops).toEqual(['duplicate']);
    t = 299_999;
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(0);
    t = 300_000; // expired: a false "new" only costs an idempotent rewrite
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(1);
  });

  it('commits a key only when its event is handled downstream, never when it fails', () => {
    const h = harness(() => 0);
    const first = h.run([sc('sensor.a', 1), sc('sensor.a', 2)]);
    expect(h.store.inFlightCount()).toBe(2);
    expect(h.store.ringSize('sensor.a')).toBe(0);
    (first.groups[0] as AckGroup).fail(down);
    (first.groups[1] as AckGroup).release(1);
    expect(h.store.ringSize('sensor.a')).toBe(1); // only a@2
    expect(h.store.inFlightCount()).toBe(0);
    expect(h.calls).toEqual(['failed:g:SINK_UNAVAILABLE']);
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(1); // the replay of the failed one goes through
    expect(h.run([sc('sensor.a', 2)]).kept).toHaveLength(0);
  });

  it('tracks one, then several, then again one key in flight per series, settling in any order (issue 14: one entry kept without a Map)', () => {
    const h = harness(() => 0);
    const one = h.run([sc('sensor.a', 1)], 'one');
    expect(h.store.inFlightCount()).toBe(1);
    const more = h.run([sc('sensor.a', 2), sc('sensor.a', 3)], 'more');
    const copy = h.run([sc('sensor.a', 2), sc('sensor.a', 1)], 'copy'); // both held back on their first copies
    expect(copy.kept).toHaveLength(0);
    expect(h.store.inFlightCount()).toBe(3);
    expect(h.store.waitingCount()).toBe(2);
    (more.groups[0] as AckGroup).release(1); // a@2 handled: its copy with it
    expect(h.store.ringSize('sensor.a')).toBe(1);
    (one.groups[0] as AckGroup).fail(down); // a@1 failed: its copy fails too, nothing committed
    expect(h.calls).toEqual(['failed:copy:SINK_UNAVAILABLE', 'failed:one:SINK_UNAVAILABLE']);
    (more.groups[1] as AckGroup).release(1); // a@3 handled
    expect(h.calls).toEqual(['failed:copy:SINK_UNAVAILABLE', 'failed:one:SINK_UNAVAILABLE', 'handled:more']);
    expect(h.store.inFlightCount()).toBe(0);
    expect(h.store.waitingCount()).toBe(0);
    expect(h.store.ringSize('sensor.a')).toBe(2); // a@2, a@3
    expect(h.run([sc('sensor.a', 2)]).kept).toHaveLength(0); // committed
    const again = h.run([sc('sensor.a', 1)], 'again'); // the failed key passes, alone in flight again
    expect(again.kept).toHaveLength(1);
    expect(h.run([sc('sensor.a', 1)], 'held').kept).toHaveLength(0);
    (again.groups[0] as AckGroup).release(1);
    expect(h.calls.slice(-2)).toEqual(['handled:held', 'handled:again']);
    expect(h.store.inFlightCount()).toBe(0);
    expect(h.store.ringSize('sensor.a')).toBe(3);
    expect(h.tracker.open.size).toBe(0);
  });

  it('holds back a copy of an in-flight key and handles it (as duplicate) only when the first copy is handled', () => {
    const h = harness(() => 0);
    const ws = h.run([sc('sensor.a', 1)], 'ws');
    const mqtt = h.run([sc('sensor.a', 1)], 'mqtt');
    expect(mqtt.kept).toHaveLength(0);
    expect(h.store.waitingCount()).toBe(1);
    expect(h.calls).toEqual([]);
    const tap = ws.groups[0] as AckGroup;
    tap.retain(1); // the first copy reached a sink tap
    tap.release(1); // and left the stages
    expect(h.calls).toEqual([]); // not written yet: nobody is acked
    expect(h.outcomes).toEqual({ duplicates: 0, failed: 0 });
    tap.release(1); // written
    expect(h.calls).toEqual(['handled:mqtt', 'handled:ws']);
    expect(h.outcomes).toEqual({ duplicates: 1, failed: 0 });
    expect(h.store.waitingCount()).toBe(0);
    expect(h.store.inFlightCount()).toBe(0);
    expect(h.tracker.open.size).toBe(0);
  });

  it('fails the copies held on a first copy that fails, and a later copy passes (nothing lost)', () => {
    const h = harness(() => 0);
    const ws = h.run([sc('sensor.a', 1)], 'ws');
    h.run([sc('sensor.a', 1)], 'mqtt');
    h.run([sc('sensor.a', 1)], 'mqtt2');
    (ws.groups[0] as AckGroup).fail(down);
    expect(h.calls).toEqual([
      'failed:mqtt:SINK_UNAVAILABLE',
      'failed:mqtt2:SINK_UNAVAILABLE',
      'failed:ws:SINK_UNAVAILABLE',
    ]);
    expect(h.outcomes).toEqual({ duplicates: 0, failed: 2 });
    expect(h.store.ringSize('sensor.a')).toBe(0);
    expect(h.store.waitingCount()).toBe(0);
    const redelivered = h.run([sc('sensor.a', 1)], 'redelivered');
    expect(redelivered.kept).toHaveLength(1);
    h.handle(redelivered.groups);
    expect(h.calls.at(-1)).toBe('handled:redelivered');
  });

  it('copies crossing between two batches settle without waiting on each other (no cycle)', () => {
    const h = harness(() => 0);
    // Interleaved in the intake (emitBatch under backpressure): A = [a, b], B = [b, a].
    const tracker = h.tracker;
    const groupA = new AckGroup({ onHandled: () => h.calls.push('handled:A') }, 2, tracker);
    const groupB = new AckGroup({ onHandled: () => h.calls.push('handled:B') }, 2, tracker);
    const batch = {
      events: [sc('x.a', 1), sc('x.b', 1), sc('x.b', 1), sc('x.a', 1)],
      groups: [groupA, groupB, groupA, groupB],
    };
    expect(dedupeStage(h.store).run(batch, { ctx: {} as StageEnv['ctx'], drop: () => undefined })).toBeUndefined();
    expect(batch.events).toEqual([sc('x.a', 1), sc('x.b', 1)]);
    h.handle(batch.groups);
    expect(h.calls).toEqual(['handled:A', 'handled:B']); // each needed only the other's first copy written
    expect(tracker.open.size).toBe(0);
  });

  it('chains through two dedupe stages: the source group settles once the last per-event group is handled', () => {
    const h = harness(() => 0);
    const second = createDedupeStore(opts, () => 0);
    const afterFirst = h.run([sc('sensor.a', 1)], 'ws');
    const batch = { events: afterFirst.kept, groups: afterFirst.groups };
    expect(dedupeStage(second).run(batch, { ctx: {} as StageEnv['ctx'], drop: () => undefined })).toBeUndefined();
    h.run([sc('sensor.a', 1)], 'mqtt'); // held on the first stage's entry
    expect(h.calls).toEqual([]);
    h.handle(batch.groups);
    expect(h.calls).toEqual(['handled:mqtt', 'handled:ws']);
    expect([
      h.store.ringSize('sensor.a'),
      second.ringSize('sensor.a'),
      h.store.inFlightCount(),
      second.inFlightCount(),
    ]).toEqual([1, 1, 0, 0]);
  });

  it('holds a copy of a key repeated inside one batch on its first copy (same group)', () => {
    const h = harness(() => 0);
    const r = h.run([sc('sensor.a', 1), sc('sensor.a', 1), sc('sensor.b', 1)]);
    expect(r.kept).toEqual([sc('sensor.a', 1), sc('sensor.b', 1)]);
    h.handle(r.groups);
    expect(h.calls).toEqual(['handled:g']);
    expect(h.outcomes.duplicates).toBe(1);
  });

  it('bounds held-back copies by maxWaiting: beyond it a copy passes on (a rewrite, never a loss)', () => {
    const h = harness(() => 0, { ...opts, maxWaiting: 2 });
    const first = h.run([sc('sensor.a', 1)], 'first');
    expect(h.run([sc('sensor.a', 1)], 'c1').kept).toHaveLength(0);
    expect(h.run([sc('sensor.a', 1)], 'c2').kept).toHaveLength(0);
    const third = h.run([sc('sensor.a', 1)], 'c3');
    expect(third.kept).toHaveLength(1);
    expect(third.groups[0]).toBe(third.group); // untracked: settles its own group directly
    expect(h.store.waitingCount()).toBe(2);
    h.handle(first.groups);
    h.handle(third.groups);
    expect(h.calls).toEqual(['handled:c1', 'handled:c2', 'handled:first', 'handled:c3']);
  });

  it('clear() fails in-flight entries still open and the copies held on them, leaving nothing behind', () => {
    const h = harness(() => 0);
    h.run([sc('sensor.a', 1), sc('sensor.b', 1)], 'ws');
    h.run([sc('sensor.a', 1)], 'mqtt');
    h.store.clear();
    expect(h.calls).toEqual(['failed:mqtt:ABORTED', 'failed:ws:ABORTED']);
    expect(h.outcomes.failed).toBe(1);
    expect([h.store.inFlightCount(), h.store.waitingCount(), h.store.seriesCount()]).toEqual([0, 0, 0]);
    expect(h.tracker.open.size).toBe(0);
  });

  it('keeps memory per series bounded: 100k events of one series leave at most maxPerSeries keys', () => {
    const h = harness(() => 0);
    const series = new Array<string>(100_000).fill('sensor.a');
    const keys = series.map((_, i) => `sensor.a@${i}`);
    h.store.commit(series, keys);
    expect(h.store.ringSize('sensor.a')).toBe(16);
    expect(h.store.seriesCount()).toBe(1);
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@99999')).toBe(true);
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@99984')).toBe(true);
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@99983')).toBe(false); // forgotten → rewritten, never lost
  });

  it('keeps memory bounded through the stage: 100k events with copies leave maxPerSeries keys and no in-flight entries', () => {
    const h = harness(() => 0);
    for (let i = 0; i < 50_000; i++) {
      const first = h.run([sc('sensor.a', i)], 'ws');
      h.run([sc('sensor.a', i)], 'mqtt'); // held back while the first is in flight
      h.handle(first.groups);
    }
    expect(h.outcomes.duplicates).toBe(50_000);
    expect([
      h.store.ringSize('sensor.a'),
      h.store.seriesCount(),
      h.store.inFlightCount(),
      h.store.waitingCount(),
    ]).toEqual([16, 1, 0, 0]);
    expect(h.tracker.open.size).toBe(0);
  });

  it('forgets keys older than the window when its series commits again: memory follows the window (issue 14)', () => {
    let t = 0;
    const h = harness(() => t);
    h.store.commit(
      new Array<string>(10).fill('sensor.a'),
      Array.from({ length: 10 }, (_, i) => `sensor.a@${i}`),
    );
    t = 150_000;
    h.store.commit(['sensor.a'], ['sensor.a@100']);
    expect(h.store.ringSize('sensor.a')).toBe(11); // none expired yet
    t = 300_000; // the first ten are exactly windowMs old: expired
    h.store.commit(['sensor.a'], ['sensor.a@200']);
    expect(h.store.ringSize('sensor.a')).toBe(2);
    expect(['sensor.a@0', 'sensor.a@100', 'sensor.a@200'].map((k) => h.store.isDuplicate('sensor.a', k))).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('re-admits an expired key in place: a failure restores it, a success commits it once', () => {
    let t = 0;
    const h = harness(() => t, { ...opts, maxPerSeries: 2 });
    h.handle(h.run([sc('sensor.a', 1)]).groups);
    t = 200_000;
    h.store.commit(['sensor.a'], ['sensor.a@5']); // keeps the series alive
    t = 300_000; // a@1 expired, a@5 not
    const again = h.run([sc('sensor.a', 1)]);
    expect(again.kept).toHaveLength(1);
    expect(h.store.ringSize('sensor.a')).toBe(1); // a@1 in flight, not committed
    (again.groups[0] as AckGroup).fail(down);
    expect([h.store.ringSize('sensor.a'), h.store.inFlightCount()]).toEqual([2, 0]); // the expired commit is back
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@1')).toBe(false);
    const third = h.run([sc('sensor.a', 1)]);
    h.store.commit(['sensor.a'], ['sensor.a@2']); // order full: a@1 loses its place while in flight
    h.handle(third.groups); // a@1 takes a new place, a@5 (now the oldest) is forgotten
    expect([h.store.ringSize('sensor.a'), h.store.inFlightCount()]).toEqual([2, 0]);
    expect(['sensor.a@1', 'sensor.a@2', 'sensor.a@5'].map((k) => h.store.isDuplicate('sensor.a', k))).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('never evicts a series with keys in flight', () => {
    let t = 0;
    const h = harness(() => t);
    const inFlight = h.run([sc('sensor.a', 1)], 'ws');
    t = 600_000;
    h.store.isDuplicate('sensor.b', 'x'); // sweep
    expect(h.store.seriesCount()).toBe(1);
    h.run([sc('sensor.a', 1)], 'mqtt'); // still held on its first copy
    h.handle(inFlight.groups);
    expect(h.calls).toEqual(['handled:mqtt', 'handled:ws']);
  });

  it('evicts series whose newest key expired in a sweep driven by the clock', () => {
    let t = 0;
    const h = harness(() => t);
    h.store.commit(['sensor.a', 'sensor.b'], ['sensor.a@1', 'sensor.b@1']);
    t = 200_000;
    h.store.commit(['sensor.b'], ['sensor.b@2']);
    expect(h.store.seriesCount()).toBe(2);
    t = 400_000; // a's newest is 400 s old, b's 200 s
    h.store.isDuplicate('sensor.c', 'x');
    expect(h.store.seriesCount()).toBe(1);
    expect(h.store.ringSize('sensor.b')).toBe(2);
  });

  it('forgets a quiet series within an eighth of a window past its expiry, not up to a second window (issue 14)', () => {
    let t = 0;
    const h = harness(() => t);
    h.store.commit(['sensor.gone'], ['sensor.gone@1']); // t = 0
    t = 10_000;
    h.store.commit(['sensor.gone'], ['sensor.gone@2']); // its last key: expires at 310 s
    for (t = 20_000; t <= 350_000; t += 5_000) h.store.commit(['sensor.live'], [`sensor.live@${t}`]);
    expect(h.store.seriesCount()).toBe(1);
    expect(h.store.ringSize('sensor.gone')).toBe(0);
  });

  it('stores `series@digits` keys as the number after the @, anything else as given (issue 14)', () => {
    expect(ringKey('sensor.a', 'sensor.a@1767225600123456')).toBe(1767225600123456);
    expect(ringKey('sensor.a', 'sensor.a@0')).toBe(0);
    for (const kept of [
      'sensor.a@01', // leading zero: not the same key as @1
      'sensor.a@12#ctx', // non-state events carry the context id
      'sensor.b@12', // another series' prefix
      'sensor.ab12',
      'sensor.a@',
      'sensor.a@99999999999999999', // 17 digits
      'sensor.a@9999999999999999', // beyond 2^53
      'sensor.a@1e5',
      'custom-key',
    ])
      expect(ringKey('sensor.a', kept)).toBe(kept);
    // Both forms dedupe as before, and a number-looking custom key never meets a compacted one.
    let t = 0;
    const h = harness(() => t);
    h.store.commit(['sensor.a', 'sensor.a', 'sensor.a'], ['sensor.a@5', 'sensor.a@01', '5']);
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@5')).toBe(true);
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@01')).toBe(true);
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@1')).toBe(false);
    expect(h.store.isDuplicate('sensor.a', '5')).toBe(true);
    expect(h.store.ringSize('sensor.a')).toBe(3);
    t = 300_000;
    expect(h.store.isDuplicate('sensor.a', 'sensor.a@5')).toBe(false);
  });

  it('holds a committed state-change key in far less than its string (issue 14: 85 bytes per key before)', () => {
    const store = createDedupeStore(opts, () => 0);
    const series = Array.from({ length: 5000 }, (_, i) => `sensor.ble_tag_${i.toString(36)}_${(i * 7919) & 0xffff}`);
    const build = (s: string, k: number) => `${s}@${1767225600000000 + k * 1000}`;
    // Warm the maps up with one key per series, so the measurement counts keys, not rings.
    store.commit(
      series,
      series.map((s) => build(s, 0)),
    );
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let k = 1; k < 16; k++)
      store.commit(
        series,
        series.map((s) => build(s, k)),
      );
    gc();
    const perKey = (process.memoryUsage().heapUsed - before) / (series.length * 15);
    expect(store.ringSize(series[0] as string)).toBe(16);
    expect(perKey).toBeLessThan(60);
  });

  it('holds a sliding window of keys in a few hundred bytes per series (issue 14: ~880 with a Map per series)', () => {
    let t = 0;
    const store = createDedupeStore({ ...opts, windowMs: 60_000 }, () => t);
    const series = Array.from({ length: 3000 }, (_, i) => `sensor.tag_${i}`);
    store.commit(
      series,
      series.map((s) => `${s}@1`),
    );
    gc();
    const before = process.memoryUsage().heapUsed;
    // A sliding window: keys expire and are replaced, as in a long run.
    for (let k = 2; k < 64; k++) {
      t = k * 5_000;
      store.commit(
        series,
        series.map((s) => `${s}@${k}`),
      );
    }
    gc();
    const perSeries = (process.memoryUsage().heapUsed - before) / series.length;
    expect(store.ringSize(series[0] as string)).toBe(12);
    expect(perSeries).toBeLessThan(400);
  });

  // Issue 11: series names come from outside (entity ids, MQTT topics); their number must be bounded too.
  it('keeps at most maxSeries series: a flood of new names evicts settled ones, counted, never one in flight', () => {
    const evicted: number[] = [];
    const store = createDedupeStore({ ...opts, maxSeries: 10 }, () => 0, {
      duplicates: () => undefined,
      failed: () => undefined,
      evicted: (n) => evicted.push(n),
    });
    const tracker = { open: new Set<AckGroup>(), report: () => undefined };
    const inFlight = store.admit('sensor.busy', 'sensor.busy@1', new AckGroup(undefined, 1, tracker));
    store.commit(['sensor.real'], ['sensor.real@1']);
    for (let i = 0; i < 1000; i++) {
      store.isDuplicate('sensor.real', 'sensor.real@1'); // the real entity keeps reporting
      store.commit([`junk.${i}`], [`junk.${i}@1`]);
    }
    expect(store.seriesCount()).toBe(10);
    expect(evicted.reduce((a, b) => a + b, 0)).toBe(1000 + 2 - 10);
    expect(store.isDuplicate('sensor.real', 'sensor.real@1')).toBe(true);
    expect(store.inFlightCount()).toBe(1);
    (inFlight as AckGroup).release(1); // its series was kept: it commits
    expect(store.isDuplicate('sensor.busy', 'sensor.busy@1')).toBe(true);
  });

  it('only treats the exact same key as duplicate (different times of one entity pass)', () => {
    const h = harness(() => 0);
    h.handle(h.run([sc('sensor.a', 1)]).groups);
    expect(h.run([sc('sensor.a', 2), sc('sensor.b', 1)]).kept).toHaveLength(2);
  });

  it('dedupes events keyed by fallback (series@time_fired) and passes events without identity, in one batch', () => {
    const h = harness(() => 0);
    const noKey = { event_type: 'call_service', time_fired: 7, data: { domain: 'light', service: 'turn_on' } };
    h.handle(h.run([noKey]).groups);
    const { kept } = h.run([{ entity_id: 'x.y' }, noKey, 42, { ...noKey, time_fired: 8 }]);
    expect(kept).toEqual([{ entity_id: 'x.y' }, 42, { ...noKey, time_fired: 8 }]);
    expect(h.drops).toEqual(['duplicate']);
  });
});

describe('dedupeIdentity', () => {
  it('uses event.key, falls back to series@time_fired, and gives up without identity', () => {
    expect(dedupeIdentity(sc('light.x', 5))).toEqual({ series: 'light.x', key: 'light.x@5' });
    expect(
      dedupeIdentity({ event_type: 'call_service', time_fired: 7, data: { domain: 'light', service: 'turn_on' } }),
    ).toEqual({
      series: 'call_service:light.turn_on',
      key: 'call_service:light.turn_on@7',
    });
    expect(dedupeIdentity({ entity_id: 'x.y' })).toBeUndefined();
    expect(dedupeIdentity(42)).toBeUndefined();
  });

  it('includes provenance.home in series and key, so two homes never share an identity (issue 16)', () => {
    const at = (home: string | undefined) => ({
      ...sc('sensor.power', 5),
      provenance: { source: 'nats', mode: 'live', receivedAt: 5, ...(home === undefined ? {} : { home }) },
    });
    expect(dedupeIdentity(at('a'))).toEqual({ series: 'a:sensor.power', key: 'a:sensor.power@5' });
    expect(dedupeIdentity(at('b'))).toEqual({ series: 'b:sensor.power', key: 'b:sensor.power@5' });
    expect(dedupeIdentity(at(undefined))).toEqual({ series: 'sensor.power', key: 'sensor.power@5' });
    expect(dedupeIdentity({ ...at('a'), key: undefined })).toEqual({
      series: 'a:sensor.power',
      key: 'a:sensor.power@5',
    });
  });
});

describe('dedupe across homes', () => {
  it('keeps the same entity change of two homes and drops only a repeat within one home', () => {
    const h = harness(() => 0);
    const of = (home: string) => ({
      ...sc('sensor.power', 1),
      provenance: { source: 'nats', mode: 'live', receivedAt: 1, home },
    });
    const first = h.run([of('a'), of('b')]);
    expect(first.kept).toHaveLength(2);
    h.handle(first.groups);
    expect(h.run([of('b'), of('a'), of('c')]).kept).toEqual([of('c')]);
    expect(h.drops).toEqual(['duplicate', 'duplicate']);
  });
});
