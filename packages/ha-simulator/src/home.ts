import type { Behavior, EntitySpec } from './catalog-types.js';
import { createEventBus, type EventBus } from './event-bus.js';
import { generateEntities } from './generated-entities.js';
import { secondsFromMicros, type SimClock } from './ha-time.js';
import { buildConfig, type HaConfigDict } from './home-config.js';
import { AREAS, BASE_ENTITIES, DEVICES, FLOORS, LABELS } from './home-catalog.js';
import type { Rng } from './prng.js';
import { buildRegistries, entityEntry, type Registries } from './registries.js';
import { createStateMachine, toWireState, type SetStateOptions, type StateMachine } from './state-machine.js';
import type { EmittedEvent, HaWireContext, HaWireState } from './types.js';
import { hexId, ulidAt } from './ulid.js';

/** The simulated installation: states, registries, config, and the bus they fire on. */
export interface SimulatedHome {
  readonly config: HaConfigDict;
  readonly registries: Registries;
  /** Behaviour specs by entity id (base home, generated sensors, added entities). */
  readonly specs: ReadonlyMap<string, EntitySpec>;
  /** The id of the (admin) user websocket connections authenticate as. */
  readonly userId: string;
  /** The current state of one entity, or undefined when it does not exist. */
  readonly getState: (entityId: string) => HaWireState | undefined;
  /** All current states in creation order (what get_states returns). */
  readonly getStates: () => HaWireState[];
  /** Every entity id with a state, in creation order. */
  readonly entityIds: () => string[];
  readonly bus: EventBus;
  readonly machine: StateMachine;
  readonly clock: SimClock;
  /** A context minted now (ULID id), optionally with a parent and user. */
  readonly newContext: (options?: {
    parentId?: string | null;
    userId?: string | null;
    micros?: number;
  }) => HaWireContext;
  /** Sets an entity's state and fires state_changed; returns the event. */
  readonly setState: (
    entityId: string,
    state: string,
    attributes?: Readonly<Record<string, unknown>>,
    options?: SetStateOptions,
  ) => EmittedEvent;
  /** Adds an entity (registry entry and first state) and fires its events. */
  readonly addEntity: (
    entityId: string,
    state: string,
    attributes?: Readonly<Record<string, unknown>>,
    options?: AddEntityOptions,
  ) => EmittedEvent;
  /** Removes an entity (state, and its registry entry unless `keepRegistryEntry`) and fires its events. */
  readonly removeEntity: (
    entityId: string,
    options?: { keepRegistryEntry?: boolean; context?: HaWireContext },
  ) => EmittedEvent;
  /** Fires any event type on the bus. */
  readonly fireEvent: (
    eventType: string,
    data: Readonly<Record<string, unknown>>,
    options?: { context?: HaWireContext; origin?: 'LOCAL' | 'REMOTE' },
  ) => EmittedEvent;
  /** Changes an entity registry entry and fires entity_registry_updated (action update, old values in `changes`). */
  readonly updateEntityRegistry: (
    entityId: string,
    changes: { area_id?: string | null; name?: string | null; labels?: string[]; icon?: string | null },
  ) => EmittedEvent;
  /** Changes a device and fires device_registry_updated (action update, old values in `changes`). */
  readonly updateDeviceRegistry: (
    deviceId: string,
    changes: { area_id?: string | null; name_by_user?: string | null; labels?: string[]; disabled_by?: string | null },
  ) => EmittedEvent;
  /** Changes an area (floor, name, …) and fires area_registry_updated (action update). */
  readonly updateArea: (
    areaId: string,
    changes: { floor_id?: string | null; name?: string; labels?: string[]; icon?: string | null },
  ) => EmittedEvent;
}

/** Options of {@link SimulatedHome.addEntity}. */
export interface AddEntityOptions {
  /** Create an entity registry entry (and fire entity_registry_updated create) first. @default true */
  readonly registry?: boolean;
  readonly areaId?: string | null;
  readonly platform?: string;
  readonly context?: HaWireContext;
  /** How the generator moves it from now on. @default static (never moved) */
  readonly behavior?: Behavior;
}

/** What {@link createHome} needs. */
export interface HomeOptions {
  readonly entityCount: number;
  readonly haVersion: string;
  readonly timeZone: string;
  readonly clock: SimClock;
  readonly rng: Rng;
  readonly maxEmitted: number;
}

/**
 * Builds the home: base catalog (≥ 30 entities) plus generated sensors up to `entityCount`, the
 * registries, and the initial states (written silently: no events, as if HA had just started).
 */
export function createHome(options: HomeOptions): SimulatedHome {
  const { clock, rng } = options;
  const ctxRng = rng.fork(1);
  const bus = createEventBus(options.maxEmitted);
  const newContext: SimulatedHome['newContext'] = (o = {}) => ({
    id: ulidAt(Math.floor((o.micros ?? clock.nowMs() * 1000) / 1000), ctxRng),
    parent_id: o.parentId ?? null,
    user_id: o.userId ?? null,
  });
  const machine = createStateMachine(bus, clock, (micros) => newContext({ micros }));
  const baseWithState = BASE_ENTITIES;
  const extra = Math.max(0, options.entityCount - baseWithState.filter((e) => !e.disabledBy).length);
  const generated = generateEntities(extra, rng.fork(2));
  const all = [...baseWithState, ...generated.entities];
  const specs = new Map(all.map((e) => [e.entityId, e]));
  const startMicros = clock.nowMs() * 1000;
  const { registries, deviceIdByKey } = buildRegistries(
    { floors: FLOORS, areas: AREAS, labels: LABELS, devices: [...DEVICES, ...generated.devices], entities: all },
    secondsFromMicros(startMicros) - 86_400 * 90,
    rng.fork(3),
  );
  void deviceIdByKey;
  const config = buildConfig(options.haVersion, options.timeZone, new Set(all.map((e) => e.platform)));
  const userId = hexId(rng.fork(4));
  const regRng = rng.fork(5);

  const fireEvent: SimulatedHome['fireEvent'] = (eventType, data, o = {}) => {
    const micros = clock.tick();
    return bus.fire(eventType, data, {
      context: o.context ?? newContext({ micros }),
      timeMicros: micros,
      ...(o.origin ? { origin: o.origin } : {}),
    });
  };
  const setState: SimulatedHome['setState'] = (entityId, state, attributes, o) =>
    machine.set(entityId, state, attributes ?? machine.get(entityId)?.attributes ?? {}, o);

  const addEntity: SimulatedHome['addEntity'] = (entityId, state, attributes = {}, o = {}) => {
    const spec: EntitySpec = {
      entityId,
      platform: o.platform ?? 'template',
      uniqueId: `${entityId}-${regRng.int(1, 1e9)}`,
      deviceKey: null,
      areaId: o.areaId ?? null,
      labels: [],
      state,
      attributes,
      behavior: o.behavior ?? { kind: 'static' },
    };
    specs.set(entityId, spec);
    if (o.registry !== false && !registries.entities.has(entityId)) {
      registries.entities.set(
        entityId,
        entityEntry(
          spec,
          null,
          registries.configEntries.get(spec.platform) ?? null,
          secondsFromMicros(clock.nowMs() * 1000),
          regRng,
        ),
      );
      fireEvent('entity_registry_updated', { action: 'create', entity_id: entityId });
    }
    return machine.set(entityId, state, attributes, o.context ? { context: o.context } : {});
  };

  const removeEntity: SimulatedHome['removeEntity'] = (entityId, o = {}) => {
    if (o.keepRegistryEntry !== true && registries.entities.delete(entityId))
      fireEvent('entity_registry_updated', { action: 'remove', entity_id: entityId });
    const e = machine.remove(entityId, o.context);
    if (e === undefined) throw new RangeError(`Entity ${entityId} has no state`);
    return e;
  };

  const updateEntityRegistry: SimulatedHome['updateEntityRegistry'] = (entityId, changes) => {
    const entry = registries.entities.get(entityId);
    if (entry === undefined) throw new RangeError(`Entity ${entityId} has no registry entry`);
    const old = applyChanges(entry as unknown as Record<string, unknown>, changes);
    entry.modified_at = secondsFromMicros(clock.nowMs() * 1000);
    return fireEvent('entity_registry_updated', { action: 'update', entity_id: entityId, changes: old });
  };

  const updateDeviceRegistry: SimulatedHome['updateDeviceRegistry'] = (deviceId, changes) => {
    const entry = registries.devices.get(deviceId);
    if (entry === undefined) throw new RangeError(`Device ${deviceId} is not in the registry`);
    const old = applyChanges(entry as unknown as Record<string, unknown>, changes);
    entry.modified_at = secondsFromMicros(clock.nowMs() * 1000);
    return fireEvent('device_registry_updated', { action: 'update', device_id: deviceId, changes: old });
  };

  const updateArea: SimulatedHome['updateArea'] = (areaId, changes) => {
    const entry = registries.areas.get(areaId);
    if (entry === undefined) throw new RangeError(`Area ${areaId} is not in the registry`);
    applyChanges(entry as unknown as Record<string, unknown>, changes);
    entry.modified_at = secondsFromMicros(clock.nowMs() * 1000);
    return fireEvent('area_registry_updated', { action: 'update', area_id: areaId });
  };

  // Initial states: HA restores them at startup; we write them silently with past timestamps.
  const initRng = rng.fork(6);
  for (const spec of all) {
    if (spec.disabledBy) continue;
    const changedAgo = initRng.int(1_000_000, 3_600_000_000);
    const lastChanged = startMicros - changedAgo;
    const lastUpdated = initRng.chance(0.3) ? lastChanged + initRng.int(0, changedAgo - 1) : lastChanged;
    machine.restore({
      entityId: spec.entityId,
      state: spec.state,
      attributes: spec.attributes,
      lastChanged,
      lastReported: lastUpdated,
      lastUpdated,
      context: newContext({ micros: lastUpdated }),
      wire: undefined,
    });
  }

  return {
    config,
    registries,
    specs,
    userId,
    getState: (id) => {
      const r = machine.get(id);
      return r === undefined ? undefined : toWireState(r);
    },
    getStates: () => Array.from(machine.all(), toWireState),
    entityIds: () => Array.from(machine.all(), (r) => r.entityId),
    bus,
    machine,
    clock,
    newContext,
    setState,
    addEntity,
    removeEntity,
    fireEvent,
    updateEntityRegistry,
    updateDeviceRegistry,
    updateArea,
  };
}

// --- internal ---

/** Applies `changes` to `entry` and returns the old values of the changed keys. */
function applyChanges(
  entry: Record<string, unknown>,
  changes: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const old: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(changes)) {
    old[k] = entry[k];
    entry[k] = v;
  }
  return old;
}
