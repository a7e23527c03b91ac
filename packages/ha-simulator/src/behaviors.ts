import type { Behavior } from './catalog-types.js';
import type { Rng } from './prng.js';

/** A proposed state write. */
export interface Change {
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly forceUpdate?: boolean;
}

type Attrs = Readonly<Record<string, unknown>>;

/** Free-text states: empty, the 255-char maximum, any Unicode. */
const TEXTS = [
  '',
  'Washing machine finished ✅',
  'Tür "Garage" offen, bitte schließen = jetzt!',
  'Line 1\nLine 2\\n',
  'x'.repeat(255),
  '😀'.repeat(127),
  'a,b;c=d e\tf',
];

/** Numeric-looking strings real integrations produce; they are still strings on the wire. */
const ODD_NUMERIC = ['1e3', '-0', ' 21.5', '12,5', 'NaN', '0.000', '+3', '-0.0'];

/**
 * The next realistic state of an entity, or undefined when its behaviour has nothing to do.
 * Pure given the rng: the same rng sequence yields the same changes.
 */
export function nextChange(
  behavior: Behavior,
  entityId: string,
  state: string,
  attrs: Attrs,
  rng: Rng,
): Change | undefined {
  // Hostile-but-real: devices drop off and come back.
  if (state === 'unavailable' || state === 'unknown') return recover(behavior, attrs, rng);
  if (behavior.kind !== 'static' && behavior.kind !== 'automation' && behavior.kind !== 'script' && rng.chance(0.006)) {
    return { state: rng.chance(0.7) ? 'unavailable' : 'unknown', attributes: attrs };
  }
  switch (behavior.kind) {
    case 'numeric': {
      if (rng.chance(0.004)) return { state: rng.pick(ODD_NUMERIC), attributes: attrs };
      const cur = Number.parseFloat(state);
      const base = Number.isFinite(cur) ? cur : (behavior.min + behavior.max) / 2;
      const next = clamp(base + rng.float(-behavior.step, behavior.step) * 2, behavior.min, behavior.max);
      if (rng.chance(0.08)) return { state, attributes: attrs, forceUpdate: true }; // force_update re-report
      return { state: next.toFixed(behavior.decimals), attributes: attrs };
    }
    case 'counter': {
      const cur = Number.parseFloat(state);
      const base = Number.isFinite(cur) ? cur : 0;
      return { state: (base + rng.float(0, behavior.step * 3)).toFixed(behavior.decimals), attributes: attrs };
    }
    case 'binary':
      return { state: state === behavior.on ? behavior.off : behavior.on, attributes: attrs };
    case 'switch':
      return { state: state === 'on' ? 'off' : 'on', attributes: attrs };
    case 'light':
      return state === 'on' && rng.chance(0.6)
        ? { state, attributes: { ...attrs, brightness: rng.int(3, 255) } } // attribute-only change
        : lightToggle(state, attrs, rng);
    case 'climate':
      return rng.chance(0.8)
        ? {
            state,
            attributes: {
              ...attrs,
              current_temperature: round(Number(attrs.current_temperature ?? 20) + rng.float(-0.3, 0.3), 1),
              current_humidity: rng.int(38, 55),
            },
          }
        : { state, attributes: { ...attrs, hvac_action: rng.pick(['heating', 'idle', 'idle', 'fan']) } };
    case 'media':
      return mediaChange(state, attrs, rng);
    case 'person':
      return {
        state: rng.pick(['home', 'not_home', 'Work', 'Gym 🏋️']),
        attributes: { ...attrs, gps_accuracy: rng.int(5, 65) },
      };
    case 'sun': {
      const elevation = round(Number(attrs.elevation ?? 0) + rng.float(-1.5, 1.5), 2);
      return {
        state: elevation > 0 ? 'above_horizon' : 'below_horizon',
        attributes: {
          ...attrs,
          elevation,
          azimuth: round(rng.float(90, 270), 2),
          rising: elevation > Number(attrs.elevation ?? 0),
        },
      };
    }
    case 'weather':
      return {
        state: rng.chance(0.3) ? rng.pick(['sunny', 'cloudy', 'rainy', 'partlycloudy', 'fog', 'clear-night']) : state,
        attributes: weatherAttrs(attrs, rng),
      };
    case 'calendar':
      return { state: state === 'on' ? 'off' : 'on', attributes: { ...attrs, offset_reached: false } };
    case 'cover': {
      const pos = rng.int(0, 100);
      return { state: pos === 0 ? 'closed' : 'open', attributes: { ...attrs, current_position: pos } };
    }
    case 'lock':
      return { state: state === 'locked' ? 'unlocked' : 'locked', attributes: attrs };
    case 'text':
      return { state: rng.pick(TEXTS), attributes: attrs };
    case 'automation':
    case 'script':
    case 'static':
      return undefined;
  }
  return undefined;
}

/** Light on/off with HA's attribute conventions (colour keys null when off). */
export function lightToggle(state: string, attrs: Attrs, rng: Rng, forceOn?: boolean): Change {
  const turnOn = forceOn ?? state !== 'on';
  if (turnOn) {
    const rgb = [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
    const kelvin = rng.int(2200, 6500);
    return {
      state: 'on',
      attributes: {
        ...attrs,
        color_mode: rng.chance(0.5) ? 'color_temp' : 'xy',
        brightness: rng.int(3, 255),
        color_temp_kelvin: kelvin,
        color_temp: Math.round(1_000_000 / kelvin),
        hs_color: [round(rng.float(0, 360), 1), round(rng.float(0, 100), 1)],
        rgb_color: rgb,
        xy_color: [round(rng.float(0, 0.7), 3), round(rng.float(0, 0.7), 3)],
        effect: null,
      },
    };
  }
  return {
    state: 'off',
    attributes: {
      ...attrs,
      color_mode: null,
      brightness: null,
      color_temp_kelvin: null,
      color_temp: null,
      hs_color: null,
      rgb_color: null,
      xy_color: null,
    },
  };
}

/** Media player: playing/paused/off; media_* attributes appear and disappear; big attribute sets sometimes. */
export function mediaChange(state: string, attrs: Attrs, rng: Rng): Change {
  const base = {
    device_class: attrs.device_class,
    friendly_name: attrs.friendly_name,
    supported_features: attrs.supported_features,
  };
  if (state === 'playing' && rng.chance(0.5))
    return {
      state,
      attributes: {
        ...attrs,
        media_position: rng.int(0, 240),
        media_position_updated_at: new Date(1_764_000_000_000 + rng.int(0, 1e9)).toISOString().replace('Z', '+00:00'),
      },
    };
  const next = rng.pick(['playing', 'playing', 'paused', 'idle', 'off']);
  if (next === 'off') return { state: 'off', attributes: base };
  const sources = [
    'HDMI 1',
    'HDMI 2',
    'Live TV',
    'Netflix',
    'YouTube',
    'Spotify - Music and Podcasts',
    'Disney+',
    'Prime Video',
    'Plex',
    'Apple TV',
    'Twitch',
    'ARD Mediathek',
    'ZDF',
    'Arte',
    'Kodi',
    'Photo Viewer',
    'Web Browser',
    'Settings',
  ];
  const big = rng.chance(0.35);
  const queue = big
    ? Array.from({ length: 40 }, (_, i) => ({
        title: `Track ${i + 1}: ${rng.pick(['Intro', 'Sunrise', 'Ölmalerei', '"Quoted"', 'Back\\slash', 'a=b, c=d'])}`,
        artist: rng.pick(['Röyksopp', 'Daft Punk', 'Sigur Rós', 'Nils Frahm']),
        album: 'Live at the "Simulator"',
        duration: rng.int(120, 420),
        uri: `x-sonos-spotify:spotify%3atrack%3a${rng.int(1e9, 9e9)}?sid=12&flags=8224&sn=3`,
      }))
    : undefined;
  return {
    state: next,
    attributes: {
      source_list: sources,
      sound_mode_list: ['Standard', 'Cinema', 'Music', 'Game', 'Sports'],
      volume_level: round(rng.float(0, 1), 2),
      is_volume_muted: rng.chance(0.1),
      media_content_id: `spotify:track:${rng.int(1e9, 9e9)}`,
      media_content_type: 'music',
      media_duration: rng.int(120, 420),
      media_position: rng.int(0, 120),
      media_title: rng.pick(['Song 2', 'Für Elise', 'Ünïcödé 🎵', 'Line\nbreak', 'Comma, "quote" = test']),
      media_artist: rng.pick(['Blur', 'Beethoven', 'Björk']),
      media_album_name: 'Greatest Hits',
      source: rng.pick(sources),
      sound_mode: 'Standard',
      shuffle: rng.chance(0.5),
      repeat: rng.pick(['off', 'all', 'one']),
      entity_picture: `/api/media_player_proxy/media_player.x?token=${'a'.repeat(64)}&cache=${rng.int(1e6, 9e6)}`,
      ...(queue === undefined ? {} : { queue, queue_position: rng.int(1, 40), queue_size: 40 }),
      ...base,
    },
  };
}

// --- internal ---

function recover(behavior: Behavior, attrs: Attrs, rng: Rng): Change | undefined {
  switch (behavior.kind) {
    case 'numeric':
      return { state: rng.float(behavior.min, behavior.max).toFixed(behavior.decimals), attributes: attrs };
    case 'counter':
      return { state: rng.float(1, 100).toFixed(behavior.decimals), attributes: attrs };
    case 'light':
      return lightToggle('on', attrs, rng, false);
    case 'binary':
      return { state: behavior.off, attributes: attrs };
    case 'media':
      return { state: 'idle', attributes: attrs };
    case 'climate':
      return { state: 'heat', attributes: attrs };
    default:
      return { state: rng.pick(['on', 'off', 'home', 'locked', 'open']), attributes: attrs };
  }
}

function weatherAttrs(attrs: Attrs, rng: Rng): Attrs {
  const t = round(Number(attrs.temperature ?? 10) + rng.float(-0.5, 0.5), 1);
  const start = Date.UTC(2026, 10, 29, 12);
  const forecast = Array.from({ length: 8 }, (_, i) => ({
    condition: rng.pick(['sunny', 'cloudy', 'rainy', 'partlycloudy']),
    datetime: new Date(start + i * 3_600_000 * 3).toISOString().replace('.000Z', '+00:00'),
    wind_bearing: round(rng.float(0, 360), 1),
    temperature: round(t + rng.float(-3, 3), 1),
    templow: round(t - rng.float(2, 6), 1),
    wind_speed: round(rng.float(0, 40), 1),
    precipitation: round(rng.float(0, 3), 1),
    humidity: rng.int(40, 99),
  }));
  return {
    ...attrs,
    temperature: t,
    humidity: rng.int(40, 99),
    pressure: round(rng.float(990, 1035), 1),
    wind_speed: round(rng.float(0, 40), 1),
    forecast,
  };
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}
