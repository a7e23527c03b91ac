import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSdkError } from '@ha-ingestor/core';
import type { SettledResult } from '../parser.js';
import { message, parserContext } from '../test-helpers.js';
import { createStatestreamParser } from './statestream.js';

// Issue 11 regressions: hostile payloads, throws in timers, unbounded maps and waits.
const HOSTILE = '['.repeat(3000) + ']'.repeat(3000);
const LU = '2026-11-29T10:00:00.123456+00:00';

const parser = (over: Parameters<typeof createStatestreamParser>[0] = {}) =>
  createStatestreamParser({ baseTopic: 'ha', assemblyWindowMs: 100, timestampWaitMs: 2000, ...over });

const eventOf = (result: SettledResult | undefined) => (result?.kind === 'events' ? result.events[0] : undefined);

describe('statestream parser hardening (issue 11)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('dead-letters the 6 KB attribute nested 3000 deep as json_too_deep at once; the change still closes into one event', () => {
    const p = parser({ timestampWaitMs: 0 });
    const ctx = parserContext();
    expect(HOSTILE.length).toBe(6000);
    expect(p.parse(message('ha/sensor/kitchen/state', '21'), ctx).kind).toBe('pending');
    const hostile = p.parse(message('ha/sensor/kitchen/evil', HOSTILE), ctx);
    expect(hostile).toMatchObject({ kind: 'invalid', reason: 'json_too_deep' });
    expect(hostile.kind === 'invalid' && hostile.message).toMatch(/attribute evil: .*deeper than 32 levels/);
    p.parse(message('ha/sensor/kitchen/unit', '"°C"'), ctx);
    vi.runAllTimers();
    expect(ctx.settled).toHaveLength(1);
    expect(eventOf(ctx.settled[0]?.result)).toMatchObject({
      entity_id: 'sensor.kitchen',
      state: '21',
      attributes: { unit: '°C' },
    });
    expect(ctx.reported).toEqual([]);
  });

  it('a throw inside the assembly timer is reported and settles the change as callback_failed (dead-letter + ack)', () => {
    let broken = false;
    const ctx = parserContext({
      now: () => {
        if (broken) throw new Error('injected clock failure');
        return Date.now();
      },
    });
    const p = parser();
    const msgs = [message('ha/light/desk/state', 'on'), message('ha/light/desk/brightness', '128')];
    for (const m of msgs) p.parse(m, ctx);
    broken = true; // the next ctx.now() call happens inside the window timer
    expect(() => vi.runAllTimers()).not.toThrow();
    expect(ctx.reported).toHaveLength(1);
    expect(isSdkError(ctx.reported[0], 'INTERNAL')).toBe(true);
    expect(ctx.reported[0]).toMatchObject({ stage: 'source:mqtt', data: { callback: 'statestream assembly window' } });
    expect(ctx.settled).toHaveLength(1);
    expect(ctx.settled[0]?.messages).toEqual(msgs);
    expect(ctx.settled[0]?.result).toMatchObject({ kind: 'invalid', reason: 'callback_failed' });
    expect(ctx.settled[0]?.result.kind === 'invalid' && ctx.settled[0].result.message).toContain(
      'injected clock failure',
    );
    // The parser is still usable: the next change of the same entity assembles normally.
    broken = false;
    p.parse(message('ha/light/desk/state', 'off'), ctx);
    p.parse(message('ha/light/desk/last_updated', LU), ctx);
    vi.runAllTimers();
    expect(eventOf(ctx.settled[1]?.result)).toMatchObject({ entity_id: 'light.desk', state: 'off' });
  });

  it('keeps an attribute topic named __proto__ as an attribute (no prototype swap)', () => {
    const p = parser({ timestampWaitMs: 0 });
    const ctx = parserContext();
    p.parse(message('ha/sensor/x/state', '1'), ctx);
    p.parse(message('ha/sensor/x/__proto__', '{"polluted":true}'), ctx);
    vi.runAllTimers();
    const attributes = eventOf(ctx.settled[0]?.result)?.attributes ?? {};
    expect(Object.keys(attributes)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect((attributes as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('dead-letters statestream topics that do not name a valid entity id', () => {
    const p = parser();
    const ctx = parserContext();
    for (const topic of ['ha/Sensor/x/state', 'ha/sensor/kü che/state', 'ha/sensor.a/b/state']) {
      expect(p.parse(message(topic, '1'), ctx)).toMatchObject({ kind: 'invalid', reason: 'invalid_entity_id' });
    }
  });

  it('bounds open assemblies and remembered states over 50,000 distinct entities, counting evictions', () => {
    const p = parser({ timestampWaitMs: 0, maxOpenAssemblies: 1000, maxEntities: 10_000 });
    const ctx = parserContext();
    for (let i = 0; i < 50_000; i++) p.parse(message(`ha/sensor/e${i}/state`, '1', { retain: true }), ctx);
    // Past 1,000 open changes the least recently touched one closes early (with what it has: one event).
    expect(ctx.evictions['statestream_open']).toBe(49_000);
    expect(ctx.settled).toHaveLength(49_000);
    vi.runAllTimers();
    expect(ctx.settled).toHaveLength(50_000);
    for (const s of ctx.settled) if (s.result.kind === 'events') s.result.onHandled?.();
    expect(ctx.evictions['statestream_memory']).toBe(40_000);
    // The newest 10,000 are remembered (their retained replay is dropped), the oldest were forgotten.
    p.parse(message('ha/sensor/e49999/state', '1', { retain: true }), ctx);
    p.parse(message('ha/sensor/e0/state', '1', { retain: true }), ctx);
    vi.runAllTimers();
    expect(ctx.settled.slice(-2).map((s) => (s.result.kind === 'ignored' ? s.result.reason : s.result.kind))).toEqual([
      'duplicate_replay',
      'events',
    ]);
  });

  it('parks at most maxTimestampWaits changes waiting for last_updated; the oldest waits are cut first', () => {
    const p = parser({ maxTimestampWaits: 10 });
    const ctx = parserContext();
    // The stream publishes timestamps: changes without one wait for it.
    p.parse(message('ha/sensor/ref/state', '1'), ctx);
    p.parse(message('ha/sensor/ref/last_updated', LU), ctx);
    for (let i = 0; i < 1000; i++)
      p.parse(message(`ha/sensor/flood${i}/state`, String(i), { receivedAt: 1_000 + i }), ctx);
    vi.advanceTimersByTime(100);
    expect(ctx.evictions['statestream_wait_limit']).toBe(990);
    // ref and the 990 oldest flood changes are settled; the 10 newest are parked.
    expect(ctx.settled).toHaveLength(991);
    const cut = ctx.settled.slice(1).map((s) => eventOf(s.result));
    expect(cut.every((e) => e?.provenance.timeFromReceipt === true)).toBe(true);
    expect(cut.map((e) => e?.entity_id).slice(0, 2)).toEqual(['sensor.flood0', 'sensor.flood1']);
    // A parked change still gets its timestamp when it comes.
    p.parse(message('ha/sensor/flood999/last_updated', LU), ctx);
    vi.advanceTimersByTime(100);
    expect(eventOf(ctx.settled.at(-1)?.result)).toMatchObject({
      entity_id: 'sensor.flood999',
      provenance: { topic: 'ha/sensor/flood999/state' },
    });
    expect(eventOf(ctx.settled.at(-1)?.result)?.provenance.timeFromReceipt).toBeUndefined();
    vi.advanceTimersByTime(2000);
    expect(ctx.settled).toHaveLength(1001);
  });

  it('does not park while the ack window is crowded, and relieve() cuts every parked wait', () => {
    let crowded = false;
    const p = parser();
    const ctx = parserContext({ crowded: () => crowded });
    p.parse(message('ha/sensor/ref/last_updated', LU), ctx); // timestamps are published
    vi.advanceTimersByTime(100);
    for (let i = 0; i < 5; i++) p.parse(message(`ha/sensor/a${i}/state`, '1'), ctx);
    vi.advanceTimersByTime(100);
    expect(ctx.settled).toHaveLength(1); // ref's straggler; a0..a4 are parked
    p.relieve?.(ctx);
    expect(ctx.settled).toHaveLength(6);
    expect(ctx.evictions['statestream_wait_pressure']).toBe(5);
    crowded = true;
    p.parse(message('ha/sensor/b/state', '1'), ctx);
    vi.advanceTimersByTime(100);
    expect(ctx.settled).toHaveLength(7);
    expect(eventOf(ctx.settled[6]?.result)).toMatchObject({
      entity_id: 'sensor.b',
      provenance: { timeFromReceipt: true },
    });
    expect(ctx.evictions['statestream_wait_pressure']).toBe(6);
  });

  it('extends a timestamp wait while the source is backlogged (cannot read behind a slow pipeline), up to 5 × timestampWaitMs', () => {
    let backlogged = true;
    const p = parser();
    const ctx = parserContext({ backlogged: () => backlogged });
    p.parse(message('ha/sensor/a/last_updated', LU), ctx); // timestamps are published
    p.parse(message('ha/sensor/a/state', '1'), ctx);
    vi.advanceTimersByTime(100);
    p.parse(message('ha/sensor/b/state', '2'), ctx);
    vi.advanceTimersByTime(2500); // b's 2 s wait ran out while backlogged: still waiting
    expect(ctx.settled.map((x) => eventOf(x.result)?.entity_id)).toEqual(['sensor.a']);
    backlogged = false;
    p.parse(message('ha/sensor/b/last_updated', LU), ctx);
    vi.advanceTimersByTime(100);
    const b = eventOf(ctx.settled[1]?.result);
    expect(b?.entity_id).toBe('sensor.b');
    expect(b?.provenance.timeFromReceipt).toBeUndefined(); // HA's last_updated, as the WebSocket copy
    // Bounded: backlogged for ever, a wait still ends at 5 × timestampWaitMs with the receipt time.
    backlogged = true;
    p.parse(message('ha/sensor/c/state', '3'), ctx);
    vi.advanceTimersByTime(9_999);
    expect(ctx.settled).toHaveLength(2);
    vi.advanceTimersByTime(200);
    expect(eventOf(ctx.settled[2]?.result)?.provenance.timeFromReceipt).toBe(true);
    expect(ctx.reported).toEqual([]);
  });
});
