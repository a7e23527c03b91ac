import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pipeline } from '../builder/pipeline.js';
import type { DeadLetterRecord } from '../component/context.js';
import type { StateChangedEvent } from '../model/event.js';
import { checkEventTime, EVENT_TIME_MAX, EVENT_TIME_MIN } from './event-time.js';
import { createLagObserver, lagSeconds } from '../observability/lag.js';
import { fileSink } from '../file-sink/file-sink.js';
import { createMetrics } from '../observability/metrics.js';
import { arraySource } from '../testing/array-source.js';
import { collectingSink } from '../testing/collecting-sink.js';
import { makeStateChanged, TEST_EVENT_TIME } from '../testing/events.js';
import { parseHaTime } from '../model/time.js';

const at = (iso: string): number => parseHaTime(iso) ?? expect.fail(`not a time: ${iso}`);

describe('checkEventTime', () => {
  it('accepts the inclusive bounds 1700-01-01T00:00:00Z and 2249-12-31T23:59:59.999999Z', () => {
    expect(EVENT_TIME_MIN).toBe(at('1700-01-01T00:00:00Z'));
    expect(EVENT_TIME_MAX).toBe(at('2249-12-31T23:59:59.999999Z'));
    expect(checkEventTime({ time_fired: EVENT_TIME_MIN })).toBeUndefined();
    expect(checkEventTime({ time_fired: EVENT_TIME_MAX })).toBeUndefined();
    expect(checkEventTime({ time_fired: 0 })).toBeUndefined();
  });

  it.each([
    ['one µs before the range', EVENT_TIME_MIN - 1],
    ['one µs after the range', EVENT_TIME_MAX + 1],
    ['year 0001 (once parsed as 1901)', at('0001-01-01T00:00:00Z')],
    ['year 9999', at('9999-12-31T23:59:59Z')],
  ])('refuses %s as time_out_of_range, naming the field and the time', (_name, time) => {
    const problem = checkEventTime({ time_fired: time });
    expect(problem).toMatchObject({ reason: 'time_out_of_range', field: 'time_fired' });
    expect(problem?.message).toMatch(/^time_fired .* is outside the accepted range 1700-01-01T00:00:00Z/);
  });

  it.each([
    ['NaN', Number.NaN],
    ['a fraction', 1.5],
    ['a string', '2024-01-01T00:00:00Z'],
    ['an object', { t: 1 }],
  ])('refuses a time that is %s as invalid_time', (_name, time) => {
    expect(checkEventTime({ time_fired: time })).toMatchObject({ reason: 'invalid_time', field: 'time_fired' });
  });

  it('checks last_updated/last_changed/last_reported too (schemas may take the point time from them)', () => {
    expect(checkEventTime(makeStateChanged({ last_changed: at('9999-01-01T00:00:00Z') }))).toMatchObject({
      field: 'last_changed',
    });
    expect(checkEventTime(makeStateChanged({ last_reported: EVENT_TIME_MAX + 1 }))).toMatchObject({
      field: 'last_reported',
    });
  });

  it('passes events without HA times (absent or null fields, non-objects)', () => {
    expect(checkEventTime({ n: 1 })).toBeUndefined();
    expect(checkEventTime({ time_fired: 1, last_reported: null })).toBeUndefined();
    expect(checkEventTime('text')).toBeUndefined();
  });
});

describe('the event-time stage in a pipeline', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ha-event-time-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('dead-letters an out-of-range event once, counts and acks it, and no sink (NDJSON, LP, memory) sees it', async () => {
    const good = makeStateChanged({ state: 'ok' });
    const future = makeStateChanged({ entity_id: 'sensor.far', last_updated: at('9999-12-31T23:59:59Z') });
    const ancient = makeStateChanged({ entity_id: 'sensor.old', last_updated: at('0001-01-01T00:00:00Z') });
    const source = arraySource([future, good, ancient], { finite: true });
    const memory = collectingSink<StateChangedEvent>({ name: 'memory' });
    const p = pipeline(source)
      .to(fileSink({ dir, format: 'both' }))
      .to(memory)
      .build();
    const dead: DeadLetterRecord[] = [];
    p.events.on('dead-letter', (r) => dead.push(r));
    await p.start();
    await p.idle();
    const stats = await p.stop();

    expect(dead.map((r) => [r.stage, r.reason, (r.raw as StateChangedEvent).entity_id])).toEqual([
      ['event-time', 'time_out_of_range', 'sensor.far'],
      ['event-time', 'time_out_of_range', 'sensor.old'],
    ]);
    expect(stats.dropped).toMatchObject({ time_out_of_range: 2 });
    expect(source.handled()).toBe(3);
    expect(source.failed()).toEqual([]);
    expect(memory.written().map((e) => e.state)).toEqual(['ok']);
    const files = await readdir(dir);
    const text = (ext: string) => readFile(join(dir, files.find((f) => f.endsWith(ext)) ?? expect.fail(ext)), 'utf8');
    expect((await text('.ndjson')).trim().split('\n')).toHaveLength(1);
    expect((await text('.lp')).split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toHaveLength(1);
    const metrics = await p.metrics.registry.metrics();
    expect(metrics).toContain('ha_ingestor_events_dropped_total{reason="time_out_of_range"} 2');
    expect(metrics).toContain('ha_ingestor_dead_lettered_total{stage="event-time",reason="time_out_of_range"} 2');
  });
});

describe('end-to-end lag', () => {
  const now = TEST_EVENT_TIME / 1000; // ms

  it('is the age in seconds, 0 within the clock skew, and not a lag beyond it or past 30 days', () => {
    expect(lagSeconds(TEST_EVENT_TIME - 2_500_000, now)).toBe(2.5);
    expect(lagSeconds(TEST_EVENT_TIME + 30_000_000, now)).toBe(0);
    expect(lagSeconds(TEST_EVENT_TIME + 61_000_000, now)).toBe('future');
    expect(lagSeconds(TEST_EVENT_TIME - 31 * 86_400_000_000, now)).toBe('too_old');
    expect(lagSeconds(at('9999-12-31T23:59:59Z'), now)).toBe('future');
  });

  it('never observes a negative or absurd value and counts what it leaves out', async () => {
    const metrics = createMetrics();
    const observe = createLagObserver(metrics);
    observe(
      [
        { time_fired: TEST_EVENT_TIME - 2_000_000 },
        { time_fired: at('9999-12-31T23:59:59Z') },
        { time_fired: at('1901-01-01T00:00:00Z') },
        { time_fired: TEST_EVENT_TIME + 1_000_000 },
        { no_time: true },
      ],
      now,
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('ha_ingestor_end_to_end_lag_seconds_count 2');
    expect(text).toContain('ha_ingestor_end_to_end_lag_seconds_sum 2\n');
    expect(text).toContain('ha_ingestor_end_to_end_lag_skipped_total{reason="future"} 1');
    expect(text).toContain('ha_ingestor_end_to_end_lag_skipped_total{reason="too_old"} 1');
  });
});
