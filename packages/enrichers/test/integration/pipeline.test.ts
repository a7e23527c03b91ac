import { afterEach, describe, expect, it } from 'vitest';
import { createRegistryStore, isStateChanged, pipeline } from '@ha-ingestor/core';
import type { HaEvent } from '@ha-ingestor/core';
import { collectingSink, waitFor } from '@ha-ingestor/core/testing';
import { haWebSocketSource } from '@ha-ingestor/source-ws';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import type { HaSimulator } from '@ha-ingestor/ha-simulator';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';

// Registry and time context on real simulator events, through the real runtime and WebSocket source.

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Row = Record<string, unknown>;

/** An entity whose area comes from its device (entity.area_id null), with a state. */
function deviceAreaEntity(sim: HaSimulator) {
  const reg = sim.home.registries;
  for (const entity of reg.entities.values()) {
    if (entity.area_id !== null || entity.device_id === null || sim.home.getState(entity.entity_id) === undefined)
      continue;
    const device = reg.devices.get(entity.device_id);
    const area = device?.area_id == null ? undefined : reg.areas.get(device.area_id);
    if (device && area && area.floor_id !== null) return { entity, device, area, floor: reg.floors.get(area.floor_id) };
  }
  throw new Error('the simulated home has no entity with a device area');
}

describe('registry and time context in a pipeline fed by the HA simulator', () => {
  it('adds area, floor, device and local time to live events, and applies registry changes live', async () => {
    const sim = await createHaSimulator({ seed: 11, timeZone: 'America/New_York' });
    cleanups.push(() => sim.close());
    const registry = createRegistryStore();
    const sink = collectingSink<Row>();
    const p = pipeline(
      haWebSocketSource(
        { url: sim.url, token: sim.token, backfill: { enabled: false }, registry: { debounceMs: 10 } },
        { registry },
      ),
    )
      .use(registryEnricher(undefined, { registry }))
      .use(timeContext(undefined, { registry }))
      .to(sink, { batch: { maxSize: 100, maxWaitMs: 5 } })
      .build();
    p.events.on('error', () => undefined);
    await p.start();
    cleanups.push(() => p.stop());
    await waitFor(
      () => registry.snapshot().entities.size > 0 && registry.snapshot().config !== undefined,
      'registries and get_config',
    );

    const { entity, device, area, floor } = deviceAreaEntity(sim);
    const first = sim.setState(entity.entity_id, 'first');
    await waitFor(
      () => sink.written().some((e) => e['entity_id'] === entity.entity_id && e['state'] === 'first'),
      'first event',
    );
    const row = sink.written().find((e) => e['entity_id'] === entity.entity_id && e['state'] === 'first') as Row;

    expect(row).toMatchObject({
      area: area.name,
      area_id: area.area_id,
      floor: floor?.name,
      floor_id: area.floor_id,
      device_id: device.id,
      device_name: device.name_by_user ?? device.name,
      platform: entity.platform,
      unique_id: entity.unique_id,
    });
    if (device.manufacturer !== null) expect(row['device_manufacturer']).toBe(device.manufacturer);
    // Local time in HA's zone (from get_config), computed independently here.
    const firedMs = Date.parse(String((first.event as { time_fired: string }).time_fired));
    const hour =
      Number(
        new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(
          firedMs,
        ),
      ) % 24;
    expect(row['hour']).toBe(hour);
    expect(row).toHaveProperty('weekday');
    expect(row).toHaveProperty('part_of_day');
    expect(row).toHaveProperty('season');

    // Move the entity to another area in HA: the source re-fetches the registry and the next event shows it.
    const target = [...sim.home.registries.areas.values()].find((a) => a.area_id !== area.area_id);
    if (!target) throw new Error('need a second area');
    sim.home.updateEntityRegistry(entity.entity_id, { area_id: target.area_id });
    await waitFor(
      () => registry.snapshot().entities.get(entity.entity_id)?.area_id === target.area_id,
      'registry update',
    );
    sim.setState(entity.entity_id, 'second');
    await waitFor(
      () => sink.written().some((e) => e['entity_id'] === entity.entity_id && e['state'] === 'second'),
      'second event',
    );
    const moved = sink.written().find((e) => e['entity_id'] === entity.entity_id && e['state'] === 'second') as Row;
    expect(moved['area']).toBe(target.name);
    expect(moved['area_id']).toBe(target.area_id);
    expect(moved['unique_id']).toBe(entity.unique_id);

    // Daylight follows sun.sun as it passes through the stream.
    sim.setState('sun.sun', 'below_horizon');
    sim.setState(entity.entity_id, 'third');
    await waitFor(
      () => sink.written().some((e) => e['entity_id'] === entity.entity_id && e['state'] === 'third'),
      'third event',
    );
    const dark = sink.written().find((e) => e['entity_id'] === entity.entity_id && e['state'] === 'third') as Row;
    expect(dark['daylight']).toBe(false);
  });

  it('issue 12: registryEnricher() and timeContext() with no hand-threaded registry use the one the WebSocket source provides, live changes included', async () => {
    const sim = await createHaSimulator({ seed: 12, timeZone: 'America/New_York' });
    cleanups.push(() => sim.close());
    const source = haWebSocketSource({
      url: sim.url,
      token: sim.token,
      backfill: { enabled: false },
      registry: { debounceMs: 10 },
    });
    const sink = collectingSink<Row>();
    const p = pipeline(source)
      .use(registryEnricher())
      .use(timeContext())
      .to(sink, { batch: { maxSize: 100, maxWaitMs: 5 } })
      .build();
    p.events.on('error', () => undefined);
    await p.start();
    cleanups.push(() => p.stop());
    // Only observed here, never passed on: the source's own store, which it syncs because the enrichers consume it.
    const provided = source.provides?.registry;
    if (provided === undefined) throw new Error('haWebSocketSource provides no registry');
    await waitFor(
      () => provided.snapshot().entities.size > 0 && provided.snapshot().config !== undefined,
      'registries and get_config',
    );

    const { entity, device, area, floor } = deviceAreaEntity(sim);
    const first = sim.setState(entity.entity_id, 'first');
    const rowOf = (state: string) =>
      sink.written().find((e) => e['entity_id'] === entity.entity_id && e['state'] === state);
    await waitFor(() => rowOf('first') !== undefined, 'first event');
    expect(rowOf('first')).toMatchObject({
      area: area.name,
      area_id: area.area_id,
      floor: floor?.name,
      device_id: device.id,
      device_name: device.name_by_user ?? device.name,
      platform: entity.platform,
    });
    const firedMs = Date.parse(String((first.event as { time_fired: string }).time_fired));
    const hour =
      Number(
        new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(
          firedMs,
        ),
      ) % 24;
    expect(rowOf('first')?.['hour']).toBe(hour); // HA's zone from get_config, through the provided registry

    // A live registry change in HA reaches the enricher through the provided store.
    const target = [...sim.home.registries.areas.values()].find((a) => a.area_id !== area.area_id);
    if (!target) throw new Error('need a second area');
    sim.home.updateEntityRegistry(entity.entity_id, { area_id: target.area_id });
    await waitFor(
      () => provided.snapshot().entities.get(entity.entity_id)?.area_id === target.area_id,
      'registry update',
    );
    sim.setState(entity.entity_id, 'second');
    await waitFor(() => rowOf('second') !== undefined, 'second event');
    expect(rowOf('second')).toMatchObject({ area: target.name, area_id: target.area_id });
  });

  it('issue 12: without an enricher consuming it, the source does not sync its registry', async () => {
    const sim = await createHaSimulator({ seed: 13 });
    cleanups.push(() => sim.close());
    const source = haWebSocketSource({ url: sim.url, token: sim.token, backfill: { enabled: false } });
    const sink = collectingSink<HaEvent>();
    const p = pipeline(source)
      .to(sink, { batch: { maxSize: 100, maxWaitMs: 5 } })
      .build();
    p.events.on('error', () => undefined);
    let connected = false;
    p.events.on('source:status', (_name, status) => {
      connected ||= status.connected;
    });
    await p.start();
    cleanups.push(() => p.stop());
    await waitFor(() => connected, 'the source to connect');
    const { entity } = deviceAreaEntity(sim);
    sim.setState(entity.entity_id, 'unconsumed');
    await waitFor(
      () =>
        sink.written().some((e) => isStateChanged(e) && e.entity_id === entity.entity_id && e.state === 'unconsumed'),
      'an event',
    );
    expect(source.provides?.registry.snapshot().entities.size).toBe(0);
  });
});
