import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { withRetry } from './retry.js';

/**
 * Issue 14: what a finished write referenced must die young. A retention that only the young-generation GC
 * sees (a heap snapshot's full GC does not) promoted every batch to the old generation: ~2 MB per scavenge at
 * any rate, so every scavenge copied it and took 15–20 ms. These tests count what two young-generation GCs
 * move to the old space after writes that are over.
 */
describe('young-generation retention of finished writes (issue 14)', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor'; execution: 'sync' }) => void;
  const oldSpaceUsed = (): number =>
    getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
  /** ~1 MB of young objects, like a batch with its points and lines. */
  const makePayload = (): { s: string }[] =>
    Array.from({ length: 1000 }, (_, i) => ({ s: `${i}`.padStart(1000, 'x') }));
  const PAYLOAD_BYTES = 1000 * 1000;

  /** Old-space growth over `rounds` finished calls of `run`, each followed by two young-generation GCs. */
  const promotedAfter = async (run: (payload: { s: string }[]) => Promise<unknown>, rounds: number) => {
    // Allocated and awaited in a helper frame, so that nothing of this test holds the payload afterwards.
    const once = async () => {
      await run(makePayload());
    };
    for (let i = 0; i < 30; i++) await once(); // warm-up: inline caches and map transitions settle
    gc({ type: 'major', execution: 'sync' });
    const before = oldSpaceUsed();
    for (let i = 0; i < rounds; i++) {
      await once();
      await new Promise((resolve) => setImmediate(resolve));
      gc({ type: 'minor', execution: 'sync' });
      gc({ type: 'minor', execution: 'sync' });
    }
    return oldSpaceUsed() - before;
  };

  it('withRetry keeps nothing its attempt captured once it has settled', async () => {
    const promoted = await promotedAfter(
      (payload) => withRetry(() => Promise.resolve(payload.length), { retries: 5, minDelayMs: 1, maxDelayMs: 1 }),
      10,
    );
    // Before the fix: ~10 payloads (every one was promoted). Some old-space growth of its own is allowed.
    expect(promoted).toBeLessThan(2 * PAYLOAD_BYTES);
  });

  it('the measurement sees a payload that is still referenced across the GCs (the test can fail)', async () => {
    const kept: unknown[] = [];
    const promoted = await promotedAfter((payload) => {
      kept.push(payload);
      return Promise.resolve();
    }, 10);
    expect(promoted).toBeGreaterThan(5 * PAYLOAD_BYTES); // ~8 MB measured
    kept.length = 0;
  });
});
