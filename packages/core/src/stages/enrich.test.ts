import { describe, expect, it } from 'vitest';
import { AckGroup } from '../runtime/ack.js';
import type { StageContext } from '../component/context.js';
import { enrichStage } from './enrich.js';
import { DROP, type Enricher } from '../component/enricher.js';
import { noopLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import type { AnyEnricher } from '../component/any.js';
import type { StageEnv } from './stage.js';

function harness() {
  const drops: string[] = [];
  const reported: unknown[] = [];
  const deadLetters: { reason: string; raw?: unknown }[] = [];
  const ctx: StageContext = {
    signal: new AbortController().signal,
    logger: noopLogger,
    now: () => 0,
    metrics: createMetrics(),
    deadLetter: (d) => deadLetters.push(d),
    report: (e) => reported.push(e),
  };
  const env: StageEnv = {
    ctx,
    drop: (group, reason) => {
      drops.push(reason);
      group.release(1);
    },
  };
  const tracker = { open: new Set<AckGroup>(), report: () => undefined };
  const batchOf = (events: unknown[]) => {
    const group = new AckGroup(undefined, events.length, tracker);
    return { events: [...events], groups: events.map(() => group) };
  };
  return { env, drops, reported, deadLetters, batchOf };
}

const enricher = (enrich: AnyEnricher['enrich'], extra: Partial<AnyEnricher> = {}): AnyEnricher => ({
  kind: 'enricher',
  name: 'e',
  enrich,
  ...extra,
});

describe('enrichStage', () => {
  it('keeps a synchronous enricher synchronous: run returns no promise and merges added fields', () => {
    const h = harness();
    const batch = h.batchOf([
      { a: 1, state: 'x' },
      { a: 2, state: 'y' },
    ]);
    const result = enrichStage(enricher((e: { a: number }) => ({ b: e.a * 10, state: 'overwritten' }))).run(
      batch,
      h.env,
    );
    expect(result).toBeUndefined();
    expect(batch.events).toEqual([
      { a: 1, b: 10, state: 'overwritten' },
      { a: 2, b: 20, state: 'overwritten' },
    ]);
  });

  it('gives every enricher an object nobody writes to afterwards: later enrichers and merges leave it as it was', () => {
    const h = harness();
    const source = { a: 1, state: 'on' };
    const seen: Record<string, unknown>[] = [];
    const first = enrichStage(
      enricher((e: Record<string, unknown>) => {
        seen.push(e);
        return { area: 'kitchen', state: 'first' };
      }),
    );
    const second = enrichStage(
      enricher((e: Record<string, unknown>) => {
        seen.push(e);
        return { hour: 3, state: 'second' };
      }),
    );
    const batch = h.batchOf([source]);
    void first.run(batch, h.env);
    void second.run(batch, h.env);
    expect(source).toEqual({ a: 1, state: 'on' });
    expect(seen[0]).toBe(source);
    expect(seen[1]).toEqual({ a: 1, state: 'first', area: 'kitchen' });
    expect(seen[1]).not.toBe(source);
    expect(batch.events[0]).toEqual({ a: 1, state: 'second', area: 'kitchen', hour: 3 });
    expect(batch.events[0]).not.toBe(seen[1]);
  });

  it("keeps an own __proto__ key of the event or the result as data: the merged event's prototype is Object's", () => {
    const h = harness();
    const hostile = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const added = JSON.parse('{"b":2,"__proto__":{"injected":true}}') as Record<string, unknown>;
    const batch = h.batchOf([hostile, { a: 2 }]);
    void enrichStage(enricher(() => added)).run(batch, h.env);
    for (const merged of batch.events as Record<string, unknown>[]) {
      expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
      expect(merged['polluted']).toBeUndefined();
      expect(merged['injected']).toBeUndefined();
      expect(Object.hasOwn(merged, '__proto__')).toBe(true);
      expect(merged['b']).toBe(2);
    }
  });

  it('mixes sync and async results, awaiting once per batch and keeping order', async () => {
    const h = harness();
    const batch = h.batchOf([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const e: Enricher<{ n: number }, { m: number }> = {
      kind: 'enricher',
      name: 'mixed',
      enrich: (x) => (x.n % 2 === 0 ? Promise.resolve({ m: x.n * 2 }) : { m: x.n * 2 }),
    };
    const result = enrichStage(e as unknown as AnyEnricher).run(batch, h.env);
    expect(result).toBeInstanceOf(Promise);
    await result;
    expect(batch.events).toEqual([
      { n: 1, m: 2 },
      { n: 2, m: 4 },
      { n: 3, m: 6 },
    ]);
  });

  it('drops on DROP (reason enricher) and isolates a throwing event (dead-letter enricher_error), keeping the rest', async () => {
    const h = harness();
    const batch = h.batchOf([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    await enrichStage(
      enricher((x: { n: number }) => {
        if (x.n === 1) return DROP;
        if (x.n === 2) throw new Error('bad event');
        if (x.n === 3) return Promise.reject(new Error('bad async'));
        return { ok: true };
      }),
    ).run(batch, h.env);
    expect(batch.events).toEqual([{ n: 4, ok: true }]);
    expect(batch.groups).toHaveLength(1);
    expect(h.drops).toEqual(['enricher', 'enricher_error', 'enricher_error']);
    expect(h.deadLetters).toEqual([
      expect.objectContaining({ reason: 'enricher_error', raw: { n: 2 } }),
      expect.objectContaining({ reason: 'enricher_error', raw: { n: 3 } }),
    ]);
    expect(h.reported).toHaveLength(2);
  });

  it('uses enrichBatch when present, and falls back to per-event enrich when it throws', async () => {
    const h = harness();
    let perEvent = 0;
    const batched = enricher(
      (x: { n: number }) => {
        perEvent++;
        return { v: x.n };
      },
      { enrichBatch: (xs: readonly { n: number }[]) => xs.map((x) => ({ v: x.n + 100 })) },
    );
    const b1 = h.batchOf([{ n: 1 }]);
    expect(enrichStage(batched).run(b1, h.env)).toBeUndefined();
    expect(b1.events).toEqual([{ n: 1, v: 101 }]);
    expect(perEvent).toBe(0);

    const failing = enricher((x: { n: number }) => ({ v: x.n }), {
      enrichBatch: () => Promise.reject(new Error('batch failed')),
    });
    const b2 = h.batchOf([{ n: 1 }, { n: 2 }]);
    await enrichStage(failing).run(b2, h.env);
    expect(b2.events).toEqual([
      { n: 1, v: 1 },
      { n: 2, v: 2 },
    ]);
    expect(h.reported).toHaveLength(1);
  });
});
