import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import type { StateChangedEvent } from '../model/event.js';
import { fileSink } from './file-sink.js';
import { arraySource } from '../testing/array-source.js';
import { collectingSink } from '../testing/collecting-sink.js';
import { TEST_EVENT_TIME, makeStateChanged } from '../testing/events.js';

describe('file sink and outbox in a real pipeline', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ha-file-pipeline-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every event to NDJSON and acks the source only after the write', async () => {
    const events = Array.from({ length: 25 }, (_, i) =>
      makeStateChanged({ state: String(i), last_updated: TEST_EVENT_TIME + i }),
    );
    const source = arraySource(events, { finite: true });
    const p = pipeline(source)
      .to(fileSink({ dir: join(dir, 'files') }), { batch: { maxSize: 10, maxWaitMs: 50 } })
      .build();
    await p.start();
    await p.idle();
    const stats = await p.stop();
    const [file] = await readdir(join(dir, 'files'));
    const lines = (await readFile(join(dir, 'files', file ?? expect.fail('no file')), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { state: string }).state)).toEqual(events.map((e) => e.state));
    expect(source.handled()).toBe(25);
    expect(stats.written).toMatchObject({ file: 25 });
  });

  it('parks batches in the outbox while the sink is down and replays them in order after a restart', async () => {
    const events = Array.from({ length: 6 }, (_, i) =>
      makeStateChanged({ state: String(i), last_updated: TEST_EVENT_TIME + i }),
    );
    const outbox = { dir: join(dir, 'outbox') };
    const down = collectingSink<StateChangedEvent>({ name: 'db' });
    down.failNext(1000);
    const first = arraySource(events, { finite: true });
    const p1 = pipeline(first)
      .to(down, { batch: { maxSize: 3, maxWaitMs: 50 }, retry: { retries: 0 }, outbox })
      .build();
    await p1.start();
    await p1.idle();
    const stats1 = await p1.stop();
    expect(down.written()).toEqual([]);
    expect(first.handled()).toBe(6); // persisted to the outbox counts as handled
    expect(stats1.outboxed).toMatchObject({ db: 6 });

    const up = collectingSink<StateChangedEvent>({ name: 'db' });
    const p2 = pipeline(arraySource<StateChangedEvent>([], { finite: true }))
      .to(up, { batch: { maxSize: 3, maxWaitMs: 50 }, outbox })
      .build();
    await p2.start();
    await expect.poll(() => up.written().length, { timeout: 5000 }).toBe(6);
    await p2.stop();
    expect(up.written().map((e) => e.state)).toEqual(events.map((e) => e.state));
  });
});
