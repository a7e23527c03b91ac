import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckGroup } from '../runtime/ack.js';
import { type Batch, type BatcherOptions, createBatcher, estimateSize } from './batcher.js';
import type { DeadLetterInput } from '../component/context.js';
import { ErrorCode, type SdkError } from '../model/errors.js';
import { createGuard } from '../observability/guard.js';

const tracker = { open: new Set<AckGroup>(), report: () => undefined };
const group = () => new AckGroup(undefined, 1, tracker);
/** A guard target that records what it was given. */
const target = () => {
  const reported: unknown[] = [];
  const deadLetters: DeadLetterInput[] = [];
  return {
    reported,
    deadLetters,
    guard: createGuard({ report: (e) => reported.push(e), deadLetter: (d) => deadLetters.push(d) }, 'sink:test'),
  };
};

describe('createBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const make = (over: Partial<BatcherOptions> = {}) => {
    const batches: Batch[] = [];
    const batcher = createBatcher({
      maxSize: 3,
      maxBytes: 1_000_000,
      maxWaitMs: 5000,
      sizeOf: () => 10,
      onBatch: (b) => batches.push(b),
      guard: target().guard,
      onCutFailed: () => expect.fail('no cut should fail'),
      ...over,
    });
    return { batches, batcher };
  };

  it('cuts a batch when maxSize events are buffered', () => {
    const { batches, batcher } = make();
    for (let i = 0; i < 7; i++) batcher.add(i, group());
    expect(batches.map((b) => b.events)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(batcher.pending()).toBe(1);
    batcher.close();
  });

  it('cuts before an event that would push the batch over maxBytes', () => {
    const { batches, batcher } = make({ maxSize: 100, maxBytes: 25 });
    for (let i = 0; i < 5; i++) batcher.add(i, group());
    expect(batches.map((b) => b.events)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(batches[0]?.bytes).toBe(20);
    batcher.close();
  });

  it('cuts when the oldest event is maxWaitMs old, not before', () => {
    const { batches, batcher } = make({ maxSize: 100 });
    batcher.add('a', group());
    vi.advanceTimersByTime(3000);
    batcher.add('b', group());
    vi.advanceTimersByTime(1999);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(batches.map((b) => b.events)).toEqual([['a', 'b']]);
    vi.advanceTimersByTime(10_000);
    expect(batches).toHaveLength(1); // no empty batches
  });

  it('flush cuts the pending batch and clears its timer', () => {
    const { batches, batcher } = make({ maxSize: 100 });
    batcher.add('a', group());
    batcher.flush();
    batcher.flush();
    expect(batches).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  // Issue 11: a throw in the age timer escaped to the process and left the batch stranded in flight.
  it('reports a throw in the age timer, fails the batch it was handing on, and keeps batching', () => {
    const t = target();
    const failed: [Batch, SdkError][] = [];
    let explode = true;
    const batches: Batch[] = [];
    const batcher = createBatcher({
      maxSize: 100,
      maxBytes: 1_000_000,
      maxWaitMs: 50,
      sizeOf: () => 10,
      onBatch: (b) => {
        if (explode) throw new Error('consumer bug');
        batches.push(b);
      },
      guard: t.guard,
      onCutFailed: (batch, error) => failed.push([batch, error]),
    });
    batcher.add('a', group());
    batcher.add('b', group());
    expect(() => vi.advanceTimersByTime(50)).not.toThrow();
    expect(failed.map(([b]) => b.events)).toEqual([['a', 'b']]);
    expect(failed[0]?.[1]).toMatchObject({ code: ErrorCode.INTERNAL, message: 'consumer bug', stage: 'sink:test' });
    expect(t.reported).toHaveLength(1);
    expect(t.deadLetters).toMatchObject([
      { reason: 'callback_failed', data: { callback: 'batch age timer', events: 2 } },
    ]);
    // Not stuck: the next event starts a new batch and its timer cuts it.
    explode = false;
    batcher.add('c', group());
    vi.advanceTimersByTime(50);
    expect(batches.map((b) => b.events)).toEqual([['c']]);
    expect(batcher.pending()).toBe(0);
  });
});

describe('estimateSize', () => {
  it('grows with string content and nesting', () => {
    const small = estimateSize({ entity_id: 'sensor.a', state: '1' });
    const big = estimateSize({ entity_id: 'sensor.a', state: '1', attributes: { friendly_name: 'x'.repeat(500) } });
    expect(small).toBeGreaterThan(10);
    expect(big - small).toBeGreaterThan(500);
  });

  it('stays two levels deep, so a 10,000-deep attribute costs a fixed amount and cannot overflow the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const shallow = estimateSize({ entity_id: 'sensor.a', attributes: { deep: { a: 1 } } });
    expect(estimateSize({ entity_id: 'sensor.a', attributes: { deep } })).toBe(shallow);
  });
});
