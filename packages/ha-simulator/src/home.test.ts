import { describe, expect, it } from 'vitest';
import { CommandError } from './connection.js';
import { createSimClock } from './ha-time.js';
import { createHome } from './home.js';
import { createRng } from './prng.js';
import { listForDisplay } from './registries.js';
import { callService } from './services.js';

function home(entityCount = 43) {
  const rng = createRng(5);
  return createHome({
    entityCount,
    haVersion: '2025.11.3',
    timeZone: 'UTC',
    clock: createSimClock(() => Date.UTC(2026, 0, 1), rng.fork(1)),
    rng: rng.fork(2),
    maxEmitted: 0,
  });
}

describe('simulated home', () => {
  it('has the realistic base home, a YAML entity without registry entry and a disabled entity without state', () => {
    const h = home();
    expect(h.getStates().length).toBe(43);
    expect(h.getState('sensor.internet_download')).toBeDefined();
    expect(h.registries.entities.has('sensor.internet_download')).toBe(false);
    expect(h.registries.entities.get('sensor.living_room_signal_strength')?.disabled_by).toBe('integration');
    expect(h.getState('sensor.living_room_signal_strength')).toBeUndefined();
    expect(h.bus.emitted).toEqual([]); // initial states are restored silently
  });

  it('adds generated sensors with devices beyond the base home', () => {
    const h = home(300);
    expect(h.getStates().length).toBe(300);
    const generated = [...h.registries.entities.values()].filter((e) => e.entity_id.startsWith('sensor.node_'));
    expect(generated.length).toBe(257);
    expect(generated.every((e) => e.device_id !== null && h.registries.devices.has(e.device_id))).toBe(true);
  });

  it('fires the registry create before the new state, and the registry remove before the removal', () => {
    const h = home();
    h.addEntity('sensor.x', '1');
    h.removeEntity('sensor.x');
    expect(h.bus.emitted.map((e) => [e.event.event_type, (e.event.data as { action?: string }).action ?? ''])).toEqual([
      ['entity_registry_updated', 'create'],
      ['state_changed', ''],
      ['entity_registry_updated', 'remove'],
      ['state_changed', ''],
    ]);
  });

  it('list_for_display omits disabled entities and null fields, and marks categories by index', () => {
    const rows = listForDisplay(home().registries).entities;
    expect(rows.some((r) => r.ei === 'sensor.living_room_signal_strength')).toBe(false);
    const t = rows.find((r) => r.ei === 'sensor.living_room_temperature');
    expect(t).toMatchObject({ ei: 'sensor.living_room_temperature', pl: 'zha', lb: [], dp: 1, en: 'Temperature' });
    expect(t && 'ai' in t).toBe(false);
  });
});

describe('services', () => {
  it('targets every entity of an area (directly or through its device) and shares the caller context', () => {
    const h = home();
    const context = h.newContext({ userId: h.userId });
    callService(h, createRng(1), 'light', 'turn_off', {}, { area_id: 'living_room' }, context);
    const changed = h.bus.emitted.filter((e) => e.event.event_type === 'state_changed').map((e) => e.entity_id);
    expect(changed).toEqual(['light.living_room_ceiling']);
    expect(h.bus.emitted.every((e) => e.event.context === context)).toBe(true);
    expect(h.getState('light.living_room_ceiling')?.attributes.brightness).toBeNull();
  });

  it('raises not_found with HA translation fields for an unknown service, before firing anything', () => {
    const h = home();
    let error: unknown;
    try {
      callService(h, createRng(1), 'light', 'explode', {}, undefined, h.newContext());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({
      code: 'not_found',
      message: 'Service light.explode not found.',
      translation: {
        key: 'service_not_found',
        domain: 'homeassistant',
        placeholders: { domain: 'light', service: 'explode' },
      },
    });
    expect(h.bus.emitted).toEqual([]);
  });
});
