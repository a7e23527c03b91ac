// The webhook sink inside a pipeline: core's retry honours the receiver's failures, a 4xx lands in the
// dead-letter file with the receiver's answer, and the events' acknowledgements reach the source.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from '@ha-ingestor/core';
import { arraySource, makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../test/receiver.js';
import { webhookSink } from './webhook-sink.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  cleanups.push(() => r.close());
  return r;
}
const events = Array.from({ length: 10 }, (_, i) =>
  makeStateChanged({ entity_id: `sensor.p${i}`, last_updated: TEST_EVENT_TIME + i }),
);
const delivery = { batch: { maxSize: 100, maxWaitMs: 10 }, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 } };

describe('webhookSink in a pipeline', () => {
  it('503 and 429 (Retry-After: 0) are retried with the same Idempotency-Key until the receiver takes the batch', async () => {
    const r = await receiver();
    r.script({ status: 503 }, { status: 429, headers: { 'retry-after': '0' } });
    const source = arraySource(events, { finite: true });
    const p = pipeline(source)
      .to(webhookSink({ url: r.url }), delivery)
      .build();
    await p.start();
    await p.idle();
    const stats = await p.stop();
    expect(stats.failed).toBe(0);
    expect(stats.written['webhook']).toBe(10);
    expect(source.handled()).toBe(10);
    expect(r.requests.map((q) => q.headers['idempotency-key'])).toEqual(
      Array(3).fill(r.requests[0]?.headers['idempotency-key']),
    );
    expect(r.accepted()).toEqual(events);
  });

  it('400 dead-letters the events with the status and the receiver’s answer; they count as handled', async () => {
    const r = await receiver();
    r.script({ status: 400, body: '{"error":"schema mismatch: state must be a number"}' });
    const dir = await mkdtemp(join(tmpdir(), 'webhook-dl-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const source = arraySource(events, { finite: true });
    const p = pipeline(source)
      .to(webhookSink({ url: r.url }), delivery)
      .build({ deadLetter: { path: join(dir, 'dead-letter.ndjson') } });
    await p.start();
    await p.idle();
    const stats = await p.stop();
    expect(r.requests).toHaveLength(1); // never retried
    expect(stats.dropped['rejected']).toBe(10);
    expect(source.handled()).toBe(10);
    const records = (await readFile(join(dir, 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stage: string; reason: string; message: string });
    expect(records).toHaveLength(10);
    expect(records[0]).toMatchObject({ stage: 'sink:webhook', reason: 'http_400' });
    expect(records[0]?.message).toContain('schema mismatch');
  });
});
