import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { HaEvent } from '@ha-ingestor/core';
import { createSignal } from '@ha-ingestor/core/resilience';
import type { CheckpointTracker, TrackedEntry } from '../recovery/checkpoint-tracker.js';

/** An event waiting for the pipeline, with its checkpoint entry. */
export interface BufferedEvent {
  readonly event: HaEvent;
  readonly entry: TrackedEntry;
}

/** Options of {@link createInboundBuffer}. */
export interface InboundBufferOptions {
  readonly maxEvents: number;
  /** Directory for NDJSON spill segments; without it, overflow drops and calls `onOverflow`. */
  readonly spillDir?: string | undefined;
  readonly maxSpillEvents: number;
  readonly tracker: CheckpointTracker;
  /** An event was dropped: the caller marks a gap (hold + backfill). */
  readonly onOverflow: (event: HaEvent) => void;
  /** Depth changed (memory + spilled), for the gauge. */
  readonly onDepth?: (depth: number) => void;
}

/** The bounded queue between the socket reader (never waits) and the emit loop (waits on the pipeline). */
export interface InboundBuffer {
  /** Synchronous; never blocks the socket handler. */
  readonly push: (event: HaEvent) => void;
  /** Takes up to `max` events in receipt order (reading spilled segments back as memory frees up). */
  readonly take: (max: number) => BufferedEvent[];
  /** Resolves when at least one event is available (true) or `signal` aborts (false). */
  readonly waitForData: (signal: AbortSignal) => Promise<boolean>;
  /** Wakes a pending {@link waitForData} without data (e.g. a backfill was requested). */
  readonly interrupt: () => void;
  readonly size: () => number;
  readonly spilled: () => number;
  /** Deletes spill files. */
  readonly close: () => void;
}

const SEGMENT_EVENTS = 10_000;
/** A partly drained buffer drops its taken head once it is this long and more than half the array. */
const COMPACT_AFTER = 256;

/**
 * Creates the inbound buffer. Memory first; when full, events spill to disk (kept in order: once
 * spilling, new events go to disk until it is drained); when that is full too, events are dropped and
 * the caller marks a gap for backfill. While events sit on disk a checkpoint hold keeps the watermark
 * below the first spilled event.
 */
export function createInboundBuffer(options: InboundBufferOptions): InboundBuffer {
  // Slots before memHead were taken and hold undefined (see take).
  const memory: (BufferedEvent | undefined)[] = [];
  let memHead = 0;
  const dataArrived = createSignal(); // wakes the emit loop
  // Spill state: segments[0] is the oldest; the last one is being written.
  const segments: { file: string; count: number }[] = [];
  let spillCount = 0;
  let segmentSeq = 0;
  let spillHoldRelease: (() => void) | undefined;
  let writeLines: string[] = [];

  const memSize = () => memory.length - memHead;
  const report = () => options.onDepth?.(memSize() + spillCount);
  const wake = dataArrived.notify;
  const flushWrites = () => {
    const last = segments[segments.length - 1];
    if (writeLines.length === 0 || last === undefined) return;
    appendFileSync(last.file, writeLines.join(''));
    writeLines = [];
  };
  const spill = (event: HaEvent) => {
    const dir = options.spillDir;
    if (dir === undefined) return false;
    if (spillCount >= options.maxSpillEvents) return false;
    if (spillCount === 0) {
      mkdirSync(dir, { recursive: true });
      spillHoldRelease = options.tracker.hold(event.time_fired);
    }
    let last = segments[segments.length - 1];
    if (last === undefined || last.count >= SEGMENT_EVENTS) {
      flushWrites();
      last = { file: join(dir, `inbound-${process.pid}-${segmentSeq++}.ndjson`), count: 0 };
      segments.push(last);
    }
    writeLines.push(`${JSON.stringify(event)}\n`);
    last.count += 1;
    spillCount += 1;
    if (writeLines.length >= 1000) flushWrites();
    return true;
  };
  const unspill = () => {
    flushWrites();
    const seg = segments.shift();
    if (seg === undefined) return;
    const text = readFileSync(seg.file, 'utf8');
    rmSync(seg.file, { force: true });
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as HaEvent;
      memory.push({ event, entry: options.tracker.track(event.time_fired) });
    }
    spillCount -= seg.count;
    if (spillCount === 0) {
      spillHoldRelease?.();
      spillHoldRelease = undefined;
    }
  };

  return {
    push: (event) => {
      if (spillCount === 0 && memSize() < options.maxEvents) {
        memory.push({ event, entry: options.tracker.track(event.time_fired) });
      } else if (!spill(event)) {
        options.onOverflow(event);
        return;
      }
      report();
      wake();
    },
    take: (max) => {
      if (memSize() === 0 && spillCount > 0) unspill();
      const end = Math.min(memory.length, memHead + max);
      const out = memory.slice(memHead, end) as BufferedEvent[];
      // Issue 14: the taken slots are cleared at once. Otherwise taken events stayed referenced until the array
      // was reset (only when empty) or compacted (past 256 taken): a buffer that is rarely empty kept them past
      // scavenges, and a dropped backing store that had become old is still scanned by the young-generation GC
      // until the next full GC. Either way they were promoted (with the ws source, ~0.8 MB per scavenge).
      memory.fill(undefined, memHead, end);
      memHead = end;
      // Taken events must not stay referenced from the array (issue 14): at 2,000/s the old rule (compact only
      // past 8,192 taken) kept ~4 s of events alive, all promoted to the old generation — ~20 MB of RSS.
      if (memHead === memory.length) {
        memory.length = 0;
        memHead = 0;
      } else if (memHead >= COMPACT_AFTER && memHead * 2 > memory.length) {
        memory.splice(0, memHead);
        memHead = 0;
      }
      report();
      return out;
    },
    waitForData: (signal) => (memSize() > 0 || spillCount > 0 ? Promise.resolve(true) : dataArrived.wait(signal)),
    interrupt: wake,
    size: () => memSize() + spillCount,
    spilled: () => spillCount,
    close: () => {
      for (const seg of segments) rmSync(seg.file, { force: true });
      segments.length = 0;
      spillCount = 0;
      writeLines = [];
      spillHoldRelease?.();
      spillHoldRelease = undefined;
    },
  };
}
