/**
 * The few unit conversions the simulator's statistics need (HA's `unit_conversion` converters for
 * energy, power and temperature): enough to show what a client that does not pass `units` gets.
 */
const LINEAR: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  energy: { Wh: 1, kWh: 1000, MWh: 1_000_000 },
  power: { W: 1, kW: 1000 },
  volume: { L: 0.001, 'm³': 1 },
};

/** A converter from `from` to `to` in `unitClass`, or undefined when there is none (no conversion). */
export function converter(
  unitClass: string | null,
  from: string | null,
  to: string | null,
): ((value: number) => number) | undefined {
  if (unitClass === null || from === null || to === null || from === to) return undefined;
  if (unitClass === 'temperature') {
    const toC: Record<string, (v: number) => number> = {
      '°C': (v) => v,
      '°F': (v) => ((v - 32) * 5) / 9,
      K: (v) => v - 273.15,
    };
    const fromC: Record<string, (v: number) => number> = {
      '°C': (v) => v,
      '°F': (v) => (v * 9) / 5 + 32,
      K: (v) => v + 273.15,
    };
    const a = toC[from];
    const b = fromC[to];
    return a === undefined || b === undefined ? undefined : (v) => b(a(v));
  }
  const table = LINEAR[unitClass];
  const a = table?.[from];
  const b = table?.[to];
  return a === undefined || b === undefined ? undefined : (v) => (v * a) / b;
}

/** Units a converter knows for a unit class (HA's `VALID_UNITS`); undefined for an unknown class. */
export function validUnits(unitClass: string): readonly string[] | undefined {
  if (unitClass === 'temperature') return ['°C', '°F', 'K'];
  const table = LINEAR[unitClass];
  return table === undefined ? undefined : Object.keys(table);
}
