import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../model/errors.js';
import { openOutbox } from './disk.js';
import type { OutboxFullInfo } from './full.js';
import type { OpenOutboxOptions, Outbox } from './outbox.js';
import { FRAME_HEADER_BYTES } from './format.js';
import { recordingLogger } from '../../test/runtime-test-kit.js';

interface Rec {
  readonly n: number;
}
// Every record serialises to the same width, so every frame of two records has the same size.
const batch = (from: number): Rec[] => [{ n: 100 + from }, { n: 101 + from }];
const FRAME = FRAME_HEADER_BYTES + Buffer.byteLength(JSON.stringify(batch(0)));

async function drainAll(outbox: Outbox<Rec>): Promise<number[]> {
  const seen: number[] = [];
  for (let e = await outbox.peek(); e; e = await outbox.peek()) {
    seen.push(...e.records.map((r) => r.n));
    await outbox.ack(e);
  }
  return seen;
}

describe('a full outbox (issue 11)', () => {
  let dir: string;
  const opened: Outbox<Rec>[] = [];
  let clock = 0;
  const make = async (extra: Partial<OpenOutboxOptions>) => {
    const outbox = await openOutbox<Rec>({
      name: 'influx',
      dir,
      maxBytes: FRAME * 4,
      fsync: 'never',
      now: () => clock,
      ...extra,
    });
    opened.push(outbox);
    return outbox;
  };
  beforeEach(async () => {
    clock = 0;
    dir = await mkdtemp(join(tmpdir(), 'ha-outbox-full-'));
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('block: says "full" once (one warning with name, cap, bytes, policy) and "no longer full" once, back at half the cap', async () => {
    const log = recordingLogger();
    const changes: [boolean, OutboxFullInfo][] = [];
    const outbox = await make({
      whenFull: 'block',
      logger: log.logger,
      onFullChange: (full, info) => changes.push([full, info]),
    });
    for (let i = 0; i < 4; i++) await outbox.append(batch(i * 10));
    expect(outbox.isFull()).toBe(false); // exactly at the cap: nothing was refused or waited yet
    const waiting = [outbox.append(batch(40)), outbox.append(batch(50)), outbox.append(batch(60))];
    await new Promise((resolve) => setImmediate(resolve));
    expect(outbox.isFull()).toBe(true);
    expect(changes).toEqual([[true, { bytes: FRAME * 4, maxBytes: FRAME * 4, whenFull: 'block' }]]);
    const warnings = log.lines('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      fields: { outbox: 'influx', bytes: FRAME * 4, maxBytes: FRAME * 4, whenFull: 'block' },
    });
    expect(warnings[0]?.msg).toMatch(/full .*whenFull=block: appends wait for space/);

    // Hovering at the cap (one entry out, one batch in) is still the same episode: no more lines.
    for (let i = 0; i < 3; i++) await outbox.ack((await outbox.peek()) ?? expect.fail('entry'));
    await Promise.all(waiting);
    expect(outbox.isFull()).toBe(true);
    expect(changes).toHaveLength(1);
    await outbox.ack((await outbox.peek()) ?? expect.fail('entry')); // 3 of 4 frames
    expect(outbox.isFull()).toBe(true);
    await outbox.ack((await outbox.peek()) ?? expect.fail('entry')); // 2 of 4: half the cap
    expect(outbox.isFull()).toBe(false);
    expect(changes.map(([full]) => full)).toEqual([true, false]);
    expect(log.lines('warn')).toHaveLength(1);
    expect(log.lines('info').filter((l) => /no longer full/.test(l.msg))).toHaveLength(1);
  });

  it('stopWaiting refuses the append waiting now and later ones that do not fit, keeps accepting ones that fit', async () => {
    const outbox = await make({ whenFull: 'block' });
    for (let i = 0; i < 4; i++) await outbox.append(batch(i * 10));
    const waiting = outbox.append(batch(40));
    await new Promise((resolve) => setImmediate(resolve));
    outbox.stopWaiting();
    await expect(waiting).rejects.toMatchObject({
      code: ErrorCode.ABORTED,
      message: expect.stringMatching(/no longer waits.*not made durable/),
    });
    await expect(outbox.append(batch(50))).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    await outbox.ack((await outbox.peek()) ?? expect.fail('entry'));
    await outbox.append(batch(60)); // fits: written
    expect(await drainAll(outbox)).toEqual([110, 111, 120, 121, 130, 131, 160, 161]);
  });

  it('drop-oldest: counts every dropped record through onDrop and logs them at most once per 10 s, all of them by close', async () => {
    const log = recordingLogger();
    const dropped: number[] = [];
    const outbox = await make({ whenFull: 'drop-oldest', logger: log.logger, onDrop: (n) => dropped.push(n) });
    for (let i = 0; i < 10; i++) await outbox.append(batch(i * 10)); // 6 appends each drop one entry (2 records)
    expect(dropped).toEqual([2, 2, 2, 2, 2, 2]);
    const dropLines = () => log.lines('warn').filter((l) => /dropped \d+ oldest records/.test(l.msg));
    expect(dropLines()).toHaveLength(1);
    clock += 10_000;
    await outbox.append(batch(100));
    expect(dropLines()).toHaveLength(2);
    await outbox.append(batch(110));
    await outbox.close();
    const lines = dropLines();
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.fields['records'])).toEqual([2, 12, 2]);
    expect(lines.reduce((n, l) => n + Number(l.fields['records']), 0)).toBe(dropped.reduce((a, b) => a + b, 0)); // 16: none lost from the log
    expect(log.lines('warn').filter((l) => /full \(/.test(l.msg))).toHaveLength(1); // the episode itself: once
  });
});
