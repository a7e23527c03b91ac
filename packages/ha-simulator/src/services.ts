import { lightToggle } from './behaviors.js';
import { CommandError } from './connection.js';
import type { SimulatedHome } from './home.js';
import type { Rng } from './prng.js';
import type { HaWireContext } from './types.js';

type ServiceData = Readonly<Record<string, unknown>>;
type Effect = (
  home: SimulatedHome,
  entityIds: readonly string[],
  data: ServiceData,
  context: HaWireContext,
  rng: Rng,
) => void;

const toggle =
  (on: boolean | 'toggle'): Effect =>
  (home, ids, _data, context, rng) => {
    for (const id of ids) {
      const s = home.getState(id);
      if (!s) continue;
      const turnOn = on === 'toggle' ? s.state !== 'on' : on;
      if (id.startsWith('light.')) {
        const c = lightToggle(s.state, s.attributes, rng, turnOn);
        home.setState(id, c.state, c.attributes, { context });
      } else home.setState(id, turnOn ? 'on' : 'off', s.attributes, { context });
    }
  };

const lightOn: Effect = (home, ids, data, context, rng) => {
  for (const id of ids) {
    const s = home.getState(id);
    if (!s) continue;
    const c = lightToggle(s.state, s.attributes, rng, true);
    const attrs: Record<string, unknown> = { ...c.attributes };
    if (typeof data.brightness === 'number') attrs.brightness = data.brightness;
    if (typeof data.brightness_pct === 'number') attrs.brightness = Math.round((data.brightness_pct * 255) / 100);
    if (Array.isArray(data.rgb_color)) attrs.rgb_color = data.rgb_color;
    if (typeof data.color_temp_kelvin === 'number') {
      attrs.color_temp_kelvin = data.color_temp_kelvin;
      attrs.color_temp = Math.round(1_000_000 / data.color_temp_kelvin);
    }
    home.setState(id, 'on', attrs, { context });
  }
};

const setStateTo =
  (state: string, attrs: (data: ServiceData) => Record<string, unknown> = () => ({})): Effect =>
  (home, ids, data, context) => {
    for (const id of ids) {
      const s = home.getState(id);
      if (s) home.setState(id, state === '' ? s.state : state, { ...s.attributes, ...attrs(data) }, { context });
    }
  };

const runScript = (home: SimulatedHome, id: string, context: HaWireContext): void => {
  const s = home.getState(id);
  if (!s) return;
  home.setState(
    id,
    'on',
    { ...s.attributes, current: 1, last_triggered: new Date(home.clock.nowMs()).toISOString().replace('Z', '+00:00') },
    { context },
  );
  home.fireEvent('script_started', { name: s.attributes.friendly_name, entity_id: id }, { context });
  const after = home.getState(id);
  if (after) home.setState(id, 'off', { ...after.attributes, current: 0 }, { context });
};

/** The services the simulated home offers: `domain → service → effect`. */
export const SERVICES: Readonly<Record<string, Readonly<Record<string, Effect>>>> = {
  homeassistant: {
    turn_on: toggle(true),
    turn_off: toggle(false),
    toggle: toggle('toggle'),
    update_entity: () => undefined,
    reload_all: () => undefined,
  },
  light: { turn_on: lightOn, turn_off: toggle(false), toggle: toggle('toggle') },
  switch: { turn_on: toggle(true), turn_off: toggle(false), toggle: toggle('toggle') },
  climate: {
    set_temperature: setStateTo('', (d) => (typeof d.temperature === 'number' ? { temperature: d.temperature } : {})),
    set_hvac_mode: (home, ids, data, context, rng) =>
      setStateTo(typeof data.hvac_mode === 'string' ? data.hvac_mode : 'heat')(home, ids, data, context, rng),
    set_preset_mode: setStateTo('', (d) => ({ preset_mode: d.preset_mode })),
  },
  media_player: {
    media_play: setStateTo('playing'),
    media_pause: setStateTo('paused'),
    media_stop: setStateTo('idle'),
    turn_on: setStateTo('idle'),
    turn_off: setStateTo('off'),
    volume_set: setStateTo('', (d) => ({ volume_level: d.volume_level })),
  },
  cover: {
    open_cover: setStateTo('open', () => ({ current_position: 100 })),
    close_cover: setStateTo('closed', () => ({ current_position: 0 })),
    set_cover_position: (home, ids, data, context, rng) => {
      const pos = typeof data.position === 'number' ? data.position : 50;
      setStateTo(pos === 0 ? 'closed' : 'open', () => ({ current_position: pos }))(home, ids, data, context, rng);
    },
  },
  lock: { lock: setStateTo('locked'), unlock: setStateTo('unlocked') },
  automation: {
    trigger: (home, ids, _data, context) => {
      for (const id of ids) {
        const s = home.getState(id);
        if (!s) continue;
        const ctx = home.newContext({ parentId: context.id });
        home.fireEvent(
          'automation_triggered',
          { name: s.attributes.friendly_name, entity_id: id, source: 'manual' },
          { context: ctx },
        );
        home.setState(
          id,
          s.state,
          { ...s.attributes, last_triggered: new Date(home.clock.nowMs()).toISOString().replace('Z', '+00:00') },
          { context: ctx },
        );
      }
    },
    turn_on: setStateTo('on'),
    turn_off: setStateTo('off'),
  },
  script: {
    turn_on: (home, ids, _data, context) => ids.forEach((id) => runScript(home, id, context)),
    movie_time: (home, _ids, _data, context) => runScript(home, 'script.movie_time', context),
    good_night: (home, _ids, _data, context) => runScript(home, 'script.good_night', context),
  },
  persistent_notification: { create: () => undefined, dismiss: () => undefined },
};

/** get_services: `{domain: {service: description}}` (a small but real-shaped subset). */
export function describeServices(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [domain, services] of Object.entries(SERVICES)) {
    out[domain] = Object.fromEntries(
      Object.keys(services).map((s) => [
        s,
        {
          name: s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
          description: `${s.replace(/_/g, ' ')} (${domain})`,
          fields: {},
          ...(['homeassistant', 'persistent_notification'].includes(domain) || domain === 'script'
            ? {}
            : { target: { entity: [{ domain: [domain] }] } }),
        },
      ]),
    );
  }
  return out;
}

/**
 * HA's `ServiceRegistry.async_call` for one websocket call: unknown service → not_found (before any
 * event), then the call_service event with the caller's context, then the effects (state_changed with
 * the same context), all before the caller gets its result.
 */
export function callService(
  home: SimulatedHome,
  rng: Rng,
  domain: string,
  service: string,
  serviceData: ServiceData,
  target: ServiceData | undefined,
  context: HaWireContext,
): void {
  const effect = SERVICES[domain]?.[service];
  if (effect === undefined) {
    throw new CommandError('not_found', `Service ${domain}.${service} not found.`, {
      key: 'service_not_found',
      domain: 'homeassistant',
      placeholders: { domain, service },
    });
  }
  const merged = { ...serviceData, ...(target ?? {}) };
  home.fireEvent('call_service', { domain, service, service_data: merged }, { context });
  // Entity services only act on entities of their own domain (homeassistant.* acts on any).
  const targets = resolveTargets(home, merged).filter(
    (id) => domain === 'homeassistant' || id.startsWith(`${domain}.`),
  );
  effect(home, targets, merged, context, rng);
}

// --- internal ---

function resolveTargets(home: SimulatedHome, data: ServiceData): string[] {
  const list = (v: unknown): string[] =>
    typeof v === 'string'
      ? v.split(',').map((s) => s.trim())
      : Array.isArray(v)
        ? v.filter((x): x is string => typeof x === 'string')
        : [];
  const ids = new Set(list(data.entity_id));
  if (ids.has('all')) return home.entityIds();
  const areas = new Set(list(data.area_id));
  const devices = new Set(list(data.device_id));
  if (areas.size > 0 || devices.size > 0) {
    for (const e of home.registries.entities.values()) {
      const deviceArea = e.device_id === null ? null : (home.registries.devices.get(e.device_id)?.area_id ?? null);
      if ((e.device_id !== null && devices.has(e.device_id)) || areas.has(e.area_id ?? deviceArea ?? ''))
        ids.add(e.entity_id);
    }
  }
  return [...ids];
}
