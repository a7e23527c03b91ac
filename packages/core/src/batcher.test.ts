import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckGroup } from './ack.js';
import { type Batch, createBatcher, estimateSize } from './batcher.js';

const tracker = { open: new Set<AckGroup>(), report: () => undefined };
const group = () => new AckGroup(undefined, 1, tracker);

describe('createBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const make = (over: Partial<{ maxSize: number; maxBytes: number; maxWaitMs: number }> = {}) => {
    const batches: Batch[] = [];
    const batcher = createBatcher({ maxSize: 3, maxBytes: 1_000_000, maxWaitMs: 5000, sizeOf: () => 10, onBatch: (b) => batches.push(b), ...over });
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
});

describe('estimateSize', () => {
  it('grows with string content and nesting', () => {
    const small = estimateSize({ entity_id: 'sensor.a', state: '1' });
    const big = estimateSize({ entity_id: 'sensor.a', state: '1', attributes: { friendly_name: 'x'.repeat(500) } });
    expect(small).toBeGreaterThan(10);
    expect(big - small).toBeGreaterThan(500);
  });
});
