import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetterRecord } from '../component/context.js';
import { MAX_DEAD_LETTER_LABELS, createDeadLetter } from './dead-letter.js';
import type { SdkError } from '../model/errors.js';
import { TRUNCATED, toJsonSafe } from '../json/safe.js';
import { noopLogger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dl-'));
  dirs.push(d);
  return d;
};
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function make(path: string | undefined, maxBytes = 1_000_000) {
  const records: DeadLetterRecord[] = [];
  const reported: SdkError[] = [];
  const metrics = createMetrics();
  const dl = createDeadLetter({
    ...(path === undefined ? {} : { path }),
    maxBytes,
    logger: noopLogger,
    metrics,
    now: () => Date.UTC(2026, 0, 1),
    onRecord: (r) => records.push(r),
    report: (e) => reported.push(e),
  });
  return { dl, records, reported, metrics };
}

describe('createDeadLetter', () => {
  it('appends one JSON line per record with time, stage, reason, code, message, raw and data, creating directories', async () => {
    const path = join(tmp(), 'nested', 'dir', 'dead.ndjson');
    const { dl, records, metrics } = make(path);
    dl.write({
      stage: 'validate',
      reason: 'invalid',
      code: 'EVENT_INVALID',
      message: 'state: expected string',
      raw: { state: 1 },
      data: { issues: [] },
    });
    dl.write({ stage: 'sink:influx', reason: 'type_conflict', message: 'field type conflict' });
    expect(lines(path)).toEqual([
      {
        time: '2026-01-01T00:00:00.000Z',
        stage: 'validate',
        reason: 'invalid',
        code: 'EVENT_INVALID',
        message: 'state: expected string',
        raw: { state: 1 },
        data: { issues: [] },
      },
      {
        time: '2026-01-01T00:00:00.000Z',
        stage: 'sink:influx',
        reason: 'type_conflict',
        message: 'field type conflict',
      },
    ]);
    expect(records).toHaveLength(2);
    expect(dl.count()).toBe(2);
    expect(await metrics.registry.getSingleMetricAsString('ha_ingestor_dead_lettered_total')).toContain(
      'stage="validate",reason="invalid"} 1',
    );
  });

  it('rotates to <path>.1 before the file would exceed maxBytes', () => {
    const path = join(tmp(), 'dead.ndjson');
    const { dl } = make(path, 300);
    for (let i = 0; i < 5; i++) dl.write({ stage: 's', reason: 'r', message: `record ${i} ${'x'.repeat(60)}` });
    const current = lines(path);
    const rotated = lines(`${path}.1`);
    expect(readFileSync(path).length).toBeLessThanOrEqual(300);
    expect([...rotated, ...current].map((r) => (r['message'] as string).slice(0, 8))).toEqual(
      expect.arrayContaining(['record 3', 'record 4']),
    );
    expect(current.at(-1)?.['message']).toMatch(/^record 4/);
  });

  it('never throws when the file cannot be written: reports once, counts every failure, still emits', () => {
    const dir = tmp();
    const path = join(dir, 'is-a-dir');
    mkdirSync(path);
    writeFileSync(join(path, 'x'), '');
    const { dl, records, reported } = make(path);
    expect(() => {
      dl.write({ stage: 's', reason: 'r', message: 'a' });
      dl.write({ stage: 's', reason: 'r', message: 'b' });
    }).not.toThrow();
    expect(reported).toHaveLength(1);
    expect(reported[0]?.code).toBe('STORAGE_FAILED');
    expect(dl.failures()).toBe(2);
    expect(records).toHaveLength(2);
  });

  it('keeps circular, bigint and huge raw values JSON-safe with markers', () => {
    const path = join(tmp(), 'dead.ndjson');
    const { dl } = make(path);
    const circular: Record<string, unknown> = { a: 1, big: 12n };
    circular['self'] = circular;
    dl.write({ stage: 's', reason: 'r', message: 'm', raw: circular });
    dl.write({ stage: 's', reason: 'r', message: 'm', raw: 'y'.repeat(200_000) });
    const [first, second] = lines(path);
    expect(first?.['raw']).toEqual({ a: 1, big: '12n', self: '[Circular]' });
    expect(JSON.stringify(second?.['raw']).length).toBeLessThan(70_000);
    expect(JSON.stringify(second?.['raw'])).toContain(TRUNCATED);
  });

  it('without a path, only counts and emits', () => {
    const { dl, records } = make(undefined);
    dl.write({ stage: 's', reason: 'r', message: 'm' });
    expect(records).toHaveLength(1);
    expect(dl.failures()).toBe(0);
  });

  // Issue 11: reasons from plugins may carry outside text; the metric's label sets stay bounded.
  it('counts every record but keeps at most MAX_DEAD_LETTER_LABELS label pairs, folding the rest into other', async () => {
    const path = join(tmp(), 'dl.ndjson');
    const { dl, metrics } = make(path);
    for (let i = 0; i < MAX_DEAD_LETTER_LABELS + 50; i++)
      dl.write({ stage: 'sink:x', reason: `reason_${i}`, message: 'm' });
    const values = (await metrics.deadLettered.get()).values;
    expect(values).toHaveLength(MAX_DEAD_LETTER_LABELS + 1);
    expect(values.reduce((n, v) => n + v.value, 0)).toBe(MAX_DEAD_LETTER_LABELS + 50);
    expect(values.find((v) => v.labels['reason'] === 'other')).toMatchObject({ value: 50, labels: { stage: 'other' } });
    expect(lines(path).at(-1)).toMatchObject({ reason: `reason_${MAX_DEAD_LETTER_LABELS + 49}` }); // the file keeps it
  });
});

describe('toJsonSafe', () => {
  it('converts errors, functions, symbols, dates, maps, non-finite numbers and cuts depth and length', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    expect(toJsonSafe(deep, { maxDepth: 2 })).toEqual({ a: { b: TRUNCATED } });
    expect(toJsonSafe([1, 2, 3], { maxItems: 2 })).toEqual([1, 2, `${TRUNCATED}(1 more items)`]);
    expect(
      toJsonSafe({
        e: new Error('boom'),
        f: function named() {},
        s: Symbol('x'),
        d: new Date(0),
        m: new Map([['k', 1]]),
        n: Number.NaN,
        u: undefined,
      }),
    ).toEqual({
      e: { name: 'Error', message: 'boom' },
      f: '[Function named]',
      s: 'Symbol(x)',
      d: '1970-01-01T00:00:00.000Z',
      m: { k: 1 },
      n: 'NaN',
    });
    const shared = { x: 1 };
    expect(toJsonSafe({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } }); // shared ≠ circular
  });
});
