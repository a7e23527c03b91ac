import { z } from 'zod';
import { parseOptions } from '../component/config.js';

/**
 * Dedupe on the identity key; keys are committed only after the events are handled, so a failed write never
 * hides its replay. A copy arriving while its first copy is still in flight is held back and shares the first
 * copy's outcome: handled (as `duplicate`) when it is handled, failed when it fails.
 */
export const DedupeOptionsSchema = z.object({
  windowMs: z.number().int().positive().default(300_000).describe('How long a committed key is remembered (ms)'),
  maxPerSeries: z
    .number()
    .int()
    .positive()
    .default(16)
    .describe('Keys remembered per series (memory grows with series, not rate x window)'),
  maxSeries: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe(
      'Series (entities, event types) remembered at most; beyond this the least recently used settled series is forgotten, counted in `ha_ingestor_dedupe_series_evicted_total` (a later replay of its keys is written again, idempotently)',
    ),
  maxWaiting: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe(
      'Copies held back while their first copy is still in flight (they are handled, or fail, with it); beyond this a copy passes on and is written again (an idempotent rewrite)',
    ),
});

/** What `.dedupe(options)` accepts (every field optional; the defaults are the schema's). */
export type DedupeOptions = z.input<typeof DedupeOptionsSchema>;
/** Dedupe options with every default applied. */
export type ResolvedDedupeOptions = z.output<typeof DedupeOptionsSchema>;

/** Parses dedupe options (CONFIG_INVALID naming `dedupe`). */
export function resolveDedupeOptions(options: DedupeOptions): ResolvedDedupeOptions {
  return parseOptions(DedupeOptionsSchema, options, 'dedupe');
}
