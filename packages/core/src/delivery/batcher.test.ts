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
      lingerMs: 5000, // linger = max wait: the age trigger alone (linger has its own tests below)
      canWrite: () => true,
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

  describe('linger (issue 14)', () => {
    const lingering = (free: { value: boolean }, over: Partial<BatcherOptions> = {}) =>
      make({ maxSize: 100, lingerMs: 20, canWrite: () => free.value, ...over });

    it('cuts lingerMs after the first event when the writer is free, not before', () => {
      const { batches, batcher } = lingering({ value: true });
      batcher.add('a', group());
      vi.advanceTimersByTime(10);
      batcher.add('b', group());
      vi.advanceTimersByTime(9);
      expect(batches).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(batches.map((b) => b.events)).toEqual([['a', 'b']]);
      batcher.add('c', group()); // the next batch lingers again from its own first event
      vi.advanceTimersByTime(19);
      expect(batches).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(batches.map((b) => b.events)).toEqual([['a', 'b'], ['c']]);
    });

    it('while a write is in flight keeps growing the batch, and cuts it when the writer becomes idle', () => {
      const free = { value: false };
      const { batches, batcher } = lingering(free);
      batcher.writerIdle(); // nothing lingered yet: no-op
      batcher.add('a', group());
      batcher.writerIdle(); // not lingered for 20 ms yet: stays
      expect(batches).toHaveLength(0);
      vi.advanceTimersByTime(20);
      expect(batches).toHaveLength(0); // writer busy
      batcher.add('b', group());
      vi.advanceTimersByTime(500);
      batcher.add('c', group());
      expect(batches).toHaveLength(0);
      free.value = true;
      batcher.writerIdle();
      expect(batches.map((b) => b.events)).toEqual([['a', 'b', 'c']]);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('cuts at maxWaitMs even when the writer stays busy', () => {
      const { batches, batcher } = lingering({ value: false });
      batcher.add('a', group());
      vi.advanceTimersByTime(4999);
      expect(batches).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(batches.map((b) => b.events)).toEqual([['a']]);
      batcher.writerIdle(); // the cut batch is gone; nothing else to cut
      expect(batches).toHaveLength(1);
    });

    it('still cuts full batches at once, whatever the writer does', () => {
      const { batches, batcher } = lingering({ value: false }, { maxSize: 2 });
      for (const e of ['a', 'b', 'c']) batcher.add(e, group());
      expect(batches.map((b) => b.events)).toEqual([['a', 'b']]);
      expect(batcher.pending()).toBe(1);
    });

    it('reports a throw in the linger timer and fails the batch it was handing on', () => {
      const t = target();
      const failed: Batch[] = [];
      const batcher = createBatcher({
        maxSize: 100,
        maxBytes: 1_000_000,
        maxWaitMs: 5000,
        lingerMs: 20,
        canWrite: () => true,
        sizeOf: () => 10,
        onBatch: () => {
          throw new Error('consumer bug');
        },
        guard: t.guard,
        onCutFailed: (batch) => failed.push(batch),
      });
      batcher.add('a', group());
      expect(() => vi.advanceTimersByTime(20)).not.toThrow();
      expect(failed.map((b) => b.events)).toEqual([['a']]);
      expect(t.deadLetters).toMatchObject([{ reason: 'callback_failed', data: { callback: 'batch linger timer' } }]);
    });
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
      lingerMs: 50,
      canWrite: () => true,
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
