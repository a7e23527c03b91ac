import { describe, expect, it } from 'vitest';
import { compileFilterRules, globToRegExp } from './filter.js';

const sc = (entity_id: string) => ({ event_type: 'state_changed', entity_id, domain: entity_id.split('.')[0] });
const cs = (domain: string, entity_id?: string) => ({
  event_type: 'call_service',
  data: { domain, service: 'turn_on', ...(entity_id ? { entity_id } : {}) },
});

describe('compileFilterRules', () => {
  it('keeps everything without rules', () => {
    expect(compileFilterRules({})(sc('light.a'))).toBe(true);
  });

  it('includes by domain, entity id, glob and event type (any match)', () => {
    const keep = compileFilterRules({
      include: {
        domains: ['light'],
        entities: ['switch.pump'],
        entity_globs: ['sensor.*_temperature'],
        event_types: ['automation_triggered'],
      },
    });
    expect(keep(sc('light.kitchen'))).toBe(true);
    expect(keep(sc('switch.pump'))).toBe(true);
    expect(keep(sc('switch.other'))).toBe(false);
    expect(keep(sc('sensor.kitchen_temperature'))).toBe(true);
    expect(keep(sc('sensor.kitchen_humidity'))).toBe(false);
    expect(keep({ event_type: 'automation_triggered', data: {} })).toBe(true);
    expect(keep({ event_type: 'call_service', data: {} })).toBe(false);
  });

  it('lets exclude win over include', () => {
    const keep = compileFilterRules({
      include: { domains: ['sensor'] },
      exclude: { entities: ['sensor.noisy'], entity_globs: ['sensor.debug_*'] },
    });
    expect(keep(sc('sensor.good'))).toBe(true);
    expect(keep(sc('sensor.noisy'))).toBe(false);
    expect(keep(sc('sensor.debug_1'))).toBe(false);
  });

  it('excludes only when there is no include, keeping the rest', () => {
    const keep = compileFilterRules({ exclude: { domains: ['automation'], event_types: ['call_service'] } });
    expect(keep(sc('automation.x'))).toBe(false);
    expect(keep(cs('light'))).toBe(false);
    expect(keep(sc('light.x'))).toBe(true);
  });

  it('judges each event on its own facts when one compiled filter runs over mixed events (no stale fields)', () => {
    // The predicate reuses one scratch record per compiled filter: every field must be refilled per event.
    const keep = compileFilterRules({
      include: { domains: ['light'], entities: ['switch.pump'], event_types: ['automation_triggered'] },
    });
    const sequence: [unknown, boolean][] = [
      [cs('switch', 'light.x'), true],
      [{ event_type: 'call_service', data: {} }, false],
      [sc('switch.pump'), true],
      [{ event_type: 'call_service' }, false],
      [{ event_type: 'automation_triggered', data: {} }, true],
      [{ entity_id: 'sensor.a' }, false],
      ['not an event', false],
      [{ domain: 'light' }, true],
      [{}, false],
    ];
    expect(sequence.map(([event]) => keep(event))).toEqual(sequence.map(([, expected]) => expected));
  });

  it('matches non-state events on data.entity_id and data.domain', () => {
    const keep = compileFilterRules({ include: { domains: ['light'] } });
    expect(keep(cs('light'))).toBe(true);
    expect(keep(cs('switch', 'light.x'))).toBe(true);
    expect(keep(cs('switch'))).toBe(false);
    expect(keep(null)).toBe(false);
  });
});

describe('globToRegExp', () => {
  it('supports * and ? and escapes regex characters', () => {
    expect(globToRegExp('sensor.?_t*').test('sensor.a_temp')).toBe(true);
    expect(globToRegExp('sensor.?_t*').test('sensorXa_temp')).toBe(false);
    expect(globToRegExp('a+b').test('a+b')).toBe(true);
  });
});
