import { describe, expect, it } from 'vitest';
import { type EntityEntry, type RegistryKind, createRegistryStore } from './registry.js';

const entity = (entity_id: string): EntityEntry => ({
  entity_id,
  unique_id: null,
  platform: 'test',
  device_id: null,
  area_id: null,
  labels: [],
  name: null,
});

describe('createRegistryStore bounds (issue 11)', () => {
  it('keeps the first maxEntries of a list and counts the rest, per registry', () => {
    const drops: [RegistryKind, number][] = [];
    const store = createRegistryStore({}, { maxEntries: 3, onDrop: (registry, n) => drops.push([registry, n]) });
    store.replace({
      entities: ['a', 'b', 'c', 'd', 'e'].map((id) => entity(`sensor.${id}`)),
      labels: [{ label_id: 'l1', name: 'L1' }],
    });
    expect([...store.snapshot().entities.keys()]).toEqual(['sensor.a', 'sensor.b', 'sensor.c']);
    expect(store.snapshot().labels.size).toBe(1);
    expect(drops).toEqual([
      ['entities', 1],
      ['entities', 1],
    ]);
    expect(store.dropped()).toBe(2);
  });

  it('refuses a new entity at the cap, keeps updating known ones, and lets a rename through', () => {
    const store = createRegistryStore({ entities: [entity('sensor.a'), entity('sensor.b')] }, { maxEntries: 2 });
    const version = store.snapshot().version;
    store.upsertEntity(entity('sensor.flood'));
    expect(store.snapshot().entities.has('sensor.flood')).toBe(false);
    expect(store.snapshot().version).toBe(version); // nothing published for a refused entry
    store.upsertEntity({ ...entity('sensor.a'), name: 'Kitchen' });
    expect(store.snapshot().entities.get('sensor.a')?.name).toBe('Kitchen');
    store.upsertEntity(entity('sensor.b2'), 'sensor.b');
    expect([...store.snapshot().entities.keys()].sort()).toEqual(['sensor.a', 'sensor.b2']);
    expect(store.dropped()).toBe(1);
  });

  it('counts a duplicate id in a list once, as one entry (the last one wins)', () => {
    const store = createRegistryStore({}, { maxEntries: 1 });
    store.replace({ entities: [entity('sensor.a'), { ...entity('sensor.a'), name: 'again' }] });
    expect(store.snapshot().entities.get('sensor.a')?.name).toBe('again');
    expect(store.dropped()).toBe(0);
  });
});
