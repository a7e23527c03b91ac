import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import type { DeadLetterRecord } from '../component/context.js';
import { ErrorCode, SdkError } from '../model/errors.js';
import { ackRecorder, manualSource, settle } from '../../test/runtime-test-kit.js';
import type { Sink } from '../component/sink.js';
import { TEST_EVENT_TIME, makeStateChanged } from '../testing/events.js';
import type { StateChangedEvent } from '../model/event.js';

/** Real disk I/O under fake timers: vi.waitFor advances fake time by `interval` per check. */
const DISK = { timeout: 10_000, interval: 20 };

let dir: string;
beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), 'runtime-depth-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A value nested 10,000 levels deep, built in code (no JSON boundary refused it). */
function deepValue(levels = 10_000): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}
const event = (n: number, attributes?: Record<string, unknown>): StateChangedEvent =>
  makeStateChanged({
    entity_id: `sensor.s${n}`,
    state: String(n),
    last_updated: TEST_EVENT_TIME + n,
    ...(attributes ? { attributes } : {}),
  });

/** Serialises each batch as one JSON body, as an HTTP sink would: a 10,000-deep value throws a RangeError. */
function jsonBodySink(): { sink: Sink<StateChangedEvent>; written: string[]; setUp: (up: boolean) => void } {
  const written: string[] = [];
  let up = true;
  return {
    sink: {
      kind: 'sink',
      name: 'db',
      write: async (batch) => {
        if (!up) throw new SdkError(ErrorCode.SINK_UNAVAILABLE, 'connection refused');
        const body = JSON.stringify(batch);
        for (const e of JSON.parse(body) as { state: string }[]) written.push(e.state);
      },
    },
    written,
    setUp: (value) => {
      up = value;
    },
  };
}

describe('an event nested 10,000 levels deep (issue 11)', { timeout: 30_000 }, () => {
  it('is dead-lettered (json_too_deep) by the delivery; its neighbours are written and the pipeline keeps running', async () => {
    const src = manualSource<StateChangedEvent>();
    const db = jsonBodySink();
    const acks = ackRecorder();
    const p = pipeline(src.source)
      .dedupe()
      .to(db.sink, { batch: { maxSize: 10, maxWaitMs: 50 } })
      .build();
    const letters: DeadLetterRecord[] = [];
    p.events.on('dead-letter', (r) => letters.push(r));
    p.events.on('error', () => undefined);
    await p.start();
    for (let n = 0; n < 10; n++)
      await src.ctx().emit(n === 4 ? event(n, { forecast: deepValue() }) : event(n), acks.ack(String(n)));
    await vi.advanceTimersByTimeAsync(50);
    await settle();
    expect(db.written).toEqual(['0', '1', '2', '3', '5', '6', '7', '8', '9']);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      stage: 'sink:db',
      reason: 'json_too_deep',
      code: ErrorCode.EVENT_INVALID,
      message: expect.stringMatching(/deeper than 36 levels/),
    });
    // Handled, not failed: a failed ack would make the source redeliver it forever.
    expect(acks.handled).toHaveLength(10);
    expect(acks.failed).toEqual([]);

    await src.ctx().emit(event(10));
    await vi.advanceTimersByTimeAsync(50);
    await settle();
    expect(db.written.at(-1)).toBe('10');
    expect(await p.stop()).toMatchObject({
      received: 11,
      written: { db: 10 },
      dropped: { json_too_deep: 1 },
      failed: 0,
      deadLettered: 1,
    });
  });

  it('does not keep its batch out of the outbox: split out at the append, the rest drains in order later', async () => {
    const src = manualSource<StateChangedEvent>();
    const db = jsonBodySink();
    db.setUp(false);
    const p = pipeline(src.source)
      .to(db.sink, {
        batch: { maxSize: 4, maxWaitMs: 50 },
        retry: { retries: 0 },
        breaker: { threshold: 1, resetTimeoutMs: 100 },
        outbox: { dir, fsync: 'never' },
      })
      .build();
    const letters: DeadLetterRecord[] = [];
    p.events.on('dead-letter', (r) => letters.push(r));
    p.events.on('error', () => undefined);
    await p.start();
    for (let n = 0; n < 4; n++) await src.ctx().emit(event(n)); // written to the outbox (sink down)
    await vi.waitFor(() => expect(p.stats().outboxed['db']).toBe(4), DISK);
    // The outbox holds entries, so this batch goes straight behind them: JSON.stringify of the whole batch
    // overflows, the deep event and a bigint one are split out, the rest is appended.
    const big = { ...event(6), attributes: { energy: 10n } } as unknown as StateChangedEvent;
    for (const e of [event(4), event(5, { forecast: deepValue() }), big, event(7)]) await src.ctx().emit(e);
    await vi.waitFor(() => expect(p.stats().outboxed['db']).toBe(6), DISK);
    expect(letters.map((l) => [l.stage, l.reason])).toEqual([
      ['sink:db', 'json_too_deep'],
      ['sink:db', 'not_serialisable'],
    ]);
    expect(letters[1]?.message).toMatch(/BigInt/);

    db.setUp(true);
    await vi.waitFor(() => expect(db.written).toEqual(['0', '1', '2', '3', '4', '7']), DISK);
    expect(await p.stop()).toMatchObject({
      received: 8,
      written: { db: 6 },
      dropped: { json_too_deep: 1, not_serialisable: 1 },
      failed: 0,
    });
  });
});
