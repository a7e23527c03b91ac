import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../model/errors.js';
import type { HaEvent } from '../model/event.js';
import { fileSink, type FileSinkHooks } from './file-sink.js';
import { FileSinkOptionsSchema } from './options.js';
import type { FileSinkOptions } from './options.js';
import { createTestContext } from '../testing/context.js';
import { makeStateChanged, TEST_EVENT_TIME } from '../testing/events.js';
import { LP_INJECTION_STATE, readLineProtocolFile } from '../testing/line-protocol-reader.js';
import { testSink } from '../testing/test-sink.js';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ha-file-sink-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const filesOf = async (dir: string, ext: string) => (await readdir(dir)).filter((f) => f.endsWith(`.${ext}`)).sort();
const readLines = async (dir: string, ext: string) => {
  const lines: string[] = [];
  for (const f of await filesOf(dir, ext))
    lines.push(...(await readFile(join(dir, f), 'utf8')).split('\n').filter((l) => l !== ''));
  return lines;
};
const dataLines = (lines: string[]) => lines.filter((l) => !l.startsWith('#'));

const callService: HaEvent = {
  event_type: 'call_service',
  time_fired: TEST_EVENT_TIME + 5,
  context: { id: 'ctx-1', parent_id: null, user_id: null },
  provenance: { source: 'test', mode: 'live', receivedAt: TEST_EVENT_TIME + 5 },
  key: 'call_service:light.turn_on@1#ctx-1',
  data: { domain: 'light', service: 'turn_on', service_data: { entity_id: 'light.kitchen' } },
};

let ndjsonDir = '';
testSink({
  name: 'file (ndjson)',
  create: async () => fileSink({ dir: (ndjsonDir = await tempDir()) }),
  sampleEvents: () => [makeStateChanged(), makeStateChanged({ entity_id: 'light.kitchen', state: 'on' })],
  read: async () => (await readLines(ndjsonDir, 'ndjson')).map((l) => JSON.parse(l) as unknown),
});

let lpDir = '';
testSink({
  name: 'file (lp)',
  create: async () => fileSink({ dir: (lpDir = await tempDir()), format: 'lp' }),
  sampleEvents: () => [makeStateChanged(), makeStateChanged({ entity_id: 'light.kitchen', state: 'on' })],
  read: async () => dataLines(await readLines(lpDir, 'lp')),
});

describe('fileSink', () => {
  let dir: string;
  let closers: Array<() => Promise<void>>;
  const make = (options: Partial<FileSinkOptions> = {}, hooks?: FileSinkHooks) => {
    const sink = fileSink({ dir, ...options }, hooks);
    closers.push(async () => sink.close?.());
    return sink;
  };

  beforeEach(async () => {
    dir = await tempDir();
    closers = [];
  });
  afterEach(async () => {
    for (const close of closers) await close();
  });

  it('writes one JSON line per event', async () => {
    const sink = make();
    const events = [makeStateChanged(), makeStateChanged({ entity_id: 'switch.fan', state: 'off' }), callService];
    await sink.write(events, createTestContext());
    const lines = await readLines(dir, 'ndjson');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(JSON.parse(JSON.stringify(events)));
    expect((await filesOf(dir, 'ndjson'))[0]).toMatch(/^events-\d{8}T\d{9}Z\.ndjson$/);
  });

  it('writes line protocol under the influx -import header with the built-in mapping', async () => {
    const sink = make({ format: 'lp', database: 'ha', retentionPolicy: 'autogen' });
    await sink.write(
      [
        makeStateChanged({ entity_id: 'sensor.kitchen_temp', state: '21.5' }),
        makeStateChanged({ entity_id: 'light.kitchen', state: 'on', last_updated: TEST_EVENT_TIME + 1 }),
        makeStateChanged({ entity_id: 'sensor.gone', state: null, last_updated: TEST_EVENT_TIME + 2 }),
        callService,
      ],
      createTestContext(),
    );
    const [file] = await filesOf(dir, 'lp');
    const text = await readFile(join(dir, file ?? expect.fail('no lp file')), 'utf8');
    expect(text).toBe(
      [
        '# DML',
        '# CONTEXT-DATABASE: ha',
        '# CONTEXT-RETENTION-POLICY: autogen',
        '',
        `sensor,domain=sensor,entity_id=sensor.kitchen_temp state="21.5",value=21.5 ${TEST_EVENT_TIME}`,
        `light,domain=light,entity_id=light.kitchen state="on" ${TEST_EVENT_TIME + 1}`,
        `sensor,domain=sensor,entity_id=sensor.gone removed=true ${TEST_EVENT_TIME + 2}`,
        `events,domain=light,event_type=call_service data="{\\"domain\\":\\"light\\",\\"service\\":\\"turn_on\\",\\"service_data\\":{\\"entity_id\\":\\"light.kitchen\\"}}",context_id="ctx-1" ${TEST_EVENT_TIME + 5}`,
        '',
      ].join('\n'),
    );
  });

  it('honours the precision of line protocol timestamps', async () => {
    const sink = make({ format: 'lp', precision: 's' });
    await sink.write([makeStateChanged({ last_updated: 1_700_000_000_123_456 })], createTestContext());
    expect(dataLines(await readLines(dir, 'lp'))[0]).toMatch(/ 1700000000$/);
  });

  it('returns unwritable events as rejected and writes the rest of the batch', async () => {
    const sink = make({ format: 'both' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const events = [
      makeStateChanged(),
      makeStateChanged({ entity_id: 'sensor.loop', attributes: cyclic }),
      makeStateChanged({ entity_id: 'sensor.bad\nname' }),
      makeStateChanged({ entity_id: 'sensor.ok', state: '3' }),
    ];
    const result = await sink.write(events, createTestContext());
    expect(result?.rejected?.map((r) => [r.index, r.reason])).toEqual([
      [1, 'not_serialisable'],
      [2, 'newline'],
    ]);
    expect(await readLines(dir, 'ndjson')).toHaveLength(3); // JSON escapes the newline; only the cycle fails
    expect(dataLines(await readLines(dir, 'lp'))).toHaveLength(3); // the cycle is not in `attributes` of LP points
  });

  it('rejects an event too deep for JSON.stringify as json_too_deep instead of a bare RangeError message (issue 11)', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep]; // built in code: no source's depth limit saw it
    const sink = make();
    const result = await sink.write(
      [makeStateChanged({ attributes: { deep } }), makeStateChanged({ state: 'ok' })],
      createTestContext(),
    );
    expect(result?.rejected).toEqual([
      {
        index: 0,
        reason: 'json_too_deep',
        message: expect.stringMatching(/^event nests too deep to serialise as JSON/),
      },
    ]);
    expect((await readLines(dir, 'ndjson')).map((l) => (JSON.parse(l) as { state: string }).state)).toEqual(['ok']);
  });

  it('uses the toLines hook for line protocol when given', async () => {
    const sink = make(
      { format: 'lp' },
      {
        toLines: (events) => ({
          lines: events.slice(1).map((e) => `custom value=1 ${e.time_fired}`),
          rejected: [{ index: 0, reason: 'type_conflict', message: 'first one is bad' }],
        }),
      },
    );
    const result = await sink.write([makeStateChanged(), makeStateChanged({ last_updated: 7 })], createTestContext());
    expect(result?.rejected).toEqual([{ index: 0, reason: 'type_conflict', message: 'first one is bad' }]);
    expect(dataLines(await readLines(dir, 'lp'))).toEqual(['custom value=1 7']);
  });

  it('regression (issue 11): a state carrying LF and a # CONTEXT-DATABASE line is one point under the unchanged header', async () => {
    const sink = make({ format: 'lp', database: 'ha' });
    const result = await sink.write(
      [makeStateChanged({ entity_id: 'sensor.x', state: LP_INJECTION_STATE })],
      createTestContext(),
    );
    expect(result).toBeUndefined();
    const [file] = await filesOf(dir, 'lp');
    const read = readLineProtocolFile(await readFile(join(dir, file ?? expect.fail('no lp file')), 'utf8'));
    expect(read.directives).toEqual(['# DML', '# CONTEXT-DATABASE: ha']);
    expect(read.points).toEqual([
      expect.objectContaining({ measurement: 'sensor', database: 'ha', fields: { state: LP_INJECTION_STATE } }),
    ]);
  });

  it('refuses unsafe toLines lines: the event when the hook gives indices, else the line goes to the dead-letter file', async () => {
    const unsafe = ['evil v=1 1\n# CONTEXT-DATABASE: _internal', '#m v=1 2'];
    const withIndices = make(
      { format: 'lp', prefix: 'a' },
      { toLines: () => ({ lines: ['ok v=1 1', ...unsafe], rejected: [], indices: [0, 1, 2] }) },
    );
    const ctx = createTestContext();
    const result = await withIndices.write([makeStateChanged(), makeStateChanged(), makeStateChanged()], ctx);
    expect(result?.rejected?.map((r) => [r.index, r.reason])).toEqual([
      [1, 'unsafe_line'],
      [2, 'unsafe_line'],
    ]);
    expect(ctx.deadLetters).toEqual([]);

    const without = make(
      { format: 'lp', prefix: 'b' },
      { toLines: () => ({ lines: ['ok v=1 3', ...unsafe], rejected: [] }) },
    );
    expect(await without.write([makeStateChanged(), makeStateChanged(), makeStateChanged()], ctx)).toBeUndefined();
    expect(ctx.deadLetters.map((d) => [d.reason, d.raw])).toEqual(unsafe.map((line) => ['unsafe_line', line]));
    expect(dataLines(await readLines(dir, 'lp'))).toEqual(['ok v=1 1', 'ok v=1 3']);
  });

  it('refuses a header database or retention policy that would break the influx -import header', () => {
    expect(() => fileSink({ dir, database: 'ha\n# CONTEXT-DATABASE: _internal' })).toThrow(
      expect.objectContaining({ code: ErrorCode.CONFIG_INVALID, message: expect.stringContaining('database') }),
    );
    expect(() => fileSink({ dir, retentionPolicy: 'a:b' })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('retentionPolicy') }),
    );
  });

  it('rotates to a new file before one would exceed rotate.maxBytes', async () => {
    const sink = make({ rotate: { maxBytes: 1000 } });
    const ctx = createTestContext({ now: () => 1_700_000_000_000 });
    for (let i = 0; i < 10; i++) await sink.write([makeStateChanged({ last_updated: TEST_EVENT_TIME + i })], ctx);
    const files = await filesOf(dir, 'ndjson');
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) expect((await readFile(join(dir, f))).length).toBeLessThanOrEqual(1000);
    expect(await readLines(dir, 'ndjson')).toHaveLength(10);
    expect(files[1]).toMatch(/_0001\.ndjson$/); // same clock → a counter keeps names unique and sorted
  });

  it('rotates on the first write after rotate.maxAgeMs (injected clock)', async () => {
    let now = Date.UTC(2026, 10, 29, 12, 0, 0);
    const ctx = createTestContext({ now: () => now });
    const sink = make({ rotate: { maxAgeMs: 60_000 } });
    await sink.write([makeStateChanged()], ctx);
    now += 59_999;
    await sink.write([makeStateChanged()], ctx);
    expect(await filesOf(dir, 'ndjson')).toEqual(['events-20261129T120000000Z.ndjson']);
    now += 1;
    await sink.write([makeStateChanged()], ctx);
    expect(await filesOf(dir, 'ndjson')).toEqual([
      'events-20261129T120000000Z.ndjson',
      'events-20261129T120100000Z.ndjson',
    ]);
  });

  it('starts a new file on every run instead of appending to an old one', async () => {
    const ctx = createTestContext({ now: () => 1_700_000_000_000 });
    const first = make({ prefix: 'ha' });
    await first.write([makeStateChanged()], ctx);
    await first.close?.();
    const second = make({ prefix: 'ha' });
    await second.write([makeStateChanged()], ctx);
    expect(await filesOf(dir, 'ndjson')).toEqual([
      'ha-20231114T221320000Z.ndjson',
      'ha-20231114T221320000Z_0001.ndjson',
    ]);
  });

  it('rejects with a retryable SINK_UNAVAILABLE when the directory cannot be written', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const sink = make({ dir: join(blocker, 'sub') });
    await expect(sink.write([makeStateChanged()], createTestContext())).rejects.toMatchObject({
      code: ErrorCode.SINK_UNAVAILABLE,
      retryable: true,
    });
    await expect(sink.healthcheck?.(new AbortController().signal)).rejects.toMatchObject({
      code: ErrorCode.SINK_UNAVAILABLE,
    });
  });

  it('healthcheck fails for a read-only directory', async () => {
    if (process.getuid?.() === 0) return; // root can write anywhere
    await chmod(dir, 0o500);
    try {
      await expect(make().healthcheck?.(new AbortController().signal)).rejects.toMatchObject({
        code: ErrorCode.SINK_UNAVAILABLE,
      });
    } finally {
      await chmod(dir, 0o700);
    }
  });

  it('validates its options with CONFIG_INVALID naming the key', () => {
    expect(() => fileSink({ dir: '' })).toThrow(
      expect.objectContaining({ code: ErrorCode.CONFIG_INVALID, message: expect.stringContaining('dir') }),
    );
    expect(() => fileSink({ dir, prefix: '../x' })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('prefix') }),
    );
    expect(FileSinkOptionsSchema.parse({ dir })).toMatchObject({
      format: 'ndjson',
      fsync: true,
      rotate: { maxBytes: 64 * 1024 * 1024 },
    });
  });
});
