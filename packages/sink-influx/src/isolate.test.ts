import { isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import type { SentLine } from './attribute.js';
import { chunksByBytes, writeIsolated } from './isolate.js';
import type { IsolateOptions, RequestKind } from './isolate.js';
import { classifyResponse } from './responses.js';
import type { WireResponse } from './responses.js';

const lines = (n: number, bad: ReadonlySet<number> = new Set()): SentLine[] =>
  Array.from({ length: n }, (_, i) => ({
    text: `m${bad.has(i) ? '_bad' : ''} v=${i} ${i}`,
    point: { measurement: 'm', tags: {}, fields: { v: bad.has(i) ? 'str' : i }, time: i },
  }));

/**
 * A fake server: stores good lines (last write wins, like InfluxDB), refuses `_bad` lines with an
 * unattributable partial write, and records every request.
 */
function fakeServer(respond?: (body: string) => WireResponse | undefined) {
  const stored = new Map<string, number>();
  const requests: { kind: RequestKind; lines: number }[] = [];
  const send = (body: string): Promise<WireResponse> => {
    const custom = respond?.(body);
    if (custom) return Promise.resolve(custom);
    const bodyLines = body.split('\n');
    const bad = bodyLines.filter((l) => l.includes('_bad'));
    for (const l of bodyLines) if (!l.includes('_bad')) stored.set(l, (stored.get(l) ?? 0) + 1);
    if (bad.length === 0) return Promise.resolve({ status: 204, body: '' });
    return Promise.resolve({
      status: 400,
      body: JSON.stringify({ error: `partial write: points beyond retention policy dropped=${bad.length}` }),
    });
  };
  const options = (extra: Partial<IsolateOptions> = {}): IsolateOptions => ({
    send,
    classify: (r) =>
      classifyResponse(r, { stage: 'sink:test', target: 'POST http://db/write', destination: 'database "ha"' }),
    maxBatchBytes: 1 << 20,
    stage: 'sink:test',
    onRequest: (kind, n) => requests.push({ kind, lines: n }),
    ...extra,
  });
  return { stored, requests, options };
}

describe('writeIsolated', () => {
  it('sends a clean batch once', async () => {
    const server = fakeServer();
    expect(await writeIsolated(lines(100), server.options())).toEqual([]);
    expect(server.requests).toEqual([{ kind: 'batch', lines: 100 }]);
    expect(server.stored.size).toBe(100);
  });

  it('bisects an unattributable refusal down to the bad lines; every good line is stored', async () => {
    const server = fakeServer();
    const rejected = await writeIsolated(lines(1000, new Set([3, 700])), server.options());
    expect(rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'beyond_retention'],
      [700, 'beyond_retention'],
    ]);
    expect(rejected[0]?.message).toBe('HTTP 400: partial write: points beyond retention policy dropped=1');
    expect(server.stored.size).toBe(998);
    // Bisection cost: two bad lines in 1000 → about 2 × 2 × log2(1000) requests, not 1000.
    expect(server.requests.length).toBeLessThan(45);
  });

  it('uses the error text when it names the lines: no bisection, the rest resent only when not stored', async () => {
    const ls = lines(10, new Set([4]));
    const server = fakeServer((body) =>
      body.includes('_bad')
        ? { status: 400, body: JSON.stringify({ error: `unable to parse '${ls[4]?.text}': invalid number` }) }
        : undefined,
    );
    const rejected = await writeIsolated(ls, server.options());
    expect(rejected).toEqual([{ line: 4, reason: 'unparsable', message: 'HTTP 400: unable to parse: invalid number' }]);
    expect(server.requests.map((r) => r.kind)).toEqual(['batch', 'resend']);
    expect(server.stored.size).toBe(9);
  });

  it('cuts bodies at maxBatchBytes and splits further on 413', async () => {
    let limit = 60;
    const server = fakeServer((body) =>
      Buffer.byteLength(body) > limit ? { status: 413, body: 'request entity too large' } : undefined,
    );
    const rejected = await writeIsolated(lines(20), server.options({ maxBatchBytes: 200 }));
    expect(rejected).toEqual([]);
    expect(server.stored.size).toBe(20);
    expect(server.requests.some((r) => r.kind === 'split')).toBe(true);
    limit = 1;
    const alone = await writeIsolated(
      lines(1),
      fakeServer((b) => (Buffer.byteLength(b) > limit ? { status: 413, body: '' } : undefined)).options(),
    );
    expect(alone.map((r) => r.reason)).toEqual(['too_large']);
  });

  it.each([
    [401, 'AUTH_FAILED'],
    [403, 'AUTH_FAILED'],
    [404, 'SINK_UNAVAILABLE'],
    [429, 'SINK_UNAVAILABLE'],
    [500, 'SINK_UNAVAILABLE'],
    [503, 'SINK_UNAVAILABLE'],
  ])('HTTP %i throws %s, retryable, without isolating anything', async (status, code) => {
    const server = fakeServer(() => ({ status, body: '{"error":"nope"}', retryAfterMs: 7000 }));
    const error: unknown = await writeIsolated(lines(10), server.options()).catch((e: unknown) => e);
    expect(isSdkError(error, code as 'AUTH_FAILED')).toBe(true);
    expect(error).toMatchObject({ retryable: true, data: { status } });
    if (status === 429 || status === 503) expect(error).toMatchObject({ retryAfterMs: 7000 });
    expect(server.requests).toHaveLength(1);
  });

  it('treats a 400 that describes a configuration problem as retryable (data kept), not as poison', async () => {
    const server = fakeServer(() => ({ status: 400, body: '{"error":"database is required"}' }));
    const error: unknown = await writeIsolated(lines(10), server.options()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true, data: { reason: 'config' } });
  });

  it('reports the types a conflict message names', async () => {
    const ls = lines(3);
    const reported: unknown[] = [];
    const server = fakeServer(() => ({
      status: 400,
      body: JSON.stringify({
        error:
          'partial write: field type conflict: input field "v" on measurement "m" is type float, already exists as type string dropped=3',
      }),
    }));
    const rejected = await writeIsolated(ls, server.options({ onReportedType: (r) => reported.push(r) }));
    expect(rejected.map((r) => r.line)).toEqual([0, 1, 2]);
    expect(reported).toEqual([{ measurement: 'm', field: 'v', type: 'string' }]);
  });
});

describe('chunksByBytes', () => {
  it('keeps lines in order within the byte budget, a longer line alone', () => {
    const ls = ['aaaa', 'bb', 'cccccccccccc', 'd'].map((text) => ({
      text,
      point: { measurement: 'm', tags: {}, fields: { f: 1 }, time: 1 },
    }));
    expect(chunksByBytes(ls, 8)).toEqual([[0, 1], [2], [3]]);
  });
});
