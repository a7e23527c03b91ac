import { mkdtemp, open as fsOpen, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger } from '../../test/runtime-test-kit.js';
import { createSegmentWriter } from './segment-writer.js';

describe('createSegmentWriter periodic fsync', () => {
  let dir: string;
  let restore: () => void = () => undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ha-outbox-writer-'));
  });
  afterEach(async () => {
    restore();
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  // Issue 11: the fsync timer ran outside any try; a failure there must be reported, never thrown at the process.
  it('logs a failing periodic fsync with the outbox name, keeps appending, and schedules the next fsync', async () => {
    const probe = await fsOpen(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const sync = vi
      .spyOn(proto, 'sync')
      .mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    restore = () => sync.mockRestore();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const log = recordingLogger();
    const writer = createSegmentWriter({
      dir,
      name: 'influx',
      fsync: 'interval',
      fsyncIntervalMs: 1000,
      segmentBytes: 1 << 20,
      logger: log.logger,
      onCreated: () => undefined,
      onRetired: async () => undefined,
    });
    await writer.append(1, Buffer.from('first'));
    await vi.advanceTimersByTimeAsync(1000); // the failing fsync: a throw escaping the timer would reject here
    await vi.waitFor(() => expect(log.lines('error')).toHaveLength(1));
    expect(log.lines('error')[0]).toMatchObject({
      fields: { outbox: 'influx' },
      msg: expect.stringMatching(/outbox influx: .*fsync.*EIO/),
    });

    const second = await writer.append(2, Buffer.from('second'));
    expect(second.offset).toBe(5);
    sync.mockClear();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(sync).toHaveBeenCalledTimes(1)); // rescheduled and retried
    await writer.close();
    const segment = (await readdir(dir)).find((f) => f.startsWith('segment-')) ?? expect.fail('segment');
    expect((await readFile(join(dir, segment))).toString()).toBe('firstsecond');
  });
});
