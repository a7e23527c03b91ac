import { createSignal } from '../primitives/signal.js';
import type { AckGroup } from '../runtime/ack.js';
import type { Batcher } from './batcher.js';

/** What a delivery's buffer needs. */
export interface DeliveryBufferEnv {
  /** Events buffered (in the batcher, cut batches and the write in flight) before `push` waits. */
  readonly maxQueued: number;
  /** The `queue_depth{queue="sink:<name>"}` gauge. */
  readonly depth: { readonly set: (value: number) => void };
  readonly batcher: Pick<Batcher, 'add' | 'flush'>;
  /** Aborted when the delivery is aborted or closed: a waiting push gives up. */
  readonly signal: AbortSignal;
  /** True once the delivery is closing: pushes are refused. */
  readonly stopped: () => boolean;
  /** Fails `events[from..]`, which the delivery can no longer take (counted once). */
  readonly refuse: (events: readonly unknown[], groups: readonly AckGroup[], from: number) => void;
}

/** The bounded buffer of one sink's delivery: where backpressure reaches the pipeline. */
export interface DeliveryBuffer {
  /**
   * Takes `events[from..]` (retaining one obligation per event) into the batcher. Returns a promise only
   * when the buffer was full and it had to wait; the caller must not touch the arrays until it settles.
   */
  readonly push: (events: readonly unknown[], groups: readonly AckGroup[], from?: number) => void | Promise<void>;
  /** `count` events left the delivery (written, outboxed or failed): frees their space. */
  readonly settled: (count: number) => void;
  /** Events buffered now. */
  readonly buffered: () => number;
  /** Resolves (true) when nothing is buffered. */
  readonly whenIdle: () => Promise<boolean>;
  /** Abort failed everything held: forgets it and wakes every waiting push and `whenIdle`. */
  readonly clear: () => void;
}

/** Creates the buffer of a delivery (see {@link DeliveryBuffer}). */
export function createDeliveryBuffer(env: DeliveryBufferEnv): DeliveryBuffer {
  const { maxQueued, depth, batcher, signal } = env;
  const spaceFreed = createSignal(); // wakes a push waiting for buffer space
  const emptied = createSignal(); // wakes whenIdle()
  let buffered = 0;

  const take = (event: unknown, group: AckGroup) => {
    group.retain(1);
    buffered++;
    batcher.add(event, group);
  };

  const pushSlow = async (events: readonly unknown[], groups: readonly AckGroup[], from: number) => {
    for (let i = from; i < events.length; i++) {
      while (buffered >= maxQueued && !signal.aborted) {
        // Full: write what the batcher holds now rather than wait for its timer (maxQueued may be < maxSize).
        batcher.flush();
        await spaceFreed.wait();
      }
      if (signal.aborted) return env.refuse(events, groups, i);
      take(events[i], groups[i] as AckGroup);
    }
    depth.set(buffered);
  };

  return {
    push: (events, groups, from = 0) => {
      if (env.stopped() || signal.aborted) return env.refuse(events, groups, from);
      for (let i = from; i < events.length; i++) {
        if (buffered >= maxQueued) return pushSlow(events, groups, i);
        take(events[i], groups[i] as AckGroup);
      }
      depth.set(buffered);
      return undefined;
    },
    settled: (count) => {
      buffered = Math.max(0, buffered - count);
      depth.set(buffered);
      if (buffered < maxQueued) spaceFreed.notify();
      if (buffered === 0) emptied.notify();
    },
    buffered: () => buffered,
    // Not async, like the waiter it replaced: an extra await would shift when stop() sees the delivery idle.
    whenIdle: () => (buffered === 0 ? IDLE : emptied.wait()),
    clear: () => {
      buffered = 0;
      depth.set(0);
      spaceFreed.notify();
      emptied.notify();
    },
  };
}

// --- internal ---

const IDLE: Promise<boolean> = Promise.resolve(true);
