import { z } from 'zod';
import { parseOptions } from '@ha-ingestor/core';
import { polledContext } from '../polled-context.js';
import type { PolledContextEnricher } from '../polled-context.js';
import { parseIso, pollShape, trimBase } from './common.js';
import type { PresetHooks } from './common.js';

const NAME = 'carbon_intensity';
/** The outward part of a UK postcode (`RG10`, `SW1A`), as the regional endpoint takes it. */
const POSTCODE_RE = /^[A-Z]{1,2}[0-9][A-Z0-9]?$/;

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
  region: z
    .union([
      z.literal('national'),
      z.number().int().min(1).max(17),
      z.string().regex(POSTCODE_RE, 'expected an outward postcode such as RG10 or SW1A'),
    ])
    .default('national')
    .describe(
      '`national` (GB, `/intensity`), a region id 1–17 (`/regional/regionid/{id}`: 1 North Scotland … 13 London, 14 South East England, 15 England, 16 Scotland, 17 Wales) or an outward postcode (`/regional/postcode/{postcode}`)',
    ),
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
  /** The region's id and short name (regional endpoints only). */
  readonly region_id?: number;
  readonly region?: string;
}

const SlotSchema = z.object({
  from: z.string(),
  to: z.string(),
  intensity: z.object({
    forecast: z.number(),
    actual: z.number().nullable().optional(),
    index: z.enum(['very low', 'low', 'moderate', 'high', 'very high']),
  }),
});
type Slot = z.output<typeof SlotSchema>;
const RegionSchema = z.object({
  regionid: z.number(),
  shortname: z.string().optional(),
  data: z.array(SlotSchema),
});

/** The documented shape of `GET /intensity`. */
export const CarbonIntensityUkResponseSchema = z.object({ data: z.array(SlotSchema) });

/**
 * The documented shape of `GET /regional/regionid/{id}` and `/regional/postcode/{postcode}`: one region
 * with its half-hour slots (the API has sent `data` both as a one-element list and as the object itself).
 */
export const CarbonIntensityUkRegionalResponseSchema = z.object({
  data: z.union([z.array(RegionSchema).min(1), RegionSchema]),
});

/**
 * UK National Grid carbon intensity (`https://api.carbonintensity.org.uk/intensity`, or a region's with
 * `region`) attached as `carbon_intensity`. The value expires at the end of its half hour and is refetched then.
 *
 * @example
 * pipeline(source).use(carbonIntensityUk()).to(sink);
 */
export function carbonIntensityUk(
  options: CarbonIntensityUkOptions = {},
  hooks: PresetHooks = {},
): PolledContextEnricher<typeof NAME, CarbonIntensityUkContext> {
  const o = parseOptions(CarbonIntensityUkOptionsSchema, options, NAME);
  const poll = {
    name: NAME,
    url: `${trimBase(o.baseUrl)}${pathOf(o.region)}`,
    intervalMs: o.intervalMs,
    timeoutMs: o.timeoutMs,
    maxStaleMs: o.maxStaleMs,
    startWaitMs: o.startWaitMs,
    breaker: o.breaker,
    headers: { Accept: 'application/json' },
  } as const;
  const validUntil = (v: CarbonIntensityUkContext) => parseIso(v.to);
  if (o.region === 'national') {
    return polledContext(poll, {
      ...hooks,
      schema: CarbonIntensityUkResponseSchema,
      select: (d, { now }) => contextOf(d.data, now),
      validUntil,
    });
  }
  return polledContext(poll, {
    ...hooks,
    schema: CarbonIntensityUkRegionalResponseSchema,
    select: (d, { now }) => {
      const region = Array.isArray(d.data) ? d.data[0] : d.data;
      if (region === undefined) return undefined;
      return contextOf(region.data, now, { region_id: region.regionid, region: region.shortname });
    },
    validUntil,
  });
}

// --- internal ---

function pathOf(region: number | string): string {
  if (region === 'national') return '/intensity';
  return typeof region === 'number'
    ? `/regional/regionid/${region}`
    : `/regional/postcode/${encodeURIComponent(region)}`;
}

/** The slot in force at `now` (else the first one), as the attached context. */
function contextOf(
  slots: readonly Slot[],
  now: number,
  region?: { region_id: number; region: string | undefined },
): CarbonIntensityUkContext | undefined {
  const slot =
    slots.find((s) => (parseIso(s.from) ?? Infinity) <= now && now < (parseIso(s.to) ?? -Infinity)) ?? slots[0];
  if (slot === undefined) return undefined;
  const out: Record<string, unknown> = {
    forecast: slot.intensity.forecast,
    index: slot.intensity.index,
    from: slot.from,
    to: slot.to,
  };
  if (slot.intensity.actual != null) out['actual'] = slot.intensity.actual;
  if (region !== undefined) {
    out['region_id'] = region.region_id;
    if (region.region !== undefined) out['region'] = region.region;
  }
  return out as unknown as CarbonIntensityUkContext;
}
