import { describe, expect, it } from 'vitest';
import { AckGroup } from './ack.js';
import { createDedupeStore, dedupeIdentity, dedupeStage } from './dedupe.js';
import { noopLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { ErrorCode, SdkError } from './errors.js';
import type { StageEnv } from './stage.js';

const opts = { windowMs: 300_000, maxPerSeries: 16 };
const sc = (entity: string, t: number) => ({ event_type: 'state_changed', entity_id: entity, time_fired: t, key: `${entity}@${t}` });

function harness(now: () => number) {
  const store = createDedupeStore(opts, now);
  const stage = dedupeStage(store);
  const drops: string[] = [];
  const tracker = { open: new Set<AckGroup>(), report: (e: unknown) => { throw e; } };
  const env: StageEnv = {
    ctx: { signal: new AbortController().signal, logger: noopLogger, now, metrics: createMetrics(), deadLetter: () => undefined, report: () => undefined },
    drop: (group, reason) => {
      drops.push(reason);
      group.release(1);
    },
  };
  const run = (events: unknown[], group = new AckGroup(undefined, events.length, tracker)) => {
    const batch = { events: [...events], groups: events.map(() => group) };
    expect(stage.run(batch, env)).toBeUndefined(); // a sync stage: no promise
    return { kept: batch.events, group };
  };
  return { store, run, drops };
}

describe('dedupe', () => {
  it('drops an exact repeat of a committed key within the window, as duplicate', () => {
    let t = 0;
    const h = harness(() => t);
    const first = h.run([sc('sensor.a', 1)]);
    first.group.release(1); // handled → commit
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(0);
    expect(h.drops).toEqual(['duplicate']);
    t = 299_999;
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(0);
    t = 300_000; // expired: a false "new" only costs an idempotent rewrite
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(1);
  });

  it('commits keys only after the group is handled, never when it fails', () => {
    const h = harness(() => 0);
    const pending = h.run([sc('sensor.a', 1), sc('sensor.a', 2)]);
    // not yet handled: a replay passes (conservative)
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(1);
    pending.group.fail(new SdkError(ErrorCode.SINK_UNAVAILABLE, 'write failed'));
    expect(h.run([sc('sensor.a', 1)]).kept).toHaveLength(1);
    expect(h.store.ringSize('sensor.a')).toBe(0);
    const ok = h.run([sc('sensor.a', 3)]);
    ok.group.release(1);
    expect(h.store.ringSize('sensor.a')).toBe(1);
    expect(h.run([sc('sensor.a', 3)]).kept).toHaveLength(0);
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

  it('only treats the exact same key as duplicate (different times of one entity pass)', () => {
    const h = harness(() => 0);
    h.run([sc('sensor.a', 1)]).group.release(1);
    expect(h.run([sc('sensor.a', 2), sc('sensor.b', 1)]).kept).toHaveLength(2);
  });

  it('dedupes events keyed by fallback (series@time_fired) and passes events without identity, in one batch', () => {
    const h = harness(() => 0);
    const noKey = { event_type: 'call_service', time_fired: 7, data: { domain: 'light', service: 'turn_on' } };
    h.run([noKey]).group.release(1);
    const { kept } = h.run([{ entity_id: 'x.y' }, noKey, 42, { ...noKey, time_fired: 8 }]);
    expect(kept).toEqual([{ entity_id: 'x.y' }, 42, { ...noKey, time_fired: 8 }]);
    expect(h.drops).toEqual(['duplicate']);
  });
});

describe('dedupeIdentity', () => {
  it('uses event.key, falls back to series@time_fired, and gives up without identity', () => {
    expect(dedupeIdentity(sc('light.x', 5))).toEqual({ series: 'light.x', key: 'light.x@5' });
    expect(dedupeIdentity({ event_type: 'call_service', time_fired: 7, data: { domain: 'light', service: 'turn_on' } })).toEqual({
      series: 'call_service:light.turn_on',
      key: 'call_service:light.turn_on@7',
    });
    expect(dedupeIdentity({ entity_id: 'x.y' })).toBeUndefined();
    expect(dedupeIdentity(42)).toBeUndefined();
  });
});
