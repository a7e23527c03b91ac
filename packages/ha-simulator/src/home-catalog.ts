import type { AreaSpec, DeviceSpec, EntitySpec, FloorSpec, LabelSpec } from './catalog-types.js';

/** Floors: levels may be negative or null (HA allows both). */
export const FLOORS: readonly FloorSpec[] = [
  { floorId: 'basement', name: 'Basement', level: -1, icon: 'mdi:home-floor-negative-1', aliases: [] },
  { floorId: 'ground_floor', name: 'Ground floor', level: 0, icon: 'mdi:home-floor-0', aliases: ['Downstairs'] },
  { floorId: 'first_floor', name: 'First floor', level: 1, icon: 'mdi:home-floor-1', aliases: ['Upstairs'] },
  { floorId: 'attic', name: 'Attic', level: null, icon: null, aliases: [] },
];

export const AREAS: readonly AreaSpec[] = [
  { areaId: 'living_room', name: 'Living room', floorId: 'ground_floor', icon: 'mdi:sofa', labels: [], aliases: ['Lounge'] },
  { areaId: 'kitchen', name: 'Kitchen', floorId: 'ground_floor', icon: 'mdi:stove', labels: [], aliases: [] },
  { areaId: 'hallway', name: 'Hallway', floorId: 'ground_floor', icon: null, labels: ['security'], aliases: [] },
  { areaId: 'bedroom', name: 'Bedroom', floorId: 'first_floor', icon: 'mdi:bed', labels: [], aliases: [] },
  { areaId: 'kids_room', name: "Kids' room", floorId: 'first_floor', icon: null, labels: [], aliases: [] },
  { areaId: 'bathroom', name: 'Bathroom', floorId: 'first_floor', icon: 'mdi:shower', labels: [], aliases: [] },
  { areaId: 'office', name: 'Office', floorId: 'first_floor', icon: 'mdi:desk', labels: [], aliases: ['Study'] },
  { areaId: 'garage', name: 'Garage', floorId: 'basement', icon: 'mdi:garage', labels: ['security'], aliases: [] },
  { areaId: 'storage', name: 'Storage, "Dachboden"', floorId: 'attic', icon: null, labels: [], aliases: [] },
  { areaId: 'garden', name: 'Garden', floorId: null, icon: 'mdi:flower', labels: [], aliases: [] },
];

export const LABELS: readonly LabelSpec[] = [
  { labelId: 'energy', name: 'Energy', color: 'amber', icon: 'mdi:lightning-bolt', description: 'Counts towards the energy dashboard' },
  { labelId: 'security', name: 'Security', color: 'red', icon: 'mdi:shield-home', description: null },
  { labelId: 'night_mode', name: 'Night mode', color: 'indigo', icon: null, description: 'Turned off by "Good night"' },
  { labelId: 'critical', name: 'Critical ⚠️', color: null, icon: null, description: null },
];

export const DEVICES: readonly DeviceSpec[] = [
  { key: 'zigbee_coordinator', name: 'SkyConnect', manufacturer: 'Nabu Casa', model: 'Home Assistant SkyConnect', modelId: 'SkyConnect v1.0', areaId: 'office', platform: 'zha', swVersion: '7.4.4.0', hwVersion: null, mac: null },
  { key: 'living_multisensor', name: 'Living room multisensor', manufacturer: 'Aqara', model: 'Temperature and humidity sensor', modelId: 'WSDCGQ11LM', areaId: 'living_room', platform: 'zha', swVersion: '0x00000019', hwVersion: '1', viaKey: 'zigbee_coordinator' },
  { key: 'bedroom_multisensor', name: 'Bedroom sensor', manufacturer: 'Aqara', model: 'Temperature and humidity sensor', modelId: 'WSDCGQ11LM', areaId: 'bedroom', platform: 'zha', swVersion: '0x00000019', hwVersion: '1', viaKey: 'zigbee_coordinator' },
  { key: 'kitchen_sensor', name: 'Küche "Ofen" Sensor', manufacturer: 'Xiaomi', model: 'Mi Temperature and Humidity Monitor 2', modelId: 'LYWSD03MMC', areaId: 'kitchen', platform: 'xiaomi_ble', swVersion: null, hwVersion: null, mac: 'A4:C1:38:2F:90:11' },
  { key: 'weather_station', name: 'Netatmo outdoor module', manufacturer: 'Netatmo', model: 'Outdoor Module', modelId: 'NAModule1', areaId: 'garden', platform: 'netatmo', swVersion: '50', hwVersion: null },
  { key: 'energy_meter', name: 'Shelly 3EM', manufacturer: 'Shelly', model: 'Shelly 3EM', modelId: 'SHEM-3', areaId: 'garage', platform: 'shelly', swVersion: '20230913-114244/v1.14.0-gcb84623', hwVersion: 'gen1 (SHEM-3)', mac: 'C8:C9:A3:11:22:33', labels: ['energy'] },
  { key: 'washer_plug', name: 'Washing machine plug', manufacturer: 'Shelly', model: 'Shelly Plus Plug S', modelId: 'SNPL-00112EU', areaId: 'bathroom', platform: 'shelly', swVersion: '1.4.4', hwVersion: 'gen2 (SNPL-00112EU)', mac: 'E8:68:E7:AA:BB:CC', labels: ['energy'] },
  { key: 'inverter', name: 'Solar inverter', manufacturer: 'Fronius', model: 'Symo GEN24 10.0', modelId: null, areaId: 'garage', platform: 'fronius', swVersion: '1.30.7-1', hwVersion: null, serialNumber: '34119001' },
  { key: 'office_co2', name: 'Office air', manufacturer: 'Aranet', model: 'Aranet4', modelId: 'Aranet4 HOME', areaId: 'office', platform: 'aranet', swVersion: 'v1.4.19', hwVersion: null },
  { key: 'hallway_motion', name: 'Hallway motion', manufacturer: 'Philips', model: 'Hue motion sensor', modelId: 'SML001', areaId: 'hallway', platform: 'hue', swVersion: '1.1.28573', hwVersion: null, viaKey: 'hue_bridge', labels: ['security'] },
  { key: 'hue_bridge', name: 'Hue Bridge', manufacturer: 'Signify Netherlands B.V.', model: 'Hue Bridge', modelId: 'BSB002', areaId: 'office', platform: 'hue', swVersion: '1.66.1966060010', hwVersion: null, mac: '00:17:88:01:02:03' },
  { key: 'living_ceiling', name: 'Living room ceiling', manufacturer: 'Signify Netherlands B.V.', model: 'Hue White Ambiance', modelId: 'LTA009', areaId: 'living_room', platform: 'hue', swVersion: '1.116.3', hwVersion: null, viaKey: 'hue_bridge' },
  { key: 'bedroom_lamp', name: 'Bedroom lamp', manufacturer: 'IKEA of Sweden', model: 'TRADFRI bulb E27 CWS 806lm', modelId: 'LED1924G9', areaId: 'bedroom', platform: 'zha', swVersion: '0x23087631', hwVersion: '1', viaKey: 'zigbee_coordinator', labels: ['night_mode'] },
  { key: 'thermostat', name: 'Living room thermostat', manufacturer: 'ecobee', model: 'ecobee3 lite', modelId: 'EBSTATE3LT', areaId: 'living_room', platform: 'ecobee', swVersion: '4.8.7.112', hwVersion: null, serialNumber: '411915072345' },
  { key: 'bedroom_trv', name: 'Bedroom radiator', manufacturer: 'Danfoss', model: 'eTRV0100', modelId: 'eTRV0100', areaId: 'bedroom', platform: 'zha', swVersion: '0x01040b0b', hwVersion: '1', viaKey: 'zigbee_coordinator' },
  { key: 'tv', name: 'Living room TV', manufacturer: 'LG', model: 'OLED55C2', modelId: 'OLED55C24LA', areaId: 'living_room', platform: 'webostv', swVersion: '23.20.56', hwVersion: null, mac: '64:E4:A5:00:11:22' },
  { key: 'kitchen_speaker', name: 'Kitchen speaker', manufacturer: 'Sonos', model: 'One SL', modelId: 'S38', areaId: 'kitchen', platform: 'sonos', swVersion: '16.1', hwVersion: '1.26.1.11-2.0', mac: '48:A6:B8:33:44:55' },
  { key: 'alice_phone', name: "Alice's iPhone", manufacturer: 'Apple', model: 'iPhone15,3', modelId: 'iPhone15,3', areaId: null, platform: 'mobile_app', swVersion: '18.1', hwVersion: null },
  { key: 'front_lock', name: 'Front door lock', manufacturer: 'Nuki', model: 'Smart Lock 3.0 Pro', modelId: null, areaId: 'hallway', platform: 'nuki', swVersion: '3.9.8', hwVersion: null, labels: ['security', 'critical'] },
  { key: 'blinds', name: 'Living room blinds', manufacturer: 'Somfy', model: 'RTS motor', modelId: null, areaId: 'living_room', platform: 'somfy_mylink', swVersion: null, hwVersion: null },
  { key: 'sun_service', name: 'Sun', manufacturer: 'Home Assistant', model: 'Sun', modelId: null, areaId: null, platform: 'sun', swVersion: null, hwVersion: null, entryType: 'service' },
  { key: 'met', name: 'Forecast Home', manufacturer: 'Met.no', model: 'Forecast', modelId: null, areaId: null, platform: 'met', swVersion: null, hwVersion: null, entryType: 'service' },
];

const HOSTILE_NAME = 'Küche "Ofen", Temp=°C \\ 🔥\nzweite Zeile';

/** The base home: ≥ 30 realistic entities across the domains a real installation has. */
export const BASE_ENTITIES: readonly EntitySpec[] = [
  sensor('sensor.living_room_temperature', 'Living room multisensor Temperature', 'living_multisensor', 'temperature', '°C', 'measurement', '21.4', { min: 17, max: 26, step: 0.1, decimals: 1 }),
  sensor('sensor.living_room_humidity', 'Living room multisensor Humidity', 'living_multisensor', 'humidity', '%', 'measurement', '45.2', { min: 30, max: 70, step: 0.4, decimals: 1 }),
  sensor('sensor.bedroom_temperature', 'Bedroom sensor Temperature', 'bedroom_multisensor', 'temperature', '°C', 'measurement', '19.1', { min: 15, max: 24, step: 0.1, decimals: 1 }),
  sensor('sensor.bedroom_humidity', 'Bedroom sensor Humidity', 'bedroom_multisensor', 'humidity', '%', 'measurement', '51', { min: 35, max: 75, step: 1, decimals: 0 }),
  { ...sensor('sensor.kitchen_temperature', HOSTILE_NAME, 'kitchen_sensor', 'temperature', '°C', 'measurement', ' 21.5', { min: 18, max: 30, step: 0.1, decimals: 1 }), attributes: { state_class: 'measurement', unit_of_measurement: '°C', device_class: 'temperature', friendly_name: HOSTILE_NAME, 'note=a,b': 'key with = and ,', path: 'C:\\Users\\ha\\"quoted"' } },
  sensor('sensor.outdoor_temperature', 'Netatmo outdoor module Temperature', 'weather_station', 'temperature', '°C', 'measurement', '8.3', { min: -15, max: 38, step: 0.2, decimals: 1 }),
  sensor('sensor.outdoor_humidity', 'Netatmo outdoor module Humidity', 'weather_station', 'humidity', '%', 'measurement', '78', { min: 20, max: 100, step: 1, decimals: 0 }),
  sensor('sensor.house_power', 'Shelly 3EM Total power', 'energy_meter', 'power', 'W', 'measurement', '412.7', { min: 90, max: 9000, step: 60, decimals: 1 }, ['energy']),
  sensor('sensor.house_energy', 'Shelly 3EM Total energy', 'energy_meter', 'energy', 'kWh', 'total_increasing', '18342.118', { step: 0.004, decimals: 3 }, ['energy']),
  sensor('sensor.washing_machine_power', 'Washing machine plug Power', 'washer_plug', 'power', 'W', 'measurement', '0.0', { min: 0, max: 2200, step: 150, decimals: 1 }, ['energy']),
  sensor('sensor.washing_machine_energy', 'Washing machine plug Energy', 'washer_plug', 'energy', 'kWh', 'total_increasing', '311.52', { step: 0.01, decimals: 2 }, ['energy']),
  sensor('sensor.solar_power', 'Solar inverter AC power', 'inverter', 'power', 'W', 'measurement', '2310', { min: 0, max: 10000, step: 120, decimals: 0 }, ['energy']),
  sensor('sensor.solar_energy_total', 'Solar inverter Total energy', 'inverter', 'energy', 'Wh', 'total_increasing', '1.2e7', { step: 5, decimals: 0 }, ['energy']),
  sensor('sensor.office_co2', 'Office air Carbon dioxide', 'office_co2', 'carbon_dioxide', 'ppm', 'measurement', '612', { min: 400, max: 1800, step: 15, decimals: 0 }),
  sensor('sensor.alice_phone_battery', "Alice's iPhone Battery level", 'alice_phone', 'battery', '%', 'measurement', '87', { min: 5, max: 100, step: 1, decimals: 0 }),
  { ...sensor('sensor.internet_download', 'Internet download', null, 'data_rate', 'Mbit/s', 'measurement', '243.91', { min: 0, max: 1000, step: 30, decimals: 2 }), uniqueId: null, platform: 'template', areaId: 'office' },
  {
    ...sensor('sensor.living_room_signal_strength', 'Living room multisensor RSSI', 'living_multisensor', 'signal_strength', 'dBm', 'measurement', '-61', { min: -90, max: -40, step: 2, decimals: 0 }),
    entityCategory: 'diagnostic',
    disabledBy: 'integration',
  },
  binary('binary_sensor.hallway_motion', 'Hallway motion Motion', 'hallway_motion', 'motion', 'off', ['security']),
  binary('binary_sensor.front_door', 'Front door', 'front_lock', 'door', 'off', ['security']),
  binary('binary_sensor.garage_door', 'Garage door', null, 'garage_door', 'off', ['security'], 'garage'),
  binary('binary_sensor.bathroom_window', 'Bathroom window', null, 'window', 'on', [], 'bathroom'),
  light('light.living_room_ceiling', 'Living room ceiling', 'living_ceiling', 'on', { brightness: 180, color_mode: 'color_temp', color_temp_kelvin: 2900, color_temp: 344 }),
  light('light.kitchen_spots', 'Kitchen spots', null, 'off', {}, 'kitchen'),
  light('light.bedroom_lamp', 'Bedroom lamp', 'bedroom_lamp', 'on', { brightness: 77, color_mode: 'xy', rgb_color: [255, 146, 39], xy_color: [0.58, 0.386], hs_color: [29.2, 84.7] }),
  light('light.garden_path', 'Garden path', null, 'unavailable', {}, 'garden'),
  switchEntity('switch.coffee_machine', 'Coffee machine', 'kitchen', 'off'),
  switchEntity('switch.garage_heater', 'Garage heater', 'garage', 'off'),
  switchEntity('switch.christmas_lights', 'Christmas lights 🎄', 'living_room', 'on'),
  climateEntity('climate.living_room', 'Living room thermostat', 'thermostat', 'heat', 21.4, 21.5, true),
  climateEntity('climate.bedroom_radiator', 'Bedroom radiator', 'bedroom_trv', 'heat', 19.1, 18, false),
  mediaEntity('media_player.living_room_tv', 'Living room TV', 'tv', 'off'),
  mediaEntity('media_player.kitchen_speaker', 'Kitchen speaker', 'kitchen_speaker', 'paused'),
  person('person.alice', 'Alice', 'home', 'device_tracker.alice_iphone'),
  person('person.bob', "Bob O'Neil", 'not_home', 'device_tracker.bob_pixel'),
  automation('automation.hallway_motion_light', 'Hallway: motion → light', '1690000000001'),
  automation('automation.good_night', 'Good night', '1690000000002'),
  script('script.movie_time', 'Movie time 🍿'),
  script('script.good_night', 'Good night routine'),
  weatherEntity(),
  calendarEntity(),
  sunEntity(),
  coverEntity(),
  lockEntity(),
  { entityId: 'sensor.last_notification', platform: 'template', uniqueId: 'last-notification', deviceKey: null, areaId: null, labels: [], state: 'Good morning ☀️', attributes: { icon: 'mdi:message-text', friendly_name: 'Last notification' }, behavior: { kind: 'text' } },
];

// --- internal ---

type NumericSpec = { min: number; max: number; step: number; decimals: number } | { step: number; decimals: number };

function sensor(
  entityId: string,
  name: string,
  deviceKey: string | null,
  deviceClass: string,
  unit: string,
  stateClass: string,
  state: string,
  n: NumericSpec,
  labels: readonly string[] = [],
): EntitySpec {
  return {
    entityId,
    platform: deviceKey === null ? 'template' : 'zha',
    uniqueId: `${entityId.replace('.', '_')}_uid`,
    deviceKey,
    areaId: null,
    labels,
    hasEntityName: deviceKey !== null,
    originalName: deviceClass.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    translationKey: null,
    displayPrecision: n.decimals,
    state,
    attributes: { state_class: stateClass, unit_of_measurement: unit, device_class: deviceClass, friendly_name: name },
    behavior: 'min' in n ? { kind: 'numeric', ...n } : { kind: 'counter', ...n },
  };
}

function binary(entityId: string, name: string, deviceKey: string | null, deviceClass: string, state: string, labels: readonly string[], areaId: string | null = null): EntitySpec {
  return { entityId, platform: deviceKey === null ? 'template' : 'hue', uniqueId: `${entityId}-uid`, deviceKey, areaId, labels, state, attributes: { device_class: deviceClass, friendly_name: name }, behavior: { kind: 'binary', on: 'on', off: 'off' } };
}

function light(entityId: string, name: string, deviceKey: string | null, state: string, on: Record<string, unknown>, areaId: string | null = null): EntitySpec {
  const base = { min_color_temp_kelvin: 2000, max_color_temp_kelvin: 6535, min_mireds: 153, max_mireds: 500, effect_list: ['None', 'candle', 'fire', 'prism', 'sparkle'], supported_color_modes: ['color_temp', 'xy'] };
  const attributes = state === 'on' ? { ...base, effect: null, ...on, friendly_name: name, supported_features: 44 } : state === 'unavailable' ? { ...base, friendly_name: name, supported_features: 44 } : { ...base, color_mode: null, brightness: null, color_temp_kelvin: null, color_temp: null, hs_color: null, rgb_color: null, xy_color: null, friendly_name: name, supported_features: 44 };
  return { entityId, platform: deviceKey === null ? 'template' : 'hue', uniqueId: `${entityId}-uid`, deviceKey, areaId, labels: ['night_mode'], state, attributes, behavior: { kind: 'light' } };
}

function switchEntity(entityId: string, name: string, areaId: string, state: string): EntitySpec {
  return { entityId, platform: 'tplink', uniqueId: `${entityId}-uid`, deviceKey: null, areaId, labels: entityId.includes('heater') ? ['energy'] : [], state, attributes: { friendly_name: name }, behavior: { kind: 'switch' } };
}

function climateEntity(entityId: string, name: string, deviceKey: string, state: string, current: number, target: number, big: boolean): EntitySpec {
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const schedule = big
    ? Object.fromEntries(days.map((d, i) => [d, [{ start: '06:30', end: '08:00', temperature: 21 + (i % 2) * 0.5, preset: 'home' }, { start: '08:00', end: '16:30', temperature: 18, preset: 'away' }, { start: '16:30', end: '22:30', temperature: 21.5, preset: 'home' }, { start: '22:30', end: '06:30', temperature: 17.5, preset: 'sleep' }]]))
    : undefined;
  return {
    entityId,
    platform: big ? 'ecobee' : 'zha',
    uniqueId: `${entityId}-uid`,
    deviceKey,
    areaId: null,
    labels: [],
    state,
    attributes: {
      hvac_modes: ['heat_cool', 'heat', 'cool', 'off'],
      min_temp: 7,
      max_temp: 35,
      target_temp_step: 0.5,
      fan_modes: ['auto', 'on'],
      preset_modes: ['away', 'home', 'sleep', 'eco', 'boost'],
      current_temperature: current,
      temperature: target,
      target_temp_high: null,
      target_temp_low: null,
      current_humidity: 44,
      fan_mode: 'auto',
      hvac_action: 'heating',
      preset_mode: 'home',
      ...(big ? { equipment_running: 'heatPump,fan', fan_min_on_time: 5, aux_heat: 'off', climate_mode: 'Home', available_sensors: ['Living room', 'Bedroom', 'Office', 'Kids\' room'], active_sensors: ['Living room', 'Office'], schedule } : {}),
      friendly_name: name,
      supported_features: big ? 411 : 401,
    },
    behavior: { kind: 'climate' },
  };
}

function mediaEntity(entityId: string, name: string, deviceKey: string, state: string): EntitySpec {
  return { entityId, platform: deviceKey === 'tv' ? 'webostv' : 'sonos', uniqueId: `${entityId}-uid`, deviceKey, areaId: null, labels: [], state, attributes: { device_class: deviceKey === 'tv' ? 'tv' : 'speaker', friendly_name: name, supported_features: deviceKey === 'tv' ? 24509 : 4127295 }, behavior: { kind: 'media' } };
}

function person(entityId: string, name: string, state: string, tracker: string): EntitySpec {
  return { entityId, platform: 'person', uniqueId: entityId.slice(7), deviceKey: null, areaId: null, labels: [], state, attributes: { editable: true, id: entityId.slice(7), device_trackers: [tracker], latitude: 52.3731, longitude: 4.8922, gps_accuracy: 14, source: tracker, user_id: null, entity_picture: `/api/image/serve/${entityId.slice(7)}/512x512`, friendly_name: name }, behavior: { kind: 'person' } };
}

function automation(entityId: string, name: string, id: string): EntitySpec {
  return { entityId, platform: 'automation', uniqueId: id, deviceKey: null, areaId: null, labels: [], state: 'on', attributes: { id, last_triggered: null, mode: 'restart', current: 0, friendly_name: name }, behavior: { kind: 'automation' } };
}

function script(entityId: string, name: string): EntitySpec {
  return { entityId, platform: 'script', uniqueId: entityId.slice(7), deviceKey: null, areaId: null, labels: [], state: 'off', attributes: { last_triggered: null, mode: 'single', current: 0, icon: 'mdi:script-text', friendly_name: name }, behavior: { kind: 'script' } };
}

function weatherEntity(): EntitySpec {
  return { entityId: 'weather.forecast_home', platform: 'met', uniqueId: 'home', deviceKey: 'met', areaId: null, labels: [], state: 'cloudy', attributes: { temperature: 8.3, dew_point: 4.6, temperature_unit: '°C', humidity: 78, cloud_coverage: 88.3, uv_index: 0.7, pressure: 1012.4, pressure_unit: 'hPa', wind_bearing: 230.5, wind_speed: 18.4, wind_speed_unit: 'km/h', visibility_unit: 'km', precipitation_unit: 'mm', forecast: [], attribution: 'Weather forecast from met.no, delivered by the Norwegian Meteorological Institute.', friendly_name: 'Forecast Home', supported_features: 3 }, behavior: { kind: 'weather' } };
}

function calendarEntity(): EntitySpec {
  return { entityId: 'calendar.family', platform: 'caldav', uniqueId: 'family-calendar', deviceKey: null, areaId: null, labels: [], state: 'off', attributes: { message: 'Dentist, Dr. "Smile" 😁', all_day: false, start_time: '2026-12-01 09:00:00', end_time: '2026-12-01 10:00:00', location: 'Main St. 1, Springfield', description: 'Bring\nthe card', offset_reached: false, friendly_name: 'Family' }, behavior: { kind: 'calendar' } };
}

function sunEntity(): EntitySpec {
  return { entityId: 'sun.sun', platform: 'sun', uniqueId: 'sun-entry', deviceKey: 'sun_service', areaId: null, labels: [], state: 'above_horizon', attributes: { next_dawn: '2026-11-30T06:52:31.112381+00:00', next_dusk: '2026-11-29T16:47:09.573122+00:00', next_midnight: '2026-11-29T23:49:48+00:00', next_noon: '2026-11-30T11:49:51+00:00', next_rising: '2026-11-30T07:35:11.907004+00:00', next_setting: '2026-11-29T16:04:23.770081+00:00', elevation: 12.4, azimuth: 201.73, rising: false, friendly_name: 'Sun' }, behavior: { kind: 'sun' } };
}

function coverEntity(): EntitySpec {
  return { entityId: 'cover.living_room_blinds', platform: 'somfy_mylink', uniqueId: 'blinds-1', deviceKey: 'blinds', areaId: null, labels: [], state: 'open', attributes: { current_position: 100, device_class: 'blind', friendly_name: 'Living room blinds', supported_features: 15 }, behavior: { kind: 'cover' } };
}

function lockEntity(): EntitySpec {
  return { entityId: 'lock.front_door', platform: 'nuki', uniqueId: 'nuki-1', deviceKey: 'front_lock', areaId: null, labels: ['security', 'critical'], state: 'locked', attributes: { battery_critical: false, nuki_id: 436372991, friendly_name: 'Front door lock', supported_features: 1 }, behavior: { kind: 'lock' } };
}
