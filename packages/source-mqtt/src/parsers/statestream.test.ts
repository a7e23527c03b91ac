import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHaTime } from '@ha-ingestor/core';
import { message, parserContext } from '../test-helpers.js';
import { createStatestreamParser, parseStatestreamTopic } from './statestream.js';

const LU = '2026-11-29T10:00:00.123456+00:00';
const LU_US = parseHaTime(LU) ?? 0;

const parser = (over: Partial<Parameters<typeof createStatestreamParser>[0]> = {}) =>
  createStatestreamParser({
    baseTopic: 'ha',
    assemblyWindowMs: 75,
    timestampWaitMs: 0,
    dropRetainedReplay: true,
    ...over,
  });

/** The messages HA's mqtt_statestream publishes for one change, in HA's order. */
const change = (state: string, attrs: Record<string, unknown>, lu?: string, extra: { retain?: boolean } = {}) => [
  message('ha/sensor/kitchen/state', state, extra),
  ...(lu === undefined
    ? []
    : [message('ha/sensor/kitchen/last_updated', lu, extra), message('ha/sensor/kitchen/last_changed', lu, extra)]),
  ...Object.entries(attrs).map(([k, v]) => message(`ha/sensor/kitchen/${k}`, JSON.stringify(v), extra)),
];

describe('statestream parser', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('assembles state, timestamps and per-attribute topics into ONE event after the window', () => {
    const p = parser();
    const ctx = parserContext();
    const msgs = change('21.5', { unit_of_measurement: '°C', friendly_name: 'Kitchen', options: [1, 2] }, LU);
    for (const m of msgs) expect(p.parse(m, ctx).kind).toBe('pending');
    vi.advanceTimersByTime(74);
    expect(ctx.settled).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(ctx.settled).toHaveLength(1);
    const { messages, result } = ctx.settled[0] ?? { messages: [], result: undefined };
    expect(messages).toHaveLength(msgs.length);
    expect(result?.kind).toBe('events');
    if (result?.kind !== 'events') return;
    const [event] = result.events;
    expect(event).toMatchObject({
      entity_id: 'sensor.kitchen',
      domain: 'sensor',
      object_id: 'kitchen',
      state: '21.5',
      attributes: { unit_of_measurement: '°C', friendly_name: 'Kitchen', options: [1, 2] },
      last_updated: LU_US,
      last_changed: LU_US,
      time_fired: LU_US,
      key: `sensor.kitchen@${LU_US}`,
      provenance: { source: 'mqtt', mode: 'live', topic: 'ha/sensor/kitchen/state', qos: 1, retain: false },
    });
    expect(event?.provenance.timeFromReceipt).toBeUndefined();
  });

  it('keeps the window open while messages keep coming, up to 4 × assemblyWindowMs', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '1'), ctx);
    vi.advanceTimersByTime(60);
    p.parse(message('ha/sensor/kitchen/last_updated', LU), ctx);
    vi.advanceTimersByTime(60);
    expect(ctx.settled).toHaveLength(0); // 120 ms after the first message, 60 after the latest
    for (let i = 0; i < 3; i++) {
      p.parse(message(`ha/sensor/kitchen/attr${i}`, '1'), ctx);
      vi.advanceTimersByTime(60);
    }
    // The latest message came 60 ms ago, but the first 300 ms ago: the cap closed it.
    expect(ctx.settled).toHaveLength(1);
    const result = ctx.settled[0]?.result;
    expect(result?.kind === 'events' && result.events[0]).toMatchObject({
      last_updated: LU_US,
      attributes: { attr0: 1, attr1: 1, attr2: 1 },
    });
  });

  it('uses the receipt time and flags it when HA publishes no timestamps (learnt from the first change)', () => {
    const p = parser({ timestampWaitMs: 2000 });
    const ctx = parserContext();
    p.parse(message('ha/light/desk/state', 'on', { receivedAt: 5_000_000 }), ctx);
    // Not known yet whether timestamps come: the first change waits timestampWaitMs for one.
    vi.advanceTimersByTime(1999);
    expect(ctx.settled).toHaveLength(0);
    vi.advanceTimersByTime(1);
    const result = ctx.settled[0]?.result;
    expect(result?.kind === 'events' && result.events[0]).toMatchObject({
      last_updated: 5_000_000,
      key: 'light.desk@5000000',
      provenance: { timeFromReceipt: true },
    });
    // Now known: no timestamps. The next change closes after the normal window.
    p.parse(message('ha/light/desk/state', 'off', { receivedAt: 6_000_000 }), ctx);
    vi.advanceTimersByTime(75);
    const second = ctx.settled[1]?.result;
    expect(second?.kind === 'events' && second.events[0]).toMatchObject({
      state: 'off',
      provenance: { timeFromReceipt: true },
    });
  });

  it('accepts a combined `attributes` JSON object topic', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '1'), ctx);
    p.parse(message('ha/sensor/kitchen/attributes', '{"a":1,"b":"x"}'), ctx);
    vi.advanceTimersByTime(75);
    const result = ctx.settled[0]?.result;
    expect(result?.kind === 'events' && result.events[0]?.attributes).toEqual({ a: 1, b: 'x' });
  });

  it('closes the open change when a second state arrives inside the window', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '1'), ctx);
    p.parse(message('ha/sensor/kitchen/state', '2'), ctx);
    expect(ctx.settled).toHaveLength(1);
    vi.advanceTimersByTime(75);
    const states = ctx.settled.map((s) => (s.result.kind === 'events' ? s.result.events[0]?.state : undefined));
    expect(states).toEqual(['1', '2']);
  });

  it('drops an identical retained replay once the first copy was handled, and acks it', () => {
    const p = parser();
    const ctx = parserContext();
    for (const m of change('21.5', { unit: 'C' }, LU)) p.parse(m, ctx);
    vi.advanceTimersByTime(75);
    const first = ctx.settled[0]?.result;
    if (first?.kind === 'events') first.onHandled?.();
    for (const m of change('21.5', { unit: 'C' }, LU, { retain: true })) p.parse(m, ctx);
    vi.advanceTimersByTime(75);
    expect(ctx.settled[1]?.result).toEqual({ kind: 'ignored', reason: 'duplicate_replay' });
    expect(ctx.settled[1]?.messages).toHaveLength(4);
  });

  it('does not treat a redelivery as a replay while the first copy is not yet handled (a failed write must come back)', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '3'), ctx);
    vi.advanceTimersByTime(75);
    p.parse(message('ha/sensor/kitchen/state', '3'), ctx);
    vi.advanceTimersByTime(75);
    expect(ctx.settled.map((s) => s.result.kind)).toEqual(['events', 'events']);
  });

  it('fills old_state and keeps last_changed when only attributes changed', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '7', { receivedAt: 1_000 }), ctx);
    vi.advanceTimersByTime(75);
    const first = ctx.settled[0]?.result;
    if (first?.kind === 'events') first.onHandled?.();
    p.parse(message('ha/sensor/kitchen/state', '7', { receivedAt: 2_000 }), ctx);
    p.parse(message('ha/sensor/kitchen/battery', '90', { receivedAt: 2_000 }), ctx);
    vi.advanceTimersByTime(75);
    const second = ctx.settled[1]?.result;
    expect(second?.kind === 'events' && second.events[0]).toMatchObject({
      last_changed: 1_000,
      last_updated: 2_000,
      old_state: { state: '7' },
    });
  });

  it('dead-letters an attribute that is not JSON without dropping the rest of the change', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '1'), ctx);
    expect(p.parse(message('ha/sensor/kitchen/friendly_name', 'Kitchen'), ctx)).toMatchObject({
      kind: 'invalid',
      reason: 'invalid_json',
    });
    vi.advanceTimersByTime(75);
    expect(ctx.settled[0]?.result.kind).toBe('events');
  });

  it('dead-letters bad timestamps, a change without any state, and topics of another shape', () => {
    const p = parser();
    const ctx = parserContext();
    expect(p.parse(message('ha/sensor/kitchen/last_updated', 'yesterday'), ctx)).toMatchObject({
      kind: 'invalid',
      reason: 'invalid_timestamp',
    });
    expect(p.parse(message('ha/sensor/kitchen', '1'), ctx)).toMatchObject({
      kind: 'invalid',
      reason: 'unexpected_topic',
    });
    expect(p.parse(message('other/sensor/kitchen/state', '1'), ctx)).toMatchObject({
      kind: 'invalid',
      reason: 'unexpected_topic',
    });
  });

  it('never makes an event of stragglers without a state (the tail of a change slower than the window)', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '1'), ctx);
    vi.advanceTimersByTime(75);
    const first = ctx.settled[0]?.result;
    if (first?.kind === 'events') first.onHandled?.();
    p.parse(message('ha/sensor/kitchen/battery', '5'), ctx);
    vi.advanceTimersByTime(75);
    expect(ctx.settled[1]?.result).toEqual({ kind: 'ignored', reason: 'statestream_partial' });
  });

  it('once the stream publishes timestamps, waits (up to timestampWaitMs) for last_updated of every entity', () => {
    const p = parser({ timestampWaitMs: 1000 });
    const ctx = parserContext();
    p.parse(message('ha/sensor/kitchen/state', '1'), ctx);
    p.parse(message('ha/sensor/kitchen/last_updated', LU), ctx);
    vi.advanceTimersByTime(75);
    const LU2 = '2026-11-29T10:00:01.000001+00:00';
    p.parse(message('ha/sensor/kitchen/state', '2'), ctx);
    vi.advanceTimersByTime(500); // quiet for longer than the window and the 4× cap, but a timestamp is due
    expect(ctx.settled).toHaveLength(1);
    p.parse(message('ha/sensor/kitchen/last_updated', LU2), ctx);
    vi.advanceTimersByTime(75);
    const second = ctx.settled[1]?.result;
    expect(second?.kind === 'events' && second.events[0]).toMatchObject({ state: '2', last_updated: parseHaTime(LU2) });
    // Another entity's first change after a start waits too (HA's publish_timestamps is global).
    const LU3 = '2026-11-29T10:00:02.000002+00:00';
    p.parse(message('ha/sensor/hall/state', '7'), ctx);
    vi.advanceTimersByTime(600);
    expect(ctx.settled).toHaveLength(2);
    p.parse(message('ha/sensor/hall/last_updated', LU3), ctx);
    vi.advanceTimersByTime(75);
    const third = ctx.settled[2]?.result;
    expect(third?.kind === 'events' && third.events[0]).toMatchObject({
      entity_id: 'sensor.hall',
      last_updated: parseHaTime(LU3),
    });
    // A timestamp that never comes: the receipt time after timestampWaitMs, flagged.
    p.parse(message('ha/sensor/kitchen/state', '3'), ctx);
    vi.advanceTimersByTime(999);
    expect(ctx.settled).toHaveLength(3);
    vi.advanceTimersByTime(1);
    const fourth = ctx.settled[3]?.result;
    expect(fourth?.kind === 'events' && fourth.events[0]?.provenance.timeFromReceipt).toBe(true);
  });

  it('flush() settles every open change at once (stop)', () => {
    const p = parser();
    const ctx = parserContext();
    p.parse(message('ha/sensor/a/state', '1'), ctx);
    p.parse(message('ha/sensor/b/state', '2'), ctx);
    p.flush?.(ctx);
    expect(ctx.settled).toHaveLength(2);
  });

  it('parses topics under a multi-level base topic', () => {
    expect(parseStatestreamTopic('home/stream/sensor/x/state', 'home/stream')).toEqual({
      domain: 'sensor',
      objectId: 'x',
      leaf: 'state',
    });
    expect(parseStatestreamTopic('home/stream/sensor/x', 'home/stream')).toBeUndefined();
  });
});
