import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HaEvent } from '@ha-ingestor/core';
import { createCheckpointTracker } from '../recovery/checkpoint-tracker.js';
import { createInboundBuffer } from './inbound-buffer.js';

const ev = (n: number): HaEvent => ({
  event_type: 'test_event',
  data: { n },
  time_fired: 1_000 + n,
  context: null,
  provenance: { source: 'test', mode: 'live', receivedAt: 0 },
  key: `test_event@${1_000 + n}#`,
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('createInboundBuffer', () => {
  it('hands events out in receipt order and tracks each one', () => {
    const tracker = createCheckpointTracker(0);
    const buf = createInboundBuffer({ maxEvents: 10, maxSpillEvents: 10, tracker, onOverflow: vi.fn() });
    for (let i = 0; i < 5; i++) buf.push(ev(i));
    expect(buf.take(3).map((b) => b.event.time_fired)).toEqual([1000, 1001, 1002]);
    expect(buf.take(10).map((b) => b.event.time_fired)).toEqual([1003, 1004]);
    expect(tracker.pending()).toBe(5);
  });

  it('keeps no reference to taken events (issue 14: ~4 s of events were retained at 2,000/s)', async () => {
    const { gc, buf, refs, pushTracked } = weaklyTrackedBuffer();
    // Drained partly while more keep arriving (the head is compacted), then completely.
    for (let i = 0; i < 600; i++) {
      pushTracked(i);
      if (i % 3 === 2) buf.take(2);
    }
    expect(buf.take(10_000).length).toBe(200);
    buf.push(ev(1_000));
    // WeakRefs are only cleared after the current job: let it end before collecting.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.filter((r) => r.deref() !== undefined)).toEqual([]);
    expect(buf.take(5).map((b) => b.event.time_fired)).toEqual([2_000]);
  });

  it('drops taken events at once while others are still queued (issue 14: promoted in every scavenge)', async () => {
    const { gc, buf, refs, pushTracked } = weaklyTrackedBuffer();
    // A buffer that is never empty and never far ahead: no reset, no compaction (fewer than 256 taken).
    for (let i = 0; i < 10; i++) pushTracked(i);
    expect(buf.take(5)).toHaveLength(5);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // Before: the five taken stayed referenced from the array (and, once its store was old, were promoted).
    expect(refs.map((r) => r.deref() !== undefined)).toEqual([
      ...Array<boolean>(5).fill(false),
      ...Array<boolean>(5).fill(true),
    ]);
    expect(buf.take(10).map((b) => b.event.time_fired)).toEqual([1005, 1006, 1007, 1008, 1009]);
  });

  it('without a spill dir drops beyond maxEvents and reports the overflow', () => {
    const onOverflow = vi.fn();
    const depth = vi.fn();
    const buf = createInboundBuffer({
      maxEvents: 2,
      maxSpillEvents: 10,
      tracker: createCheckpointTracker(0),
      onOverflow,
      onDepth: depth,
    });
    for (let i = 0; i < 4; i++) buf.push(ev(i));
    expect(buf.size()).toBe(2);
    expect(onOverflow).toHaveBeenCalledTimes(2);
    expect(depth).toHaveBeenLastCalledWith(2);
  });

  it('spills to disk in order, holds the checkpoint meanwhile and cleans up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ha-inbound-'));
    dirs.push(dir);
    const tracker = createCheckpointTracker(0);
    const onOverflow = vi.fn();
    const buf = createInboundBuffer({ maxEvents: 3, spillDir: dir, maxSpillEvents: 5, tracker, onOverflow });
    for (let i = 0; i < 10; i++) buf.push(ev(i));
    expect(buf.spilled()).toBe(5);
    expect(onOverflow).toHaveBeenCalledTimes(2);
    const first = buf.take(100);
    tracker.ack(first.map((b) => b.entry));
    // Spilled events (first at 1003) are not tracked yet: the hold keeps the watermark below them.
    expect(tracker.watermark()).toBe(1002);
    const rest = buf.take(100);
    expect([...first, ...rest].map((b) => b.event.time_fired)).toEqual([
      1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007,
    ]);
    tracker.ack(rest.map((b) => b.entry));
    expect(tracker.watermark()).toBe(1007);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('waitForData resolves on push and on interrupt', async () => {
    const buf = createInboundBuffer({
      maxEvents: 2,
      maxSpillEvents: 1,
      tracker: createCheckpointTracker(0),
      onOverflow: vi.fn(),
    });
    const signal = new AbortController().signal;
    const waiting = buf.waitForData(signal);
    buf.push(ev(1));
    await waiting;
    buf.take(1);
    const interrupted = buf.waitForData(signal);
    buf.interrupt();
    await interrupted;
    expect(buf.size()).toBe(0);
  });
});

/** A buffer whose pushed events are followed by weak references, and a way to force a full GC. */
function weaklyTrackedBuffer() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const buf = createInboundBuffer({
    maxEvents: 10_000,
    maxSpillEvents: 0,
    tracker: createCheckpointTracker(0),
    onOverflow: vi.fn(),
  });
  const refs: WeakRef<HaEvent>[] = [];
  // Pushed from a helper, so that no local of the test's frame holds the last event.
  const pushTracked = (n: number): void => {
    const e = ev(n);
    refs.push(new WeakRef(e));
    buf.push(e);
  };
  return { gc, buf, refs, pushTracked };
}
