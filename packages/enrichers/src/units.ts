import { z } from 'zod';
import { defineEnricher } from '@ha-ingestor/core';
import { parseNumeric, roundTo, UNIT_CONVERSIONS, UNIT_GROUPS } from './unit-table.js';
import type { UnitConversion } from './unit-table.js';

const ENRICHER_NAME = 'unit-normalize';

/** Options of {@link unitNormalize}. */
export const UnitNormalizeOptionsSchema = z.object({
  coerce: z
    .boolean()
    .default(true)
    .describe('Turn numeric state strings into numbers (see the parsing rules in the README)'),
  exponent: z.boolean().default(true).describe('Accept exponent notation such as "1e3"'),
  decimalComma: z
    .boolean()
    .default(false)
    .describe('Accept one decimal comma ("12,5" → 12.5) when the state has no dot'),
  convert: z
    .array(z.enum(UNIT_GROUPS))
    .default([...UNIT_GROUPS])
    .describe('Quantities to convert to their target unit (°C, W, kWh, hPa, m/s); [] converts nothing'),
  decimals: z.number().int().min(0).max(12).default(6).describe('Decimal places kept after a conversion'),
});
/** Options of {@link unitNormalize} as a user writes them. */
export type UnitNormalizeOptions = z.input<typeof UnitNormalizeOptionsSchema>;
/** Options of {@link unitNormalize} with every default applied. */
export type ResolvedUnitNormalizeOptions = z.output<typeof UnitNormalizeOptionsSchema>;

/** What unit normalisation reads: a state and its unit (attributes, or a top-level field set by the registry enricher). */
export interface UnitNormalizeInput {
  /** Required so that TypeScript's weak-type check accepts every HA event shape. */
  readonly event_type: string;
  /** Any type: an earlier enricher (unitNormalize) may have made it a number. */
  readonly state?: unknown;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly unit_of_measurement?: string;
}

/** Fields added by {@link unitNormalize}: `state` becomes a number when it is numeric. */
export interface UnitNormalizeAdded {
  readonly state?: string | number | null;
  /** The (normalised) unit of `state`, when the entity has one. */
  readonly unit?: string;
  /** The state as HA sent it; only when a conversion happened. */
  readonly original_state?: string;
  /** HA's unit; only when a conversion happened. */
  readonly original_unit?: string;
}

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'unitNormalize()': Exclude<keyof UnitNormalizeAdded, 'state'>;
  }
}

/**
 * Opt-in: coerces numeric state strings to numbers and converts units to one per quantity (°F/K → °C,
 * kW/MW → W, Wh/MWh → kWh, mbar/inHg/psi → hPa, km/h/mph/kn → m/s), keeping the original in
 * `original_state`/`original_unit`. Non-numeric states (`unavailable`, `on`) pass unchanged.
 *
 * @example
 * pipeline(source).use(unitNormalize({ convert: ['temperature', 'energy'] })).to(sink);
 */
export const unitNormalize = defineEnricher({
  name: ENRICHER_NAME,
  options: UnitNormalizeOptionsSchema,
  create: (opts) => {
    const groups = new Set(opts.convert);
    const table = new Map<string, UnitConversion>();
    for (const c of UNIT_CONVERSIONS) if (groups.has(c.group)) table.set(c.unit, c);
    const rules = { exponent: opts.exponent, decimalComma: opts.decimalComma };
    const NONE: UnitNormalizeAdded = Object.freeze({});

    return {
      enrich: (event: UnitNormalizeInput): UnitNormalizeAdded => {
        const raw = event.state;
        if (typeof raw !== 'string') return NONE;
        const unitAttr = event.attributes?.['unit_of_measurement'] ?? event.unit_of_measurement;
        const unit = typeof unitAttr === 'string' && unitAttr !== '' ? unitAttr : undefined;
        const conversion = unit === undefined ? undefined : table.get(unit);
        if (!opts.coerce && conversion === undefined) return unit === undefined ? NONE : { unit };
        const value = parseNumeric(raw, rules);
        if (value === undefined) return unit === undefined ? NONE : { unit };
        if (conversion === undefined) {
          const state = opts.coerce ? value : raw;
          return unit === undefined ? { state } : { state, unit };
        }
        return {
          state: roundTo(value * conversion.factor + conversion.offset, opts.decimals),
          unit: conversion.target,
          original_state: raw,
          original_unit: conversion.unit,
        };
      },
    };
  },
});
