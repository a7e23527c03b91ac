import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGuard, createMemoryCheckpointStore } from '@ha-ingestor/core';
import { createCheckpointWriter } from './checkpoint-writer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createCheckpointWriter', () => {
  it('writes at most once per interval, only when the watermark advanced, with time, iso and entities', async () => {
    vi.useFakeTimers();
    const store = createMemoryCheckpointStore();
    const save = vi.spyOn(store, 'save');
    let watermark: number | undefined = 1_700_000_000_000_001;
    const writer = createCheckpointWriter({
      store,
      key: 'k',
      intervalMs: 1_000,
      watermark: () => watermark,
      entities: () => ['light.a'],
      guard: createGuard({ report: vi.fn() }, 'source:test'),
    });
    writer.schedule();
    writer.schedule();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(save).toHaveBeenCalledTimes(1);
    expect(store.entries.get('k')).toEqual({
      time: 1_700_000_000_000_001,
      iso: '2023-11-14T22:13:20.000001+00:00',
      entities: ['light.a'],
    });
    writer.schedule();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(save).toHaveBeenCalledTimes(1); // unchanged watermark: no write
    watermark = undefined;
    await writer.flush();
    expect(save).toHaveBeenCalledTimes(1);
  });

  it('reports a failing store instead of throwing', async () => {
    const report = vi.fn();
    const store = { load: vi.fn(), save: vi.fn(() => Promise.reject(new Error('disk full'))) };
    const writer = createCheckpointWriter({
      store,
      key: 'k',
      intervalMs: 0,
      watermark: () => 5,
      entities: () => [],
      guard: createGuard({ report }, 'source:test'),
    });
    await writer.flush();
    expect(report).toHaveBeenCalledTimes(1);
  });
});
