import { z } from 'zod';
import { parseOptions } from '@ha-ingestor/core';
import { polledContext } from '../polled-context.js';
import type { PolledContextEnricher } from '../polled-context.js';
import { parseIso, pollShape, trimBase } from './common.js';
import type { PresetHooks } from './common.js';

const NAME = 'electricity_price';

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'octopusAgile()': typeof NAME;
  }
}

/** Options of {@link octopusAgile}. */
export const OctopusAgileOptionsSchema = z.object({
  product: z.string().min(1).describe('Product code, e.g. AGILE-24-10-01'),
  tariff: z.string().min(1).describe('Tariff code incl. region letter, e.g. E-1R-AGILE-24-10-01-C'),
  baseUrl: z.url().default('https://api.octopus.energy').describe('API base URL (tests point it at a local server)'),
  ...pollShape({ intervalMs: 1_800_000, maxStaleMs: 1_800_000 }),
});
/** Options of {@link octopusAgile} as a user writes them. */
export type OctopusAgileOptions = z.input<typeof OctopusAgileOptionsSchema>;

/** The Agile unit rate in force now, pence per kWh. */
export interface OctopusAgileContext {
  readonly price_inc_vat: number;
  readonly price_exc_vat: number;
  readonly valid_from: string;
  /** Null for open-ended rates. */
  readonly valid_to: string | null;
}

/** The documented shape of `…/standard-unit-rates/` (paginated; newest first). */
export const OctopusUnitRatesResponseSchema = z.object({
  count: z.number().optional(),
  results: z.array(
    z.object({
      value_exc_vat: z.number(),
      value_inc_vat: z.number(),
      valid_from: z.string(),
      valid_to: z.string().nullable(),
      payment_method: z.string().nullable().optional(),
    }),
  ),
});

/**
 * Octopus Energy Agile unit rates (`/v1/products/{product}/electricity-tariffs/{tariff}/standard-unit-rates/`):
 * the rate in force now, attached as `electricity_price`. The value expires at the end of its slot
 * (so a price is never attached to the wrong half hour) and is refetched then.
 *
 * @example
 * pipeline(source).use(octopusAgile({ product: 'AGILE-24-10-01', tariff: 'E-1R-AGILE-24-10-01-C' })).to(sink);
 */
export function octopusAgile(
  options: OctopusAgileOptions,
  hooks: PresetHooks = {},
): PolledContextEnricher<typeof NAME, OctopusAgileContext> {
  const o = parseOptions(OctopusAgileOptionsSchema, options, NAME);
  const path = `/v1/products/${encodeURIComponent(o.product)}/electricity-tariffs/${encodeURIComponent(o.tariff)}/standard-unit-rates/`;
  return polledContext(
    {
      name: NAME,
      url: `${trimBase(o.baseUrl)}${path}`,
      intervalMs: o.intervalMs,
      timeoutMs: o.timeoutMs,
      maxStaleMs: o.maxStaleMs,
      startWaitMs: o.startWaitMs,
      breaker: o.breaker,
    },
    {
      ...hooks,
      schema: OctopusUnitRatesResponseSchema,
      select: (d, { now }): OctopusAgileContext | undefined => {
        const rate = d.results.find(
          (r) =>
            (parseIso(r.valid_from) ?? Infinity) <= now &&
            (r.valid_to === null || now < (parseIso(r.valid_to) ?? -Infinity)),
        );
        if (rate === undefined) return undefined;
        return {
          price_inc_vat: rate.value_inc_vat,
          price_exc_vat: rate.value_exc_vat,
          valid_from: rate.valid_from,
          valid_to: rate.valid_to,
        };
      },
      validUntil: (v) => parseIso(v.valid_to),
    },
  );
}
