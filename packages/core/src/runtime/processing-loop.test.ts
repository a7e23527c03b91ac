import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { noopLogger } from '../observability/logger.js';
import { createTestContext } from '../testing/context.js';
import { AckGroup } from './ack.js';
import { createPipelineChannel } from './channel.js';
import { createProcessingLoop } from './processing-loop.js';
import { createBoundedQueue } from './queue.js';
import { createCounters } from './stats.js';

describe('createProcessingLoop', () => {
  it('keeps no event of a processed batch while it waits for the next (issue 14)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const ctx = createTestContext();
    const intake = createBoundedQueue<unknown, AckGroup>(100);
    const loop = createProcessingLoop({
      intake,
      runners: [],
      ctx,
      counters: createCounters(ctx.metrics),
      channel: createPipelineChannel(noopLogger, ctx.metrics),
      stageBatchSize: 50,
      onTake: () => undefined,
    });
    const running = loop.run();
    const refs: WeakRef<object>[] = [];
    let handled = false;
    // Offered from a helper, so that no local of this frame holds an event.
    const offerBatch = (): void => {
      const group = new AckGroup({ onHandled: () => (handled = true) }, 10, undefined);
      for (let i = 0; i < 10; i++) {
        const event = { n: i };
        refs.push(new WeakRef(event));
        intake.offer(event, group);
      }
    };
    offerBatch();
    await loop.whenIdle();
    expect(handled).toBe(true);
    // The loop now waits for items; WeakRefs are only cleared after the current job.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // Before: the stage batch's arrays (kept for the whole run) still held the last batch until the next one.
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    intake.close();
    await running;
  });
});
