// The simulated home over the wire: config, registries with HA's field sets, services, events,
// and the timer-driven generator.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHaSimulator, type EmittedEvent, type HaSimulator } from '../../src/index.js';
import { openAuthed, type RawClient } from './simulator-support.js';

const TOKEN = 'home-token';
let sim: HaSimulator | undefined;
let client: RawClient | undefined;

async function start(entityCount = 43): Promise<{ s: HaSimulator; c: RawClient }> {
  sim = await createHaSimulator({ seed: 21, token: TOKEN, entityCount });
  client = await openAuthed(sim.url, TOKEN);
  return { s: sim, c: client };
}
const result = async (c: RawClient, id: number): Promise<unknown> =>
  (await c.waitFor((m) => m.id === id && m.type === 'result')).result;

afterEach(async () => {
  vi.useRealTimers();
  client?.ws.terminate();
  client = undefined;
  await sim?.close();
  sim = undefined;
});

describe('config and registries', () => {
  it('get_config has the keys of Config.as_dict with state RUNNING', async () => {
    const { c } = await start();
    c.send({ id: 1, type: 'get_config' });
    const cfg = (await result(c, 1)) as Record<string, unknown>;
    expect(Object.keys(cfg).sort()).toEqual(
      [
        'allowlist_external_dirs',
        'allowlist_external_urls',
        'components',
        'config_dir',
        'config_source',
        'country',
        'currency',
        'debug',
        'elevation',
        'external_url',
        'internal_url',
        'language',
        'latitude',
        'location_name',
        'longitude',
        'radius',
        'recovery_mode',
        'safe_mode',
        'state',
        'time_zone',
        'unit_system',
        'version',
        'whitelist_external_dirs',
      ].sort(),
    );
    expect(cfg.state).toBe('RUNNING');
    expect(Object.keys(cfg.unit_system as object)).toEqual([
      'length',
      'accumulated_precipitation',
      'area',
      'mass',
      'pressure',
      'temperature',
      'volume',
      'wind_speed',
    ]);
  });

  it('starts in STARTING and fires homeassistant_start/started when startingMs is set', async () => {
    sim = await createHaSimulator({ seed: 3, token: TOKEN, startingMs: 150 });
    client = await openAuthed(sim.url, TOKEN);
    const c = client;
    c.send({ id: 1, type: 'get_config' });
    c.send({ id: 2, type: 'subscribe_events' });
    expect(((await result(c, 1)) as { state: string }).state).toBe('STARTING');
    await c.waitFor(
      (m) =>
        m.id === 2 && m.type === 'event' && (m.event as { event_type: string }).event_type === 'homeassistant_started',
    );
    const types = c
      .messages()
      .filter((m) => m.id === 2 && m.type === 'event')
      .map((m) => (m.event as { event_type: string }).event_type);
    expect(types).toEqual(['homeassistant_start', 'homeassistant_started']);
    c.send({ id: 3, type: 'get_config' });
    expect(((await result(c, 3)) as { state: string }).state).toBe('RUNNING');
  });

  it("lists the registries with HA field sets (entity/device lists with HA's spaced envelope)", async () => {
    const { s, c } = await start(120);
    c.send({ id: 1, type: 'config/entity_registry/list' });
    c.send({ id: 2, type: 'config/device_registry/list' });
    c.send({ id: 3, type: 'config/area_registry/list' });
    c.send({ id: 4, type: 'config/floor_registry/list' });
    c.send({ id: 5, type: 'config/label_registry/list' });
    c.send({ id: 6, type: 'config/entity_registry/list_for_display' });
    await c.waitFor((m) => m.id === 6);
    expect(
      c.rawFrames
        .find((f) => f.startsWith('{"id":1,'))
        ?.startsWith('{"id":1,"type": "result","success":true,"result": ['),
    ).toBe(true);
    const entities = (await result(c, 1)) as Record<string, unknown>[];
    expect(Object.keys(entities[0] ?? {})).toEqual([
      'area_id',
      'categories',
      'config_entry_id',
      'config_subentry_id',
      'created_at',
      'device_id',
      'disabled_by',
      'entity_category',
      'entity_id',
      'has_entity_name',
      'hidden_by',
      'icon',
      'id',
      'labels',
      'modified_at',
      'name',
      'options',
      'original_name',
      'platform',
      'translation_key',
      'unique_id',
    ]);
    // YAML entity: state without registry entry; disabled entity: registry entry without state.
    const ids = new Set(entities.map((e) => e.entity_id));
    expect(ids.has('sensor.internet_download')).toBe(false);
    expect(s.home.getState('sensor.internet_download')).toBeDefined();
    expect(entities.find((e) => e.entity_id === 'sensor.living_room_signal_strength')?.disabled_by).toBe('integration');
    expect(s.home.getState('sensor.living_room_signal_strength')).toBeUndefined();
    const devices = (await result(c, 2)) as Record<string, unknown>[];
    expect(Object.keys(devices[0] ?? {})).toEqual([
      'area_id',
      'configuration_url',
      'config_entries',
      'config_entries_subentries',
      'connections',
      'created_at',
      'disabled_by',
      'entry_type',
      'hw_version',
      'id',
      'identifiers',
      'labels',
      'manufacturer',
      'model',
      'model_id',
      'modified_at',
      'name_by_user',
      'name',
      'primary_config_entry',
      'serial_number',
      'sw_version',
      'via_device_id',
    ]);
    expect(devices.some((d) => d.via_device_id !== null)).toBe(true);
    const areas = (await result(c, 3)) as Record<string, unknown>[];
    expect(Object.keys(areas[0] ?? {})).toEqual([
      'aliases',
      'area_id',
      'floor_id',
      'humidity_entity_id',
      'icon',
      'labels',
      'name',
      'picture',
      'temperature_entity_id',
      'created_at',
      'modified_at',
    ]);
    const floors = (await result(c, 4)) as Record<string, unknown>[];
    expect(Object.keys(floors[0] ?? {})).toEqual([
      'aliases',
      'created_at',
      'floor_id',
      'icon',
      'level',
      'name',
      'modified_at',
    ]);
    expect(floors.map((f) => f.level)).toContain(null);
    expect(floors.map((f) => f.level)).toContain(-1);
    const labels = (await result(c, 5)) as Record<string, unknown>[];
    expect(Object.keys(labels[0] ?? {})).toEqual([
      'color',
      'created_at',
      'description',
      'icon',
      'label_id',
      'name',
      'modified_at',
    ]);
    const display = (await result(c, 6)) as {
      entity_categories: Record<string, string>;
      entities: Record<string, unknown>[];
    };
    expect(display.entity_categories).toEqual({ '0': 'config', '1': 'diagnostic' });
    expect(
      display.entities.every((e) => typeof e.ei === 'string' && typeof e.pl === 'string' && Array.isArray(e.lb)),
    ).toBe(true);
    expect(display.entities.some((e) => e.ei === 'sensor.living_room_signal_strength')).toBe(false);
  });

  it('fires entity_registry_updated when the registry changes', async () => {
    const { s, c } = await start();
    c.send({ id: 1, type: 'subscribe_events', event_type: 'entity_registry_updated' });
    await result(c, 1);
    s.home.updateEntityRegistry('light.bedroom_lamp', { area_id: 'office' });
    s.addEntity('sensor.probe_1', '3');
    s.removeEntity('sensor.probe_1');
    await c.waitFor(
      (m) => m.id === 1 && m.type === 'event' && (m.event as { data: { action: string } }).data.action === 'remove',
    );
    const data = c
      .messages()
      .filter((m) => m.id === 1 && m.type === 'event')
      .map((m) => (m.event as { data: unknown }).data);
    expect(data).toEqual([
      { action: 'update', entity_id: 'light.bedroom_lamp', changes: { area_id: null } },
      { action: 'create', entity_id: 'sensor.probe_1' },
      { action: 'remove', entity_id: 'sensor.probe_1' },
    ]);
  });

  it('fires device_registry_updated and area_registry_updated', async () => {
    const { s, c } = await start();
    c.send({ id: 1, type: 'subscribe_events' });
    await result(c, 1);
    const deviceId = [...s.home.registries.devices.keys()][1] ?? '';
    const oldArea = s.home.registries.devices.get(deviceId)?.area_id;
    s.home.updateDeviceRegistry(deviceId, { area_id: 'garage' });
    s.home.updateArea('garden', { floor_id: 'ground_floor' });
    await c.waitFor(
      (m) => m.type === 'event' && (m.event as { event_type: string }).event_type === 'area_registry_updated',
    );
    const events = c
      .messages()
      .filter((m) => m.type === 'event')
      .map((m) => m.event as { event_type: string; data: unknown });
    expect(events.map((e) => [e.event_type, e.data])).toEqual([
      ['device_registry_updated', { action: 'update', device_id: deviceId, changes: { area_id: oldArea } }],
      ['area_registry_updated', { action: 'update', area_id: 'garden' }],
    ]);
    expect(s.home.registries.areas.get('garden')?.floor_id).toBe('ground_floor');
  });
});

describe('services and events', () => {
  it('call_service: call_service event and state changes share the caller context and precede the result', async () => {
    const { s, c } = await start();
    c.send({ id: 1, type: 'subscribe_events' });
    await result(c, 1);
    c.send({
      id: 2,
      type: 'call_service',
      domain: 'switch',
      service: 'toggle',
      target: { entity_id: ['switch.coffee_machine', 'switch.garage_heater'] },
    });
    const res = (await result(c, 2)) as { context: { id: string; parent_id: null; user_id: string } };
    expect(Object.keys(res)).toEqual(['context']);
    const seq = c
      .messages()
      .filter((m) => m.id === 1 || m.id === 2)
      .slice(1);
    expect(seq.map((m) => (m.type === 'event' ? (m.event as { event_type: string }).event_type : 'result'))).toEqual([
      'call_service',
      'state_changed',
      'state_changed',
      'result',
    ]);
    for (const m of seq.slice(0, 3)) expect((m.event as { context: unknown }).context).toEqual(res.context);
    expect((seq[0]?.event as { data: unknown }).data).toEqual({
      domain: 'switch',
      service: 'toggle',
      service_data: { entity_id: ['switch.coffee_machine', 'switch.garage_heater'] },
    });
    expect(res.context.user_id).toBe(s.home.userId);
    expect(res.context.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('automation.trigger fires automation_triggered with the caller context as parent', async () => {
    const { c } = await start();
    c.send({ id: 1, type: 'subscribe_events', event_type: 'automation_triggered' });
    await result(c, 1);
    c.send({
      id: 2,
      type: 'call_service',
      domain: 'automation',
      service: 'trigger',
      service_data: { entity_id: 'automation.good_night' },
    });
    const res = (await result(c, 2)) as { context: { id: string } };
    const ev = (await c.waitFor((m) => m.id === 1 && m.type === 'event')).event as {
      data: unknown;
      context: { parent_id: string };
    };
    expect(ev.context.parent_id).toBe(res.context.id);
    expect(ev.data).toEqual({ name: 'Good night', entity_id: 'automation.good_night', source: 'manual' });
  });

  it('fire_event returns the context of the fired event', async () => {
    const { s, c } = await start();
    c.send({ id: 1, type: 'fire_event', event_type: 'custom_event', event_data: { k: 'v' } });
    const res = (await result(c, 1)) as { context: unknown };
    const last = s.emitted.at(-1);
    expect(last?.event.event_type).toBe('custom_event');
    expect(last?.event.context).toEqual(res.context);
  });

  it('get_services lists the callable services', async () => {
    const { c } = await start();
    c.send({ id: 1, type: 'get_services' });
    const services = (await result(c, 1)) as Record<string, Record<string, unknown>>;
    expect(Object.keys(services.light ?? {})).toEqual(['turn_on', 'turn_off', 'toggle']);
  });
});

describe('generator', () => {
  it('startGenerator emits at the configured rate under fake timers and onEvent sees every event', async () => {
    const { s } = await start();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const seen: EmittedEvent[] = [];
    const off = s.onEvent((e) => seen.push(e));
    const before = s.emitted.length;
    s.startGenerator({ ratePerSecond: 200 });
    vi.advanceTimersByTime(1000);
    s.stopGenerator();
    vi.advanceTimersByTime(1000);
    off();
    const produced = s.emitted.length - before;
    expect(produced).toBeGreaterThanOrEqual(200);
    expect(produced).toBeLessThan(215); // an action is never cut, so a few extra are possible
    expect(seen).toEqual(s.emitted.slice(before));
    expect(new Set(seen.map((e) => e.seq)).size).toBe(seen.length);
  });

  it('step() produces the same events for the same seed and clock', async () => {
    const run = async (): Promise<string[]> => {
      let now = Date.UTC(2026, 2, 1);
      const s = await createHaSimulator({ seed: 99, now: () => (now += 7) });
      const out = s.step(300).map((e) => e.json);
      await s.close();
      return out;
    };
    expect(await run()).toEqual(await run());
  });
});
