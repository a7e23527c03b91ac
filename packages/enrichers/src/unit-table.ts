/**
 * The unit conversions of {@link unitNormalize}: each HA unit string maps to a target unit of its
 * quantity through `target = value * factor + offset`. Units not in the table are left as they are.
 */

export const UNIT_GROUPS = ['temperature', 'power', 'energy', 'pressure', 'speed'] as const;
/** A quantity whose units {@link unitNormalize} converts. */
export type UnitGroup = (typeof UNIT_GROUPS)[number];

/** One conversion: from `unit` to `target`. */
export interface UnitConversion {
  readonly group: UnitGroup;
  readonly unit: string;
  readonly target: string;
  readonly factor: number;
  readonly offset: number;
}

const row = (group: UnitGroup, unit: string, target: string, factor: number, offset = 0): UnitConversion => ({
  group,
  unit,
  target,
  factor,
  offset,
});

/** Every conversion, as documented in the README. Targets: °C, W, kWh, hPa, m/s. */
export const UNIT_CONVERSIONS: readonly UnitConversion[] = [
  row('temperature', '°F', '°C', 5 / 9, (-32 * 5) / 9),
  row('temperature', 'K', '°C', 1, -273.15),
  row('power', 'mW', 'W', 0.001),
  row('power', 'kW', 'W', 1000),
  row('power', 'MW', 'W', 1e6),
  row('power', 'GW', 'W', 1e9),
  row('energy', 'Wh', 'kWh', 0.001),
  row('energy', 'MWh', 'kWh', 1000),
  row('energy', 'GWh', 'kWh', 1e6),
  row('energy', 'MJ', 'kWh', 1 / 3.6),
  row('energy', 'GJ', 'kWh', 1000 / 3.6),
  row('pressure', 'mbar', 'hPa', 1),
  row('pressure', 'Pa', 'hPa', 0.01),
  row('pressure', 'kPa', 'hPa', 10),
  row('pressure', 'bar', 'hPa', 1000),
  row('pressure', 'cbar', 'hPa', 10),
  row('pressure', 'mmHg', 'hPa', 1.333224),
  row('pressure', 'inHg', 'hPa', 33.863886),
  row('pressure', 'psi', 'hPa', 68.947573),
  row('speed', 'km/h', 'm/s', 1 / 3.6),
  row('speed', 'mph', 'm/s', 0.44704),
  row('speed', 'kn', 'm/s', 0.514444),
  row('speed', 'ft/s', 'm/s', 0.3048),
];

/** Strict decimal number: optional sign, digits with an optional fraction (or a bare fraction), optional exponent. */
const DECIMAL_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA_RE = /^[+-]?\d+,\d+$/;

/** Rules of {@link parseNumeric}. */
export interface NumericRules {
  /** Accept `1e3`-style exponents. */
  readonly exponent: boolean;
  /** Accept a single decimal comma (`12,5`) when there is no dot. */
  readonly decimalComma: boolean;
}

/**
 * Parses a numeric state string, or returns undefined. Surrounding whitespace is ignored; `NaN`,
 * `Infinity`, hex, thousands separators, `""` and anything Number() would accept loosely are not numbers.
 * Results are finite; `-0` becomes 0.
 */
export function parseNumeric(text: string, rules: NumericRules): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  let n: number;
  if (DECIMAL_RE.test(s)) {
    if (!rules.exponent && /[eE]/.test(s)) return undefined;
    n = Number(s);
  } else if (rules.decimalComma && DECIMAL_COMMA_RE.test(s)) {
    n = Number(s.replace(',', '.'));
  } else {
    return undefined;
  }
  if (!Number.isFinite(n)) return undefined;
  return n === 0 ? 0 : n;
}

/** Rounds to `decimals` places, removing binary noise such as 1.2340000000000002. */
export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return r === 0 ? 0 : r;
}
