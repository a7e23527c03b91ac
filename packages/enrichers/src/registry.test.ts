import { describe, expect, it, vi } from 'vitest';
import { createRegistryStore, isSdkError, registryCapability } from '@ha-ingestor/core';
import type { RegistryData } from '@ha-ingestor/core';
import type { RegistryEnricherHooks } from './registry.js';
import { RegistryEnricherOptionsSchema, createFieldLookup, registryEnricher } from './registry.js';
import { stateEvent, testContext, enrichSync } from '../test/helpers.js';

const data: RegistryData = {
  floors: [{ floor_id: 'ground', name: 'Ground floor', level: 0 }],
  areas: [
    { area_id: 'kitchen', name: 'Kitchen', floor_id: 'ground', labels: [] },
    { area_id: 'garage', name: 'Garage', floor_id: null, labels: [] },
  ],
  labels: [{ label_id: 'energy', name: 'Energy' }],
  devices: [
    {
      id: 'dev1',
      name: 'Plug 1',
      name_by_user: 'Coffee plug',
      manufacturer: 'Shelly',
      model: 'Plug S',
      area_id: 'kitchen',
      labels: [],
    },
  ],
  entities: [
    {
      entity_id: 'sensor.coffee_power',
      unique_id: 'shelly-123-power',
      platform: 'shelly',
      device_id: 'dev1',
      area_id: null,
      labels: ['energy', 'unknown_label'],
      name: null,
      device_class: 'power',
      state_class: 'measurement',
      unit_of_measurement: 'W',
    },
    {
      entity_id: 'light.garage',
      unique_id: 'hue-9',
      platform: 'hue',
      device_id: 'dev1',
      area_id: 'garage',
      labels: [],
      name: null,
    },
  ],
};

const { ctx } = testContext();

describe('registryEnricher', () => {
  it('resolves area, floor and device through the device when the entity has no area', () => {
    const registry = createRegistryStore(data);
    const e = registryEnricher(undefined, { registry });
    expect(enrichSync(e, stateEvent('sensor.coffee_power', '12'), ctx)).toEqual({
      area: 'Kitchen',
      area_id: 'kitchen',
      floor: 'Ground floor',
      floor_id: 'ground',
      floor_level: 0,
      device_id: 'dev1',
      device_name: 'Coffee plug',
      device_manufacturer: 'Shelly',
      device_model: 'Plug S',
      labels: ['Energy', 'unknown_label'],
      platform: 'shelly',
      unique_id: 'shelly-123-power',
      device_class: 'power',
      state_class: 'measurement',
      unit_of_measurement: 'W',
    });
  });

  it("prefers the entity's own area over its device's, and omits a floor the area lacks", () => {
    const e = registryEnricher({ fields: ['area', 'floor', 'device_name'] }, { registry: createRegistryStore(data) });
    expect(enrichSync(e, stateEvent('light.garage', 'on'), ctx)).toEqual({
      area: 'Garage',
      device_name: 'Coffee plug',
    });
  });

  it('falls back to the device name when the user gave none', () => {
    const registry = createRegistryStore({
      ...data,
      devices: [{ ...(data.devices?.[0] as NonNullable<RegistryData['devices']>[number]), name_by_user: null }],
    });
    const e = registryEnricher({ fields: ['device_name'] }, { registry });
    expect(enrichSync(e, stateEvent('sensor.coffee_power', '1'), ctx)).toEqual({ device_name: 'Plug 1' });
  });

  it('renames fields as configured', () => {
    const e = registryEnricher(
      { fields: ['area', 'unique_id'], rename: { area: 'room' } },
      { registry: createRegistryStore(data) },
    );
    expect(enrichSync(e, stateEvent('sensor.coffee_power', '1'), ctx)).toEqual({
      room: 'Kitchen',
      unique_id: 'shelly-123-power',
    });
  });

  it('resolves data.entity_id of non-state events', () => {
    const e = registryEnricher({ fields: ['area'] }, { registry: createRegistryStore(data) });
    const event: { event_type: string; data: unknown } = {
      event_type: 'automation_triggered',
      data: { name: 'x', entity_id: 'light.garage' },
    };
    expect(enrichSync(e, event, ctx)).toEqual({ area: 'Garage' });
    expect(enrichSync(e, { data: { domain: 'light' } }, ctx)).toEqual({});
  });

  it('adds nothing for entities HA has no registry entry for, except attribute fallbacks', () => {
    const e = registryEnricher(undefined, { registry: createRegistryStore(data) });
    expect(enrichSync(e, stateEvent('sensor.yaml_only', '3'), ctx)).toEqual({});
    expect(
      enrichSync(
        e,
        stateEvent('sensor.yaml_only', '3', { device_class: 'temperature', unit_of_measurement: '°C' }),
        ctx,
      ),
    ).toEqual({
      device_class: 'temperature',
      unit_of_measurement: '°C',
    });
  });

  it('follows changing attribute fallbacks of the same entity', () => {
    const e = registryEnricher({ fields: ['device_class'] }, { registry: createRegistryStore(data) });
    const dc = (value: string) => enrichSync(e, stateEvent('sensor.yaml_only', '1', { device_class: value }), ctx);
    expect(dc('temperature')).toEqual({ device_class: 'temperature' });
    expect(dc('temperature')).toBe(dc('temperature'));
    expect(dc('humidity')).toEqual({ device_class: 'humidity' });
    expect(enrichSync(e, stateEvent('sensor.yaml_only', '1'), ctx)).toEqual({});
  });

  it('does not use attribute fallbacks when disabled, nor override registry values with them', () => {
    const registry = createRegistryStore(data);
    const off = registryEnricher({ attributeFallback: false, fields: ['device_class'] }, { registry });
    expect(enrichSync(off, stateEvent('sensor.yaml_only', '3', { device_class: 'temperature' }), ctx)).toEqual({});
    const on = registryEnricher({ fields: ['device_class'] }, { registry });
    expect(enrichSync(on, stateEvent('sensor.coffee_power', '3', { device_class: 'energy' }), ctx)).toEqual({
      device_class: 'power',
    });
  });

  it('applies registry changes to the very next event', () => {
    const registry = createRegistryStore(data);
    const e = registryEnricher({ fields: ['area', 'floor'] }, { registry });
    expect(enrichSync(e, stateEvent('sensor.coffee_power', '1'), ctx)).toEqual({
      area: 'Kitchen',
      floor: 'Ground floor',
    });
    registry.replace({
      areas: [
        { area_id: 'kitchen', name: 'Cuisine', floor_id: null, labels: [] },
        { area_id: 'garage', name: 'Garage', floor_id: null, labels: [] },
      ],
    });
    expect(enrichSync(e, stateEvent('sensor.coffee_power', '2'), ctx)).toEqual({ area: 'Cuisine' });
    const entity = data.entities?.[0];
    if (!entity) throw new Error('fixture');
    registry.upsertEntity({ ...entity, area_id: 'garage' });
    expect(enrichSync(e, stateEvent('sensor.coffee_power', '3'), ctx)).toEqual({ area: 'Garage' });
    registry.removeEntity('sensor.coffee_power');
    expect(enrichSync(e, stateEvent('sensor.coffee_power', '4'), ctx)).toEqual({});
  });

  it('caches lookups per snapshot version', () => {
    const registry = createRegistryStore(data);
    const provider: RegistryEnricherHooks['registry'] = {
      snapshot: vi.fn(registry.snapshot),
      subscribe: registry.subscribe,
    };
    const e = registryEnricher(undefined, { registry: provider });
    const a = enrichSync(e, stateEvent('sensor.coffee_power', '1'), ctx);
    const b = enrichSync(e, stateEvent('sensor.coffee_power', '2'), ctx);
    expect(b).toBe(a);
    registry.replace({ labels: [] });
    const c = enrichSync(e, stateEvent('sensor.coffee_power', '3'), ctx);
    expect(c).not.toBe(a);
    expect((c as { labels?: readonly string[] }).labels).toEqual(['energy', 'unknown_label']);
  });

  it('keeps no record per entity id the registry lacks (issue 14: memory stayed with every new id seen)', () => {
    const registry = createRegistryStore(data);
    const lookup = createFieldLookup(RegistryEnricherOptionsSchema.parse({}), () => registry);
    const attrs = { device_class: 'signal_strength', unit_of_measurement: 'dBm' };
    const first = lookup.fieldsOf(stateEvent('sensor.ble_tag_0', '-70', attrs));
    for (let i = 1; i < 2000; i++) {
      expect(lookup.fieldsOf(stateEvent(`sensor.ble_tag_${i}`, '-70', attrs))).toBe(first);
    }
    expect(first).toEqual({ device_class: 'signal_strength', unit_of_measurement: 'dBm' });
    expect(lookup.fieldsOf(stateEvent('sensor.ble_tag_x', '-70'))).toEqual({});
    // Registered entities are cached (at most the registry's two), and still follow their fallbacks.
    lookup.fieldsOf(stateEvent('sensor.coffee_power', '1', { unit_of_measurement: 'kW' }));
    lookup.fieldsOf(stateEvent('light.garage', 'on', { unit_of_measurement: 'x' }));
    expect(lookup.cachedEntities()).toBe(2);
    expect(lookup.fieldsOf(stateEvent('light.garage', 'on', { unit_of_measurement: 'y' }))).toMatchObject({
      unit_of_measurement: 'y',
    });
    expect(lookup.fieldsOf(stateEvent(`sensor.ble_tag_1`, '-70', { device_class: 'x' }))).toEqual({
      device_class: 'x',
    });
  });

  it('is a defineEnricher component: stamped kind and name, invalid options name the component', () => {
    const e = registryEnricher(undefined, { registry: createRegistryStore() });
    expect(Object.keys(e)).toEqual(['kind', 'name', 'enrich']);
    expect(e).toMatchObject({ kind: 'enricher', name: 'registry' });
    expect(registryEnricher.componentName).toBe('registry');
    expect(() =>
      registryEnricher({ attributeFallback: 'yes' as unknown as boolean }, { registry: createRegistryStore() }),
    ).toThrow(/^registry: invalid options: options\.attributeFallback/);
  });

  it("without a registry hook, needs the pipeline's (issue 12): CONFIG_INVALID at start when there is none; unknown fields throw", () => {
    // Before issue 12 the factory threw "the registry hook is required"; now it declares the need, and the
    // pipeline's build()/start() refuse it when nothing provides a registry (see core capabilities.test.ts).
    const noHook = registryEnricher(undefined, undefined as unknown as RegistryEnricherHooks);
    expect(noHook.needs).toEqual({ registry: registryCapability });
    expect(() => noHook.start?.(testContext().ctx)).toThrow(
      /^registry: needs "registry" .*nothing in this pipeline provides it/,
    );
    expect(() => noHook.enrich({ entity_id: 'light.a' }, testContext().ctx)).toThrow(/^registry: needs "registry"/);
    try {
      registryEnricher({ fields: ['nope' as 'area'] }, { registry: createRegistryStore() });
      expect.unreachable();
    } catch (error) {
      expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });
});
