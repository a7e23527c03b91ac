import { describe, expect, it } from 'vitest';
import { createEventBus } from './event-bus.js';
import { createSimClock } from './ha-time.js';
import { createRng } from './prng.js';
import { createStateMachine } from './state-machine.js';
import type { StateChangedData } from './types.js';

function setup() {
  let now = Date.UTC(2026, 0, 1);
  const bus = createEventBus();
  const clock = createSimClock(() => now, createRng(1));
  let n = 0;
  const sm = createStateMachine(bus, clock, () => ({
    id: `01HCTX${String(++n).padStart(20, '0')}`,
    parent_id: null,
    user_id: null,
  }));
  return { bus, sm, advance: (ms: number) => (now += ms) };
}

describe('state machine (HA async_set_internal)', () => {
  it('fires state_changed with old_state null for a new entity', () => {
    const { sm } = setup();
    const e = sm.set('sensor.t', '1', { unit_of_measurement: '°C' });
    const d = e.event.data as StateChangedData;
    expect(d.old_state).toBeNull();
    expect(d.new_state?.state).toBe('1');
    expect(e.event.time_fired).toBe(d.new_state?.last_updated);
    expect(e.delivered).toBe(true);
  });

  it('keeps last_changed on attribute-only changes and moves last_updated', () => {
    const { sm, advance } = setup();
    sm.set('sensor.t', '1', { a: 1 });
    advance(1000);
    const d = sm.set('sensor.t', '1', { a: 2 }).event.data as StateChangedData;
    expect(d.new_state?.last_changed).toBe(d.old_state?.last_changed);
    expect(d.new_state?.last_updated).not.toBe(d.old_state?.last_updated);
  });

  it('turns an identical write into an undelivered state_reported that only moves last_reported', () => {
    const { sm, bus, advance } = setup();
    sm.set('sensor.t', '1', { a: 1 });
    const before = sm.get('sensor.t');
    advance(1000);
    const e = sm.set('sensor.t', '1', { a: true }); // 1 == True in Python: no change
    expect(e.event.event_type).toBe('state_reported');
    expect(e.delivered).toBe(false);
    expect(bus.emitted.map((x) => x.event.event_type)).toEqual(['state_changed']);
    expect(sm.get('sensor.t')?.lastUpdated).toBe(before?.lastUpdated);
    expect(sm.get('sensor.t')?.lastReported).toBeGreaterThan(before?.lastUpdated ?? 0);
  });

  // core.py: same_state = old.state == new and not force_update → last_changed moves too, which is
  // why force_update rows count as significant in history.
  it('fires state_changed with identical states under force_update, moving last_changed with last_updated', () => {
    const { sm } = setup();
    sm.set('sensor.t', '1', {});
    const d = sm.set('sensor.t', '1', {}, { forceUpdate: true }).event.data as StateChangedData;
    expect(d.new_state?.state).toBe(d.old_state?.state);
    expect(d.new_state?.last_updated).not.toBe(d.old_state?.last_updated);
    expect(d.new_state?.last_changed).toBe(d.new_state?.last_updated);
  });

  it('fires new_state null on removal and rejects invalid ids and long states', () => {
    const { sm } = setup();
    sm.set('sensor.t', '', {});
    const d = sm.remove('sensor.t')?.event.data as StateChangedData;
    expect(d.new_state).toBeNull();
    expect(d.old_state?.state).toBe('');
    expect(sm.remove('sensor.t')).toBeUndefined();
    expect(() => sm.set('Not valid', 'x', {})).toThrow(/Invalid entity ID/);
    expect(() => sm.set('sensor.long', 'x'.repeat(256), {})).toThrow(/255/);
  });

  it('serves per-type listeners before match-all listeners', () => {
    const { sm, bus } = setup();
    const order: string[] = [];
    bus.listen('*', () => order.push('all'));
    bus.listen('state_changed', () => order.push('typed'));
    sm.set('sensor.t', '1', {});
    expect(order).toEqual(['typed', 'all']);
  });
});

describe('emitted identity', () => {
  it('keys state changes by entity and µs time, other events also by context id', () => {
    const { sm, bus } = setup();
    const e = sm.set('sensor.t', '1', {});
    expect(e.key).toBe(`sensor.t@${e.timeFiredMicros}`);
    const other = bus.fire(
      'call_service',
      { domain: 'light', service: 'turn_on' },
      { context: { id: 'C1', parent_id: null, user_id: null }, timeMicros: 5 },
    );
    expect(other.key).toBe('call_service:light.turn_on@5#C1');
  });
});
