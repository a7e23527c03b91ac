import { z } from 'zod';
import { parseOptions } from '@ha-ingestor/core';
import { polledContext } from '../polled-context.js';
import type { PolledContextEnricher } from '../polled-context.js';
import { parseIso, pollShape, trimBase } from './common.js';
import type { PresetHooks } from './common.js';

const NAME = 'carbon_intensity';

// Names this enricher in the builder's "missing field" compile errors (issue 20; see core's FieldProviders).
declare module '@ha-ingestor/core' {
  interface FieldProviders {
    'carbonIntensityUk()': typeof NAME;
  }
}

/** Options of {@link carbonIntensityUk}. */
export const CarbonIntensityUkOptionsSchema = z.object({
  baseUrl: z
    .url()
    .default('https://api.carbonintensity.org.uk')
    .describe('API base URL (no key needed; tests point it at a local server)'),
  ...pollShape({ intervalMs: 900_000, maxStaleMs: 3_600_000 }),
});
/** Options of {@link carbonIntensityUk} as a user writes them. */
export type CarbonIntensityUkOptions = z.input<typeof CarbonIntensityUkOptionsSchema>;

/** The API's intensity band for the half hour. */
export type CarbonIntensityIndex = 'very low' | 'low' | 'moderate' | 'high' | 'very high';

/** GB national carbon intensity of the current half hour, gCO2/kWh. */
export interface CarbonIntensityUkContext {
  readonly forecast: number;
  /** Absent until the half hour's actual value is published. */
  readonly actual?: number;
  readonly index: CarbonIntensityIndex;
  /** Half-hour window (ISO, UTC). */
  readonly from: string;
  readonly to: string;
}

/** The documented shape of `GET /intensity`. */
export const CarbonIntensityUkResponseSchema = z.object({
  data: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      intensity: z.object({
        forecast: z.number(),
        actual: z.number().nullable().optional(),
        index: z.enum(['very low', 'low', 'moderate', 'high', 'very high']),
      }),
    }),
  ),
});

/**
 * UK National Grid carbon intensity (`https://api.carbonintensity.org.uk/intensity`) attached as
 * `carbon_intensity`. The value expires at the end of its half hour and is refetched then.
 *
 * @example
 * pipeline(source).use(carbonIntensityUk()).to(sink);
 */
export function carbonIntensityUk(
  options: CarbonIntensityUkOptions = {},
  hooks: PresetHooks = {},
): PolledContextEnricher<typeof NAME, CarbonIntensityUkContext> {
  const o = parseOptions(CarbonIntensityUkOptionsSchema, options, NAME);
  return polledContext(
    {
      name: NAME,
      url: `${trimBase(o.baseUrl)}/intensity`,
      intervalMs: o.intervalMs,
      timeoutMs: o.timeoutMs,
      maxStaleMs: o.maxStaleMs,
      startWaitMs: o.startWaitMs,
      breaker: o.breaker,
      headers: { Accept: 'application/json' },
    },
    {
      ...hooks,
      schema: CarbonIntensityUkResponseSchema,
      select: (d, { now }): CarbonIntensityUkContext | undefined => {
        const slot =
          d.data.find((s) => (parseIso(s.from) ?? Infinity) <= now && now < (parseIso(s.to) ?? -Infinity)) ?? d.data[0];
        if (slot === undefined) return undefined;
        const out: Record<string, unknown> = {
          forecast: slot.intensity.forecast,
          index: slot.intensity.index,
          from: slot.from,
          to: slot.to,
        };
        if (slot.intensity.actual != null) out['actual'] = slot.intensity.actual;
        return out as unknown as CarbonIntensityUkContext;
      },
      validUntil: (v) => parseIso(v.to),
    },
  );
}
