import { lightToggle, nextChange } from './behaviors.js';
import { createVirtualClock, createSimClock } from './ha-time.js';
import { createHome, type SimulatedHome } from './home.js';
import { createRng, type Rng } from './prng.js';
import type { EmittedEvent, HaWireContext, HaWireEvent } from './types.js';

/** Drives a home with realistic, seeded activity. */
export interface HomeGenerator {
  /** Runs one action (a state change, a service call chain, …) and returns the delivered events it fired. */
  readonly action: () => EmittedEvent[];
  /** Runs actions until at least `count` events were delivered; returns them all (the last action is never cut). */
  readonly step: (count: number) => EmittedEvent[];
}

const HOSTILE_NAMES = [
  'BLE tag "Keys" 🔑',
  'Tag, with comma = equals',
  'Back\\slash\ttab',
  'Zeile 1\nZeile 2',
  '  padded  ',
  'ünïcödé ✓ 温度',
];

/** Creates the seeded generator over `home`. */
export function createHomeGenerator(home: SimulatedHome, rng: Rng): HomeGenerator {
  const movable = [...home.specs.values()]
    .filter(
      (s) => !['automation', 'script', 'static'].includes(s.behavior.kind) && home.getState(s.entityId) !== undefined,
    )
    .map((s) => s.entityId);
  const added: string[] = [];
  let addedCounter = 0;

  const delivered = (events: (EmittedEvent | undefined)[]): EmittedEvent[] =>
    events.filter((e): e is EmittedEvent => e !== undefined && e.delivered);

  const changeEntity = (entityId: string, context?: HaWireContext): EmittedEvent | undefined => {
    const spec = home.specs.get(entityId);
    const current = home.getState(entityId);
    if (spec === undefined || current === undefined) return undefined;
    const change = nextChange(spec.behavior, entityId, current.state, current.attributes, rng);
    if (change === undefined) return undefined;
    return home.setState(entityId, change.state, change.attributes, {
      ...(change.forceUpdate ? { forceUpdate: true } : {}),
      ...(context ? { context } : {}),
    });
  };

  const stateChange = (): EmittedEvent[] => {
    for (let tries = 0; tries < 8; tries++) {
      const e = changeEntity(rng.pick(movable));
      if (e?.delivered) return [e];
    }
    return [];
  };

  const userService = (): EmittedEvent[] => {
    const targets = movable.filter((id) => /^(light|switch|cover|lock)\./.test(id));
    const entityId = rng.pick(targets);
    const domain = entityId.slice(0, entityId.indexOf('.'));
    const current = home.getState(entityId);
    const context = home.newContext({ userId: home.userId });
    const service =
      domain === 'lock'
        ? current?.state === 'locked'
          ? 'unlock'
          : 'lock'
        : domain === 'cover'
          ? 'set_cover_position'
          : current?.state === 'on'
            ? 'turn_off'
            : 'turn_on';
    const serviceData: Record<string, unknown> =
      domain === 'cover' ? { position: rng.int(0, 100), entity_id: [entityId] } : { entity_id: [entityId] };
    const events: (EmittedEvent | undefined)[] = [
      home.fireEvent('call_service', { domain, service, service_data: serviceData }, { context }),
    ];
    if (domain === 'light' && current) {
      const c = lightToggle(current.state, current.attributes, rng, service === 'turn_on');
      events.push(home.setState(entityId, c.state, c.attributes, { context }));
    } else events.push(changeEntity(entityId, context));
    return delivered(events);
  };

  const automationChain = (): EmittedEvent[] => {
    const motion = home.getState('binary_sensor.hallway_motion');
    const light = home.getState('light.kitchen_spots') ?? home.getState('light.living_room_ceiling');
    const auto = home.getState('automation.hallway_motion_light');
    if (!motion || !light || !auto) return stateChange();
    const trigger = home.setState(motion.entity_id, motion.state === 'on' ? 'off' : 'on', motion.attributes);
    const context = home.newContext({ parentId: trigger.event.context.id });
    const now = home.clock.nowMs();
    const events: (EmittedEvent | undefined)[] = [
      trigger,
      home.fireEvent(
        'automation_triggered',
        { name: auto.attributes.friendly_name, entity_id: auto.entity_id, source: `state of ${motion.entity_id}` },
        { context },
      ),
      home.setState(
        auto.entity_id,
        auto.state,
        { ...auto.attributes, last_triggered: new Date(now).toISOString().replace('Z', '+00:00'), current: 1 },
        { context },
      ),
      home.fireEvent(
        'call_service',
        { domain: 'light', service: 'turn_on', service_data: { entity_id: light.entity_id, brightness_pct: 60 } },
        { context },
      ),
    ];
    const c = lightToggle(light.state, light.attributes, rng, true);
    events.push(home.setState(light.entity_id, c.state, c.attributes, { context }));
    events.push(
      home.setState(
        auto.entity_id,
        auto.state,
        { ...auto.attributes, last_triggered: new Date(now).toISOString().replace('Z', '+00:00'), current: 0 },
        { context },
      ),
    );
    return delivered(events);
  };

  const scriptRun = (): EmittedEvent[] => {
    const id = rng.pick(['script.movie_time', 'script.good_night']);
    const s = home.getState(id);
    if (!s) return stateChange();
    const context = home.newContext({ userId: rng.chance(0.5) ? home.userId : null });
    const events: (EmittedEvent | undefined)[] = [
      home.setState(
        id,
        'on',
        {
          ...s.attributes,
          current: 1,
          last_triggered: new Date(home.clock.nowMs()).toISOString().replace('Z', '+00:00'),
        },
        { context },
      ),
      home.fireEvent('script_started', { name: s.attributes.friendly_name, entity_id: id }, { context }),
      home.fireEvent(
        'call_service',
        { domain: 'media_player', service: 'media_pause', service_data: { entity_id: 'media_player.living_room_tv' } },
        { context },
      ),
    ];
    events.push(changeEntity('media_player.living_room_tv', context));
    const after = home.getState(id);
    if (after) events.push(home.setState(id, 'off', { ...after.attributes, current: 0 }, { context }));
    return delivered(events);
  };

  const lifecycle = (): EmittedEvent[] => {
    if (added.length > 0 && rng.chance(0.5)) {
      const id = added.splice(rng.int(0, added.length - 1), 1)[0];
      if (id !== undefined && home.getState(id)) {
        movable.splice(movable.indexOf(id), 1);
        return delivered([home.removeEntity(id)]);
      }
    }
    const id = `sensor.ble_tag_${(++addedCounter).toString(36)}_${rng.int(0, 0xffff).toString(16)}`;
    const e = home.addEntity(
      id,
      String(rng.int(-95, -40)),
      {
        unit_of_measurement: 'dBm',
        device_class: 'signal_strength',
        state_class: 'measurement',
        friendly_name: rng.pick(HOSTILE_NAMES),
        source: 'bluetooth',
        nested: { rssi: [-71, -68, null], meta: { 'k=v': 'a,b', quote: '"' } },
        battery: null,
      },
      { behavior: { kind: 'numeric', min: -95, max: -40, step: 3, decimals: 0 } },
    );
    added.push(id);
    movable.push(id);
    return delivered([e]);
  };

  const registryUpdate = (): EmittedEvent[] => {
    const ids = [...home.registries.entities.keys()].filter((id) => home.getState(id) !== undefined);
    const id = rng.pick(ids);
    const area = rng.pick([...home.registries.areas.keys()]);
    return [home.updateEntityRegistry(id, { area_id: area })];
  };

  const run = (): void => {
    const r = rng.next();
    if (r < 0.86) stateChange();
    else if (r < 0.91) userService();
    else if (r < 0.945) automationChain();
    else if (r < 0.97) scriptRun();
    else if (r < 0.995) lifecycle();
    else registryUpdate();
  };

  // Capture through a match-all listener: it sees exactly the delivered events, registry ones included.
  const action = (): EmittedEvent[] => {
    const out: EmittedEvent[] = [];
    const unlisten = home.bus.listen('*', (e) => out.push(e));
    try {
      run();
    } finally {
      unlisten();
    }
    return out;
  };

  return {
    action,
    step: (count) => {
      const out: EmittedEvent[] = [];
      let guard = 0;
      while (out.length < count && guard++ < count * 10 + 10) out.push(...action());
      return out;
    },
  };
}

/** Options of {@link createEventGenerator}. */
export interface EventGeneratorOptions {
  readonly seed: number;
  readonly entityCount: number;
  /** Epoch-ms clock; default: a virtual clock from 2026-01-01T00:00:00Z advancing by seeded gaps (fully deterministic). */
  readonly now?: () => number;
  readonly haVersion?: string;
}

/** A pure, socket-free stream of HA wire events (the benchmark corpus). Same seed → same events. */
export interface EventGenerator {
  /** The next event of the stream (advances the simulated clock). */
  readonly next: () => HaWireEvent;
  readonly home: SimulatedHome;
}

/** Creates a deterministic event stream over a simulated home of `entityCount` entities. */
export function createEventGenerator(options: EventGeneratorOptions): EventGenerator {
  const rng = createRng(options.seed);
  const clockRng = rng.fork(101);
  const clock = options.now
    ? createSimClock(options.now, clockRng)
    : createVirtualClock(Date.UTC(2026, 0, 1), clockRng);
  const home = createHome({
    entityCount: options.entityCount,
    haVersion: options.haVersion ?? '2025.11.3',
    timeZone: 'Europe/Amsterdam',
    clock,
    rng: rng.fork(102),
    maxEmitted: 1,
  });
  const generator = createHomeGenerator(home, rng.fork(103));
  const queue: HaWireEvent[] = [];
  return {
    home,
    next: () => {
      while (queue.length === 0) queue.push(...generator.action().map((e) => e.event));
      const e = queue.shift();
      if (e === undefined) throw new Error('unreachable: generator queue empty');
      return e;
    },
  };
}
