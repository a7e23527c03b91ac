import { describe, expect, it } from 'vitest';
import { createCheckpointTracker } from './checkpoint-tracker.js';

describe('createCheckpointTracker', () => {
  it('starts at the loaded checkpoint', () => {
    expect(createCheckpointTracker(100).watermark()).toBe(100);
    expect(createCheckpointTracker().watermark()).toBeUndefined();
  });

  it('advances only over a contiguous acknowledged prefix, not to the max acked time', () => {
    const t = createCheckpointTracker(100);
    const a = t.track(110);
    const b = t.track(120);
    const c = t.track(130);
    t.ack([c]);
    expect(t.watermark()).toBe(100);
    t.ack([a]);
    expect(t.watermark()).toBe(110);
    t.ack([b]);
    expect(t.watermark()).toBe(130);
    expect(t.pending()).toBe(0);
  });

  it('stays below an older event that is still in flight behind newer acknowledged ones', () => {
    const t = createCheckpointTracker(100);
    const a = t.track(150);
    t.track(140); // out of order (another event type, slower path) and not acked
    t.ack([a]);
    expect(t.watermark()).toBe(139);
  });

  it('holds pin the watermark below a gap until released', () => {
    const t = createCheckpointTracker(100);
    const release = t.hold(120);
    const a = t.track(130);
    t.ack([a]);
    expect(t.watermark()).toBe(119);
    release();
    expect(t.watermark()).toBe(130);
  });

  it('ignores repeated acks', () => {
    const t = createCheckpointTracker(0);
    const a = t.track(5);
    t.ack([a]);
    t.ack([a]);
    expect(t.pending()).toBe(0);
    expect(t.watermark()).toBe(5);
  });

  it('compacts after many entries without losing order', () => {
    const t = createCheckpointTracker(0);
    const entries = Array.from({ length: 20_000 }, (_, i) => t.track(i + 1));
    t.ack(entries.slice(0, 15_000));
    expect(t.watermark()).toBe(15_000);
    t.ack(entries.slice(15_000));
    expect(t.watermark()).toBe(20_000);
  });
});
