import { describe, expect, it } from 'vitest';
import { createEventGenerator } from './generator.js';
import type { HaWireEvent, StateChangedData } from './types.js';

const take = (seed: number, n: number, entityCount = 60): HaWireEvent[] => {
  const g = createEventGenerator({ seed, entityCount });
  return Array.from({ length: n }, () => g.next());
};

describe('createEventGenerator', () => {
  it('yields the same events for the same seed', () => {
    expect(JSON.stringify(take(7, 1500))).toBe(JSON.stringify(take(7, 1500)));
  });

  it('yields different events for a different seed', () => {
    expect(JSON.stringify(take(7, 200))).not.toBe(JSON.stringify(take(8, 200)));
  });

  it('builds a home of the requested size with the base domains', () => {
    const g = createEventGenerator({ seed: 1, entityCount: 1500 });
    const ids = g.home.entityIds();
    expect(ids.length).toBe(1500);
    const domains = new Set(ids.map((id) => id.split('.')[0]));
    for (const d of [
      'sensor',
      'binary_sensor',
      'light',
      'switch',
      'climate',
      'media_player',
      'person',
      'automation',
      'script',
      'weather',
      'calendar',
      'sun',
    ]) {
      expect(domains.has(d), d).toBe(true);
    }
    expect(g.home.registries.areas.size).toBeGreaterThan(5);
    expect(g.home.registries.devices.size).toBeGreaterThan(300);
  });

  it('produces the hostile-but-real cases a client must survive', () => {
    const events = take(3, 20_000);
    const changes = events.filter((e) => e.event_type === 'state_changed').map((e) => e.data as StateChangedData);
    const types = new Set(events.map((e) => e.event_type));
    for (const t of [
      'state_changed',
      'call_service',
      'automation_triggered',
      'script_started',
      'entity_registry_updated',
    ])
      expect(types.has(t), t).toBe(true);
    expect(changes.some((d) => d.old_state === null)).toBe(true); // entity added
    expect(changes.some((d) => d.new_state === null)).toBe(true); // entity removed
    expect(changes.some((d) => d.new_state?.state === 'unavailable')).toBe(true);
    expect(changes.some((d) => d.new_state?.state === 'unknown')).toBe(true);
    expect(changes.some((d) => ['1e3', '-0', ' 21.5', '12,5', 'NaN'].includes(d.new_state?.state ?? ''))).toBe(true);
    expect(changes.some((d) => d.new_state?.state === '')).toBe(true);
    expect(changes.some((d) => d.new_state?.state.length === 255)).toBe(true);
    // force_update: identical old and new state, new last_updated, same last_changed.
    expect(
      changes.some(
        (d) =>
          d.old_state !== null &&
          d.new_state !== null &&
          d.old_state.state === d.new_state.state &&
          JSON.stringify(d.old_state.attributes) === JSON.stringify(d.new_state.attributes),
      ),
    ).toBe(true);
    // attribute-only change keeps last_changed
    expect(
      changes.some(
        (d) =>
          d.old_state &&
          d.new_state &&
          d.old_state.state === d.new_state.state &&
          d.old_state.last_changed === d.new_state.last_changed &&
          d.old_state.last_updated !== d.new_state.last_updated,
      ),
    ).toBe(true);
    // times: µs, and sometimes no fraction at all
    expect(events.some((e) => /:\d{2}\+00:00$/.test(e.time_fired))).toBe(true);
    expect(events.every((e) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/.test(e.time_fired))).toBe(true);
    // two changes in the same millisecond with different µs
    const fired = events.map((e) => e.time_fired);
    expect(
      fired.some((t, i) => i > 0 && t !== fired[i - 1] && t.slice(0, 23) === (fired[i - 1] ?? '').slice(0, 23)),
    ).toBe(true);
    // names with quotes, newlines, emoji
    const names = changes.map((d) => String(d.new_state?.attributes.friendly_name ?? ''));
    expect(names.some((n) => n.includes('\n'))).toBe(true);
    expect(names.some((n) => n.includes('"'))).toBe(true);
    expect(names.some((n) => /\p{Extended_Pictographic}/u.test(n))).toBe(true);
    // automation chains: parent context ids
    expect(events.some((e) => e.event_type === 'automation_triggered' && e.context.parent_id !== null)).toBe(true);
    // ULID context ids everywhere
    expect(events.every((e) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(e.context.id))).toBe(true);
  });

  it('keeps state_changed consistent: time_fired = new last_updated, event context = new state context', () => {
    for (const e of take(5, 3000)) {
      if (e.event_type !== 'state_changed') continue;
      const d = e.data as StateChangedData;
      if (d.new_state === null) continue;
      expect(e.time_fired).toBe(d.new_state.last_updated);
      expect(e.context).toEqual(d.new_state.context);
      expect(d.new_state.last_reported).toBe(d.new_state.last_updated);
    }
  });

  it('has realistic frame sizes at 1,500 entities (median ~1.2 kB, p95 ~2.5 kB)', () => {
    const g = createEventGenerator({ seed: 1, entityCount: 1500 });
    const sizes = Array.from({ length: 10_000 }, () =>
      Buffer.byteLength(`{"id":12,"type":"event","event":${JSON.stringify(g.next())}}`),
    ).sort((a, b) => a - b);
    const median = sizes[sizes.length >> 1] ?? 0;
    const p95 = sizes[Math.floor(sizes.length * 0.95)] ?? 0;
    expect(median).toBeGreaterThan(900);
    expect(median).toBeLessThan(1500);
    expect(p95).toBeGreaterThan(1800);
    expect(p95).toBeLessThan(3200);
  });
});
