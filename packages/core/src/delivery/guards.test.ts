import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, SdkError } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import { noopLogger } from '../observability/logger.js';
import { createRuntime } from '../runtime/runtime.js';
import {
  ackRecorder,
  manualSource,
  memoryOutbox,
  memorySink,
  settle,
  stateEvent,
} from '../../test/runtime-test-kit.js';

type Ev = ReturnType<typeof stateEvent>;

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A logger whose lines matching `pattern` throw (a broken transport): what the delivery logs must not break it. */
function throwingLogger(pattern: RegExp): Logger {
  const at = (obj: unknown, msg?: string) => {
    const text = typeof obj === 'string' ? obj : (msg ?? '');
    if (pattern.test(text)) throw new Error(`log transport down: ${text}`);
  };
  return { ...noopLogger, info: at, warn: at, error: at, child: () => throwingLogger(pattern) };
}

describe('delivery callbacks and tasks survive throws (issue 11)', () => {
  it('a breaker transition whose logging throws (from opossum’s timer) is reported, and the outbox still drains', async () => {
    let up = false;
    const sink = memorySink<Ev>('db', () => {
      if (!up) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'connection refused');
    });
    const box = memoryOutbox();
    const src = manualSource<Ev>();
    const p = createRuntime({
      sources: [src.source],
      stages: [
        {
          kind: 'sink',
          sink: sink.sink,
          delivery: {
            batch: { maxSize: 1 },
            retry: { retries: 0 },
            breaker: { threshold: 1, resetTimeoutMs: 100 },
            outbox: { dir: '/unused' },
          },
        },
      ],
      options: { logger: throwingLogger(/circuit breaker/) },
      deps: { openOutbox: box.open },
    });
    const errors: SdkError[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1));
    await settle();
    expect(box.entries).toHaveLength(1); // the breaker opened (its log line threw) and the batch was outboxed
    up = true;
    await vi.advanceTimersByTimeAsync(100); // half-open from opossum's reset timer: its listener's log throws
    await settle();
    expect(sink.written.map((e) => e.time_fired)).toEqual([1]);
    expect(box.entries).toHaveLength(0);
    expect(errors.map((e) => e.data?.['callback'])).toEqual([
      'breaker open listener',
      'breaker half-open listener',
      'breaker closed listener',
    ]);
    await p.stop();
  });

  it('a throw in the write path fails that batch (its source keeps it) and the writer goes on with the next', async () => {
    let calls = 0;
    const sink = memorySink<Ev>('db', () => {
      if (calls++ === 0) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'connection refused');
    });
    const acks = ackRecorder();
    const src = manualSource<Ev>();
    const box = memoryOutbox();
    const p = createRuntime({
      sources: [src.source],
      // The failed write is logged ("unavailable, batch moved to the outbox") before the append: that line throws.
      stages: [
        {
          kind: 'sink',
          sink: sink.sink,
          delivery: { batch: { maxSize: 1 }, retry: { retries: 0 }, outbox: { dir: '/unused' } },
        },
      ],
      options: { logger: throwingLogger(/unavailable/) },
      deps: { openOutbox: box.open },
    });
    const errors: SdkError[] = [];
    p.events.on('error', (e) => errors.push(e));
    await p.start();
    await src.ctx().emit(stateEvent('light.a', 1), acks.ack('1'));
    await settle();
    await src.ctx().emit(stateEvent('light.a', 2), acks.ack('2'));
    await settle();
    expect(acks.failed.map(([label, e]) => [label, e.code])).toEqual([['1', ErrorCode.INTERNAL]]);
    expect(box.entries).toHaveLength(0);
    expect(acks.handled).toEqual(['2']);
    expect(sink.written.map((e) => e.time_fired)).toEqual([2]);
    expect(errors.length).toBeGreaterThan(0);
    const startedAt = Date.now();
    expect(await p.stop()).toMatchObject({ written: { db: 1 }, failed: 1, inFlight: 0 });
    expect(Date.now()).toBe(startedAt);
  });
});
