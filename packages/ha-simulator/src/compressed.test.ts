import { describe, expect, it } from 'vitest';
import { compressState, stateDiff, stateDiffEvent } from './compressed.js';
import type { HaWireState } from './types.js';

const base: HaWireState = {
  entity_id: 'light.x',
  state: 'on',
  attributes: { brightness: 10, effect: null, friendly_name: 'X' },
  last_changed: '2024-01-01T12:00:00+00:00',
  last_reported: '2024-01-01T12:00:00+00:00',
  last_updated: '2024-01-01T12:00:00+00:00',
  context: { id: '01HZZZZZZZZZZZZZZZZZZZZZZA', parent_id: null, user_id: null },
};

describe('compressed states (subscribe_entities)', () => {
  it('uses a plain context id without parent and user, and omits lu when equal to lc', () => {
    expect(compressState(base)).toEqual({ s: 'on', a: base.attributes, c: base.context.id, lc: 1704110400 });
  });

  it('keeps the context dict and adds lu when they differ', () => {
    const s = {
      ...base,
      last_updated: '2024-01-01T12:00:01.500000+00:00',
      context: { ...base.context, user_id: 'u1' },
    };
    expect(compressState(s)).toEqual({ s: 'on', a: base.attributes, c: s.context, lc: 1704110400, lu: 1704110401.5 });
  });

  it('diffs a state change with lc and a new context id as a string', () => {
    const next = {
      ...base,
      state: 'off',
      last_changed: '2024-01-01T12:00:05+00:00',
      last_updated: '2024-01-01T12:00:05+00:00',
      context: { ...base.context, id: '01HZZZZZZZZZZZZZZZZZZZZZZB' },
    };
    expect(stateDiff(base, next)).toEqual({ '+': { s: 'off', lc: 1704110405, c: '01HZZZZZZZZZZZZZZZZZZZZZZB' } });
  });

  it('diffs an attribute-only change with lu, changed keys in + and removed keys in -', () => {
    const next = {
      ...base,
      attributes: { brightness: 20, friendly_name: 'X' },
      last_updated: '2024-01-01T12:00:05.000001+00:00',
    };
    expect(stateDiff(base, next)).toEqual({
      '+': { lu: 1704110405.000001, a: { brightness: 20 } },
      '-': { a: ['effect'] },
    });
  });

  it('keeps "+" even when only attributes were removed, and merges context parts into a dict', () => {
    const next = {
      ...base,
      attributes: { brightness: 10, friendly_name: 'X' },
      context: { id: 'NEW', parent_id: 'P', user_id: null },
    };
    expect(stateDiff(base, next)).toEqual({ '+': { c: { parent_id: 'P', id: 'NEW' } }, '-': { a: ['effect'] } });
  });

  it('treats 1 and true as equal attribute values (Python ==)', () => {
    expect(stateDiff({ ...base, attributes: { v: 1 } }, { ...base, attributes: { v: true } })).toEqual({ '+': {} });
  });

  it('maps added and removed entities to a and r events', () => {
    expect(stateDiffEvent({ entity_id: 'light.x', old_state: null, new_state: base })).toEqual({
      a: { 'light.x': compressState(base) },
    });
    expect(stateDiffEvent({ entity_id: 'light.x', old_state: base, new_state: null })).toEqual({ r: ['light.x'] });
  });
});
