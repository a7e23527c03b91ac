import type { DeviceSpec, EntitySpec } from './catalog-types.js';
import { AREAS } from './home-catalog.js';
import type { Rng } from './prng.js';

interface Kind {
  readonly key: string;
  readonly deviceClass: string;
  readonly unit: string;
  readonly stateClass: 'measurement' | 'total_increasing' | 'total';
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly decimals: number;
}

const KINDS: readonly Kind[] = [
  {
    key: 'temperature',
    deviceClass: 'temperature',
    unit: '°C',
    stateClass: 'measurement',
    min: 15,
    max: 28,
    step: 0.1,
    decimals: 1,
  },
  {
    key: 'humidity',
    deviceClass: 'humidity',
    unit: '%',
    stateClass: 'measurement',
    min: 25,
    max: 80,
    step: 0.5,
    decimals: 1,
  },
  {
    key: 'power',
    deviceClass: 'power',
    unit: 'W',
    stateClass: 'measurement',
    min: 0,
    max: 3000,
    step: 25,
    decimals: 1,
  },
  {
    key: 'energy',
    deviceClass: 'energy',
    unit: 'kWh',
    stateClass: 'total_increasing',
    min: 0,
    max: 0,
    step: 0.01,
    decimals: 3,
  },
  {
    key: 'voltage',
    deviceClass: 'voltage',
    unit: 'V',
    stateClass: 'measurement',
    min: 220,
    max: 245,
    step: 0.4,
    decimals: 1,
  },
  {
    key: 'illuminance',
    deviceClass: 'illuminance',
    unit: 'lx',
    stateClass: 'measurement',
    min: 0,
    max: 20000,
    step: 150,
    decimals: 0,
  },
  {
    key: 'pressure',
    deviceClass: 'pressure',
    unit: 'hPa',
    stateClass: 'measurement',
    min: 980,
    max: 1040,
    step: 0.3,
    decimals: 1,
  },
  {
    key: 'pm25',
    deviceClass: 'pm25',
    unit: 'µg/m³',
    stateClass: 'measurement',
    min: 0,
    max: 120,
    step: 2,
    decimals: 0,
  },
];

const VENDORS = [
  { manufacturer: 'Aqara', model: 'Multi-sensor', modelId: 'lumi.sensor_ht.agl02' },
  { manufacturer: 'Shelly', model: 'Shelly Plus 1PM', modelId: 'SNSW-001P16EU' },
  { manufacturer: 'SONOFF', model: 'SNZB-02D', modelId: 'SNZB-02D' },
  { manufacturer: 'Tuya', model: 'Smart plug (with power monitoring)', modelId: 'TS011F' },
  { manufacturer: 'Espressif', model: 'ESPHome node', modelId: 'esp32-c3' },
];

/**
 * Extra sensors for `entityCount` beyond the base home: grouped four per device, spread over the
 * areas, with the attribute sets real integrations send (zigbee2mqtt-style extras on some), so that
 * state_changed frames at ~1,500 entities have a realistic size distribution.
 */
export function generateEntities(count: number, rng: Rng): { entities: EntitySpec[]; devices: DeviceSpec[] } {
  const entities: EntitySpec[] = [];
  const devices: DeviceSpec[] = [];
  let device: DeviceSpec | undefined;
  for (let i = 0; i < count; i++) {
    if (i % 4 === 0 || device === undefined) {
      const area = rng.pick(AREAS);
      const vendor = rng.pick(VENDORS);
      const n = Math.floor(i / 4) + 1;
      device = {
        key: `gen_device_${n}`,
        name: `${area.name} ${vendor.manufacturer} node ${n}`,
        manufacturer: vendor.manufacturer,
        model: vendor.model,
        modelId: vendor.modelId,
        areaId: area.areaId,
        platform: vendor.manufacturer === 'Espressif' ? 'esphome' : 'mqtt',
        swVersion: `${rng.int(1, 3)}.${rng.int(0, 20)}.${rng.int(0, 9)}`,
        hwVersion: null,
        mac: macFrom(rng),
        viaKey: null,
      };
      devices.push(device);
    }
    const kind = rng.pick(KINDS);
    const objectId = `${device.key.replace('gen_device', 'node')}_${kind.key}_${i + 1}`;
    const name = `${device.name} ${kind.key.replace(/^./, (c) => c.toUpperCase())}`;
    const extras = extraAttributes(kind, device, rng);
    const state =
      kind.stateClass === 'total_increasing'
        ? rng.float(10, 5000).toFixed(kind.decimals)
        : rng.float(kind.min, kind.max).toFixed(kind.decimals);
    entities.push({
      entityId: `sensor.${objectId}`,
      platform: device.platform,
      uniqueId: `${device.mac ?? device.key}_${kind.key}_${i + 1}`,
      deviceKey: device.key,
      areaId: null,
      labels: kind.key === 'energy' || kind.key === 'power' ? ['energy'] : [],
      hasEntityName: true,
      originalName: kind.key.replace(/^./, (c) => c.toUpperCase()),
      displayPrecision: kind.decimals,
      state,
      attributes: {
        state_class: kind.stateClass,
        ...extras,
        unit_of_measurement: kind.unit,
        device_class: kind.deviceClass,
        friendly_name: name,
      },
      behavior:
        kind.stateClass === 'total_increasing'
          ? { kind: 'counter', step: kind.step, decimals: kind.decimals }
          : { kind: 'numeric', min: kind.min, max: kind.max, step: kind.step, decimals: kind.decimals },
    });
  }
  return { entities, devices };
}

// --- internal ---

function extraAttributes(kind: Kind, device: DeviceSpec, rng: Rng): Record<string, unknown> {
  const r = rng.next();
  if (device.platform === 'mqtt' && r < 0.55) {
    // zigbee2mqtt JSON attribute topics put the device's whole payload on each entity.
    return {
      linkquality: rng.int(20, 255),
      battery: rng.int(10, 100),
      voltage: rng.int(2700, 3100),
      last_seen: '2026-11-29T15:02:11.512Z',
      update_available: false,
      update: { installed_version: rng.int(1, 9999), latest_version: rng.int(1, 9999), state: 'idle' },
      device: {
        friendlyName: device.name,
        ieeeAddr: `0x${rng.int(1e8, 9e8).toString(16)}a4c138ff`,
        manufacturerID: 4447,
        model: device.modelId,
        powerSource: 'Battery',
        type: 'EndDevice',
      },
      ...(r < 0.12
        ? {
            power_on_behavior: 'previous',
            child_lock: 'UNLOCK',
            indicator_mode: 'off/on',
            calibration: { temperature: 0, humidity: 0 },
            options: {
              report_interval_s: 60,
              reporting: [{ attribute: kind.key, min: 10, max: 3600, change: kind.step }],
            },
          }
        : {}),
    };
  }
  if (r < 0.75) return { icon: rng.pick(['mdi:thermometer', 'mdi:flash', 'mdi:water-percent', 'mdi:gauge']) };
  return {};
}

function macFrom(rng: Rng): string {
  return Array.from({ length: 6 }, () => rng.int(0, 255).toString(16).padStart(2, '0').toUpperCase()).join(':');
}
