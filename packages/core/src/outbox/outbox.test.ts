import {
  appendFile,
  cp,
  mkdtemp,
  open as fsOpen,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../model/errors.js';
import type { Logger } from '../observability/logger.js';
import { openOutbox } from './disk.js';
import type { OpenOutboxOptions, Outbox } from './outbox.js';
import { FRAME_HEADER_BYTES } from './format.js';

interface Rec {
  readonly n: number;
}

// Every record serialises to the same width (3-digit n), so frame sizes are exact multiples.
const batch = (from: number, count = 2): Rec[] => Array.from({ length: count }, (_, i) => ({ n: 100 + from + i }));
/** The n values of `batch(from)` for each `from`. */
const ns = (...froms: number[]): number[] => froms.flatMap((f) => [100 + f, 101 + f]);
const frameBytes = (records: readonly Rec[]) => FRAME_HEADER_BYTES + Buffer.byteLength(JSON.stringify(records));

function recordingLogger() {
  const warnings: Array<Record<string, unknown>> = [];
  const errors: Array<Record<string, unknown>> = [];
  const logger: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (obj: unknown) =>
      void warnings.push(typeof obj === 'string' ? { msg: obj } : (obj as Record<string, unknown>)),
    error: (obj: unknown) =>
      void errors.push(typeof obj === 'string' ? { msg: obj } : (obj as Record<string, unknown>)),
    child: () => logger,
  };
  return { logger, warnings, errors };
}

/** Reads everything pending, acknowledging as it goes. */
async function drain(outbox: Outbox<Rec>): Promise<number[]> {
  const seen: number[] = [];
  for (let e = await outbox.peek(); e; e = await outbox.peek()) {
    seen.push(...e.records.map((r) => r.n));
    await outbox.ack(e);
  }
  return seen;
}

const segmentFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith('segment-')).sort();

describe('openOutbox', () => {
  let dir: string;
  const open: Array<Outbox<Rec>> = [];
  const make = async (extra: Partial<OpenOutboxOptions> = {}, at = dir) => {
    const outbox = await openOutbox<Rec>({ name: 'test', dir: at, ...extra });
    open.push(outbox);
    return outbox;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ha-outbox-'));
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('peeks the oldest entry and advances on ack, in append order', async () => {
    let clock = 1000;
    const outbox = await make({ now: () => clock++ });
    expect(await outbox.peek()).toBeUndefined();
    await outbox.append(batch(0));
    await outbox.append(batch(2, 3));
    expect(outbox.size()).toBe(5);
    expect(outbox.bytes()).toBe(frameBytes(batch(0)) + frameBytes(batch(2, 3)));
    expect(outbox.oldestAppendedAt()).toBe(1000);

    const first = await outbox.peek();
    expect(first).toMatchObject({ records: batch(0), appendedAt: 1000 });
    expect(await outbox.peek()).toEqual(first); // peek does not remove
    await outbox.ack(first ?? expect.fail('entry'));
    expect(outbox.size()).toBe(3);
    expect(outbox.oldestAppendedAt()).toBe(1001);
    const second = await outbox.peek();
    expect(second?.records).toEqual(batch(2, 3));
    expect(second?.id).toBeGreaterThan(first?.id ?? Infinity);
    await outbox.ack(second ?? expect.fail('entry'));
    expect(await outbox.peek()).toBeUndefined();
    expect(outbox.bytes()).toBe(0);
    expect(outbox.oldestAppendedAt()).toBeUndefined();
  });

  it('ignores an ack of an entry already gone and refuses one out of order', async () => {
    const outbox = await make();
    await outbox.append(batch(0));
    await outbox.append(batch(2));
    const first = await outbox.peek();
    if (!first) return expect.fail('entry');
    await outbox.ack(first);
    await outbox.ack(first);
    expect(outbox.size()).toBe(2);
    await expect(outbox.ack({ id: first.id + 5, records: [], appendedAt: 0 })).rejects.toMatchObject({
      code: ErrorCode.INTERNAL,
    });
  });

  it('replays exactly the unacknowledged entries after a restart, then continues the sequence', async () => {
    const before = await make();
    for (let i = 0; i < 5; i++) await before.append(batch(i * 10));
    for (let i = 0; i < 2; i++) await before.ack((await before.peek()) ?? expect.fail('entry'));
    await before.close();

    const after = await make();
    expect(after.size()).toBe(6);
    await after.append(batch(100));
    expect(await drain(after)).toEqual(ns(20, 30, 40, 100));
  });

  it('survives a crash (no close): everything appended is replayed', async () => {
    const live = await make();
    for (let i = 0; i < 3; i++) await live.append(batch(i * 10));
    await live.ack((await live.peek()) ?? expect.fail('entry'));
    const crashed = await mkdtemp(join(tmpdir(), 'ha-outbox-crash-'));
    try {
      await cp(dir, crashed, { recursive: true });
      const recovered = await openOutbox<Rec>({ name: 'test', dir: crashed });
      expect(await drain(recovered)).toEqual(ns(10, 20));
      await recovered.close();
    } finally {
      await rm(crashed, { recursive: true, force: true });
    }
  });

  it('keeps every record before a torn tail (segment truncated mid-record) and logs the offset', async () => {
    const first = await make();
    for (let i = 0; i < 3; i++) await first.append(batch(i * 10));
    await first.close();
    const [file] = await segmentFiles(dir);
    const path = join(dir, file ?? expect.fail('segment'));
    const size = (await stat(path)).size;
    await truncate(path, size - 5);

    const { logger, warnings } = recordingLogger();
    const reopened = await make({ logger });
    expect(await drain(reopened)).toEqual(ns(0, 10));
    const tornAt = 2 * frameBytes(batch(0));
    expect(warnings).toContainEqual(
      expect.objectContaining({ offset: tornAt, reason: 'truncated-payload', segment: file }),
    );
  });

  it('keeps every record before garbage appended to a segment', async () => {
    const first = await make();
    await first.append(batch(0));
    await first.append(batch(10));
    await first.close();
    const [file] = await segmentFiles(dir);
    await appendFile(
      join(dir, file ?? expect.fail('segment')),
      Buffer.from('{"not":"a frame"}\n\u0000\u0001garbage-garbage-garbage-garbage'),
    );

    const { logger, warnings } = recordingLogger();
    const reopened = await make({ logger });
    expect(await drain(reopened)).toEqual(ns(0, 10));
    expect(warnings).toContainEqual(expect.objectContaining({ offset: 2 * frameBytes(batch(0)) }));
    // New appends after recovery are not hidden behind the garbage.
    await reopened.append(batch(50));
    await reopened.close();
    const again = await make();
    expect(await drain(again)).toEqual(ns(50));
  });

  it('detects a flipped byte inside a record by its CRC', async () => {
    const first = await make();
    await first.append(batch(0));
    await first.append(batch(10));
    await first.close();
    const [file] = await segmentFiles(dir);
    const path = join(dir, file ?? expect.fail('segment'));
    const data = await readFile(path);
    const at = frameBytes(batch(0)) + FRAME_HEADER_BYTES + 3;
    data[at] = (data[at] ?? 0) ^ 0xff;
    await writeFile(path, data);
    const { logger, warnings } = recordingLogger();
    expect(await drain(await make({ logger }))).toEqual(ns(0));
    expect(warnings).toContainEqual(expect.objectContaining({ reason: 'crc-mismatch' }));
  });

  it('replays everything when the cursor file is unreadable', async () => {
    const first = await make();
    await first.append(batch(0));
    await first.append(batch(10));
    await first.ack((await first.peek()) ?? expect.fail('entry'));
    await first.close();
    await writeFile(join(dir, 'cursor.json'), '{torn');
    const { logger, warnings } = recordingLogger();
    expect(await drain(await make({ logger }))).toEqual(ns(0, 10));
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('rolls over to a new segment at segmentBytes and deletes drained segments', async () => {
    const one = frameBytes(batch(0));
    const outbox = await make({ segmentBytes: one * 2 });
    for (let i = 0; i < 6; i++) await outbox.append(batch(i * 10));
    expect(await segmentFiles(dir)).toHaveLength(3);
    for (let i = 0; i < 2; i++) await outbox.ack((await outbox.peek()) ?? expect.fail('entry'));
    expect(await segmentFiles(dir)).toHaveLength(2);
    expect(await drain(outbox)).toEqual(ns(20, 30, 40, 50));
    await outbox.close();
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it('drop-newest rejects with BUFFER_OVERFLOW and reports the dropped records', async () => {
    const drops: Array<[number, string]> = [];
    const outbox = await make({
      maxBytes: frameBytes(batch(0)) * 2,
      whenFull: 'drop-newest',
      onDrop: (n, r) => drops.push([n, r]),
    });
    await outbox.append(batch(0));
    await outbox.append(batch(10));
    await expect(outbox.append(batch(20, 2))).rejects.toMatchObject({
      code: ErrorCode.BUFFER_OVERFLOW,
      data: expect.objectContaining({ dropped: 2 }),
    });
    expect(drops).toEqual([[2, 'drop-newest']]);
    expect(await drain(outbox)).toEqual(ns(0, 10));
  });

  it('drop-oldest discards just enough of the oldest entries and reports how many records', async () => {
    const drops: Array<[number, string]> = [];
    const outbox = await make({
      maxBytes: frameBytes(batch(0)) * 3,
      whenFull: 'drop-oldest',
      onDrop: (n, r) => drops.push([n, r]),
    });
    for (let i = 0; i < 3; i++) await outbox.append(batch(i * 10));
    await outbox.append(batch(30));
    expect(drops).toEqual([[2, 'drop-oldest']]);
    await outbox.append(batch(40));
    expect(drops).toEqual([
      [2, 'drop-oldest'],
      [2, 'drop-oldest'],
    ]);
    expect(await drain(outbox)).toEqual(ns(20, 30, 40));
  });

  it('drop-oldest drops are persisted across a restart', async () => {
    const first = await make({ maxBytes: frameBytes(batch(0)) * 2, whenFull: 'drop-oldest' });
    for (let i = 0; i < 4; i++) await first.append(batch(i * 10));
    await first.close();
    expect(await drain(await make())).toEqual(ns(20, 30));
  });

  it('rejects a batch larger than maxBytes under every policy', async () => {
    for (const whenFull of ['block', 'drop-oldest', 'drop-newest'] as const) {
      const drops: number[] = [];
      const sub = join(dir, whenFull);
      const outbox = await make({ maxBytes: 50, whenFull, onDrop: (n) => drops.push(n) }, sub);
      await expect(outbox.append(batch(0, 10))).rejects.toMatchObject({ code: ErrorCode.BUFFER_OVERFLOW });
      expect(drops).toEqual([10]);
    }
  });

  it('block waits for space and continues once an ack frees it, keeping append order', async () => {
    const outbox = await make({ maxBytes: frameBytes(batch(0)) * 2, whenFull: 'block' });
    await outbox.append(batch(0));
    await outbox.append(batch(10));
    let done = false;
    const blocked = outbox.append(batch(20)).then(() => (done = true));
    const queued = outbox.append(batch(30));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    expect(outbox.size()).toBe(4);
    await outbox.ack((await outbox.peek()) ?? expect.fail('entry'));
    await blocked;
    expect(done).toBe(true);
    await outbox.ack((await outbox.peek()) ?? expect.fail('entry'));
    await queued;
    expect(await drain(outbox)).toEqual(ns(20, 30));
  });

  it('block rejects with ABORTED when the signal aborts, and on close', async () => {
    const outbox = await make({ maxBytes: frameBytes(batch(0)), whenFull: 'block' });
    await outbox.append(batch(0));
    const controller = new AbortController();
    const blocked = outbox.append(batch(10), controller.signal);
    controller.abort();
    await expect(blocked).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    const second = expect(outbox.append(batch(20))).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    await outbox.close();
    await second;
    await expect(outbox.append(batch(30))).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    expect(await drain(await make())).toEqual(ns(0));
  });

  it('works with fsync interval and never', async () => {
    for (const fsync of ['interval', 'never'] as const) {
      const sub = join(dir, fsync);
      const outbox = await make({ fsync, fsyncIntervalMs: 5 }, sub);
      await outbox.append(batch(0));
      await outbox.append(batch(10));
      await outbox.close();
      expect(await drain(await make({}, sub))).toEqual(ns(0, 10));
    }
  });

  it('fsyncs per append with always, only when the interval timer fires with interval, never with never', async () => {
    const probe = await fsOpen(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = vi.spyOn(proto, 'sync');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const always = await make({ fsync: 'always' }, join(dir, 'always'));
      sync.mockClear();
      await always.append(batch(0));
      await always.append(batch(10));
      expect(sync).toHaveBeenCalledTimes(3); // each append, plus the directory once for the new segment

      const interval = await make({ fsync: 'interval', fsyncIntervalMs: 1000 }, join(dir, 'interval'));
      sync.mockClear();
      await interval.append(batch(0));
      await interval.append(batch(10));
      expect(sync).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1000);
      await vi.waitFor(() => expect(sync).toHaveBeenCalledTimes(1));

      const never = await make({ fsync: 'never' }, join(dir, 'never'));
      sync.mockClear();
      await never.append(batch(0));
      await vi.advanceTimersByTimeAsync(5000);
      expect(sync).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
      sync.mockRestore();
    }
  });

  it('rejects records that are not JSON-serialisable with EVENT_INVALID', async () => {
    const outbox = await openOutbox<{ big: bigint }>({ name: 'test', dir });
    try {
      await expect(outbox.append([{ big: 1n }])).rejects.toMatchObject({ code: ErrorCode.EVENT_INVALID });
    } finally {
      await outbox.close();
    }
  });

  it('rejects invalid options with CONFIG_INVALID naming the outbox and key', async () => {
    await expect(openOutbox({ name: 'influx', dir, maxBytes: -1 })).rejects.toMatchObject({
      code: ErrorCode.CONFIG_INVALID,
      message: expect.stringMatching(/outbox:influx.*maxBytes/),
    });
    await expect(openOutbox({ name: 'influx', dir, whenFull: 'explode' as 'block' })).rejects.toMatchObject({
      code: ErrorCode.CONFIG_INVALID,
    });
  });

  it('treats an empty batch as a no-op', async () => {
    const outbox = await make();
    await outbox.append([]);
    expect(outbox.size()).toBe(0);
    expect(await outbox.peek()).toBeUndefined();
  });
});
