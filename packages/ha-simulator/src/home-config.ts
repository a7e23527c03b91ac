/** `get_config` result (`Config.as_dict()` + `state` + `version`), alphabetical as HA sends it. */
export interface HaConfigDict {
  allowlist_external_dirs: string[];
  allowlist_external_urls: string[];
  components: string[];
  config_dir: string;
  config_source: string;
  country: string | null;
  currency: string;
  debug: boolean;
  elevation: number;
  external_url: string | null;
  internal_url: string | null;
  language: string;
  latitude: number;
  location_name: string;
  longitude: number;
  radius: number;
  recovery_mode: boolean;
  safe_mode: boolean;
  state: 'NOT_RUNNING' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'FINAL_WRITE';
  time_zone: string;
  unit_system: Record<
    'length' | 'accumulated_precipitation' | 'area' | 'mass' | 'pressure' | 'temperature' | 'volume' | 'wind_speed',
    string
  >;
  version: string;
  whitelist_external_dirs: string[];
}

/** The simulated installation's config. `platforms` become `components` (plus the always-loaded ones). */
export function buildConfig(haVersion: string, timeZone: string, platforms: Iterable<string>): HaConfigDict {
  const components = new Set([
    'homeassistant',
    'http',
    'websocket_api',
    'api',
    'auth',
    'config',
    'frontend',
    'history',
    'recorder',
    'logbook',
    'person',
    'sun',
    'automation',
    'script',
    'zone',
    'default_config',
  ]);
  for (const p of platforms) components.add(p);
  for (const d of [
    'sensor',
    'binary_sensor',
    'light',
    'switch',
    'climate',
    'media_player',
    'weather',
    'calendar',
    'cover',
    'lock',
  ]) {
    for (const p of [...components])
      if (
        !p.includes('.') &&
        ![
          'homeassistant',
          'http',
          'websocket_api',
          'api',
          'auth',
          'config',
          'frontend',
          'history',
          'recorder',
          'logbook',
          'default_config',
        ].includes(p)
      )
        components.add(`${d}.${p}`);
    components.add(d);
  }
  return {
    allowlist_external_dirs: ['/config/www', '/media'],
    allowlist_external_urls: [],
    components: [...components].sort().slice(0, 120),
    config_dir: '/config',
    config_source: 'storage',
    country: 'NL',
    currency: 'EUR',
    debug: false,
    elevation: 2,
    external_url: null,
    internal_url: null,
    language: 'en',
    latitude: 52.3731,
    location_name: 'Home "Simulated", Amsterdam',
    longitude: 4.8922,
    radius: 100,
    recovery_mode: false,
    safe_mode: false,
    state: 'RUNNING',
    time_zone: timeZone,
    unit_system: {
      length: 'km',
      accumulated_precipitation: 'mm',
      area: 'm²',
      mass: 'g',
      pressure: 'Pa',
      temperature: '°C',
      volume: 'L',
      wind_speed: 'm/s',
    },
    version: haVersion,
    whitelist_external_dirs: ['/config/www', '/media'],
  };
}
