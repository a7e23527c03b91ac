import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, SdkError, createGuard, createRegistryStore } from '@ha-ingestor/core';
import type { HaConnection } from './connection/connection.js';
import { createRegistrySync, mapConfig, registryOfEvent, toRegistryData } from './registry-sync.js';

const lists: Record<string, unknown> = {
  'config/area_registry/list': [
    {
      aliases: [],
      area_id: 'kitchen',
      floor_id: 'ground',
      humidity_entity_id: null,
      icon: null,
      labels: ['food'],
      name: 'Kitchen',
      picture: null,
      created_at: 1,
      modified_at: 2,
      motion_entity_id: 'x',
    },
  ],
  'config/floor_registry/list': [
    { aliases: [], created_at: 0, floor_id: 'basement', icon: null, level: -1, name: 'Basement', modified_at: 0 },
  ],
  'config/device_registry/list': [
    {
      id: 'dev1',
      name: 'Plug',
      name_by_user: null,
      manufacturer: 'IKEA',
      model: 'TRETAKT',
      area_id: 'kitchen',
      labels: [],
      connections: [['mac', 'aa']],
      via_device_id: null,
      brand_new_key: true,
    },
  ],
  'config/entity_registry/list': [
    {
      entity_id: 'switch.plug',
      id: 'e1',
      unique_id: 'u1',
      platform: 'zha',
      device_id: 'dev1',
      area_id: null,
      labels: [],
      name: null,
      original_name: 'Plug',
      categories: {},
      options: {},
    },
    { no_entity_id: true },
  ],
  'config/label_registry/list': [
    { color: 'red', created_at: 0, description: null, icon: null, label_id: 'food', name: 'Food', modified_at: 0 },
  ],
  get_config: {
    time_zone: 'Europe/Berlin',
    latitude: 52.5,
    longitude: 13.4,
    elevation: 34,
    location_name: 'Home',
    version: '2026.1.0',
    unit_system: { temperature: '°C' },
    components: [],
  },
};

function fakeConnection() {
  const calls: string[] = [];
  const conn = {
    command: async <T>(type: string) => {
      calls.push(type);
      return lists[type] as T;
    },
  } as unknown as HaConnection;
  return { conn, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('registry sync', () => {
  it('maps HA registry rows to core entries, ignoring unknown keys and skipping bad rows', () => {
    const entities = toRegistryData('entity', lists['config/entity_registry/list'] as unknown[]).entities ?? [];
    expect(entities).toHaveLength(1);
    expect(entities[0]).toMatchObject({
      entity_id: 'switch.plug',
      id: 'e1',
      unique_id: 'u1',
      platform: 'zha',
      device_id: 'dev1',
      original_name: 'Plug',
    });
    expect(entities[0]).not.toHaveProperty('categories');
    const devices = toRegistryData('device', lists['config/device_registry/list'] as unknown[]).devices ?? [];
    expect(devices[0]).not.toHaveProperty('brand_new_key');
    expect(toRegistryData('floor', lists['config/floor_registry/list'] as unknown[]).floors?.[0]?.level).toBe(-1);
  });

  it('maps get_config to the location config', () => {
    expect(mapConfig(lists['get_config'])).toEqual({
      time_zone: 'Europe/Berlin',
      latitude: 52.5,
      longitude: 13.4,
      elevation: 34,
      location_name: 'Home',
      version: '2026.1.0',
      unit_system: { temperature: '°C' },
    });
    expect(mapConfig({ time_zone: 'UTC' })).toBeUndefined();
  });

  it('fills the store with every registry and the config on syncAll', async () => {
    const store = createRegistryStore();
    const { conn } = fakeConnection();
    await createRegistrySync({
      store,
      debounceMs: 100,
      guard: createGuard({ report: vi.fn() }, 'source:test'),
    }).syncAll(conn);
    const snap = store.snapshot();
    expect([...snap.areas.keys()]).toEqual(['kitchen']);
    expect([...snap.floors.keys()]).toEqual(['basement']);
    expect([...snap.devices.keys()]).toEqual(['dev1']);
    expect([...snap.entities.keys()]).toEqual(['switch.plug']);
    expect([...snap.labels.keys()]).toEqual(['food']);
    expect(snap.config?.time_zone).toBe('Europe/Berlin');
  });

  it('re-fetches only the affected registry, debounced', async () => {
    vi.useFakeTimers();
    const store = createRegistryStore();
    const { conn, calls } = fakeConnection();
    const sync = createRegistrySync({ store, debounceMs: 100, guard: createGuard({ report: vi.fn() }, 'source:test') });
    sync.onEvent('entity_registry_updated', conn);
    sync.onEvent('entity_registry_updated', conn);
    sync.onEvent('state_changed', conn);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['config/entity_registry/list']);
    expect(store.snapshot().entities.has('switch.plug')).toBe(true);
    sync.stop();
  });

  it('re-fetches within maxWaitMs of the first update even while updates keep coming, then debounces afresh', async () => {
    vi.useFakeTimers();
    const store = createRegistryStore();
    const { conn, calls } = fakeConnection();
    const sync = createRegistrySync({
      store,
      debounceMs: 100,
      maxWaitMs: 1000,
      guard: createGuard({ report: vi.fn() }, 'source:test'),
    });
    // An update every 50 ms: the debounce alone would never fire.
    for (let t = 0; t < 950; t += 50) {
      sync.onEvent('device_registry_updated', conn);
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(calls).toEqual([]);
    sync.onEvent('device_registry_updated', conn);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toEqual(['config/device_registry/list']);
    // The burst is over: the next update waits for its own quiet debounce, not the old cap.
    sync.onEvent('device_registry_updated', conn);
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['config/device_registry/list', 'config/device_registry/list']);
    sync.stop();
  });

  it('skips a re-fetch whose connection is gone (the next session re-syncs), but reports other failures', async () => {
    vi.useFakeTimers();
    const store = createRegistryStore();
    const report = vi.fn();
    const sync = createRegistrySync({ store, debounceMs: 100, guard: createGuard({ report }, 'source:test') });
    const failing = (error: Error) => ({ command: () => Promise.reject(error) }) as unknown as HaConnection;
    sync.onEvent(
      'entity_registry_updated',
      failing(new SdkError(ErrorCode.CONNECTION_LOST, 'cannot send config/entity_registry/list: not connected')),
    );
    sync.onEvent('area_registry_updated', failing(new SdkError(ErrorCode.ABORTED, 'stopped')));
    await vi.advanceTimersByTimeAsync(100);
    expect(report).not.toHaveBeenCalled();
    sync.onEvent('device_registry_updated', failing(new SdkError(ErrorCode.PROTOCOL_ERROR, 'bad answer')));
    await vi.advanceTimersByTimeAsync(100);
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]?.[0])).toContain('bad answer');
    sync.stop();
  });

  it('knows which registry an event concerns', () => {
    expect(registryOfEvent('floor_registry_updated')).toBe('floor');
    expect(registryOfEvent('state_changed')).toBeUndefined();
  });
});
