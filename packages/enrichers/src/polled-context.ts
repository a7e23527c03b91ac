import { ConfigError, ErrorCode, SdkError, defineEnricher } from '@ha-ingestor/core';
import type { Enricher } from '@ha-ingestor/core';
import type { z } from 'zod';
import { createContextPoller } from './context-poller.js';
import type { ContextPoller, LocationStatus } from './context-poller.js';
import { PolledContextOptionsSchema } from './polled-options.js';
import type { PolledAdded, PolledContextHooks, PolledContextOptions } from './polled-options.js';

// This file is the `@ha-ingestor/enrichers/polled-context` entry, so it names what that subpath has always
// exported; the definitions live in polled-options.ts (a leaf), which keeps the modules free of cycles.
export { PolledContextOptionsSchema, PolledLocationSchema } from './polled-options.js';
export type {
  PolledContextOptions,
  ResolvedPolledContextOptions,
  PolledContextHooks,
  PolledAdded,
  PolledValue,
  PolledMeta,
  SelectContext,
} from './polled-options.js';

const COMPONENT_NAME = 'polled-context';

/** A polled-context enricher, plus controls for apps and tests. */
export type PolledContextEnricher<N extends string, C> = Enricher<object, PolledAdded<N, C>> & {
  /** Fetches every location now (outside the schedule); resolves when done, never rejects. */
  readonly refresh: () => Promise<void>;
  /** Per-location state: last fetch, failure reason, next fetch, breaker state. */
  readonly status: () => readonly LocationStatus[];
};

/**
 * A generic enricher that polls an HTTP JSON endpoint per location, validates it with zod, caches it and
 * attaches a typed context object to every event as `event[name]`. It never blocks or drops events: when
 * no context is available the event passes without it and `ha_ingestor_context_unavailable_total{enricher,
 * reason}` counts why. Fetches time out, go through a circuit breaker, honour 429 Retry-After, and the
 * last good value is served (stale) for up to `maxStaleMs`.
 *
 * @example
 * const sun = polledContext(
 *   { name: 'sunrise', url: 'https://api.example.com/sun?lat={lat}&lon={lon}', intervalMs: 3_600_000 },
 *   { schema: z.object({ sunrise: z.string() }), select: (d) => ({ sunrise: d.sunrise }) }, // lat/lon: the pipeline's registry
 * );
 */
export function polledContext<const N extends string, S extends z.ZodType, C extends object>(
  options: PolledContextOptions & { readonly name: N },
  hooks: PolledContextHooks<S, C>,
): PolledContextEnricher<N, C> {
  // Each call declares its own enricher kind: the name (and with it the added field's type) comes from the
  // caller's options, so the definition is per call rather than one module-level factory.
  let poller: ContextPoller<N, C> | undefined;
  const enricher = defineEnricher({
    name: typeof options?.name === 'string' ? `${COMPONENT_NAME}:${options.name}` : COMPONENT_NAME,
    options: PolledContextOptionsSchema,
    create: (opts, h: PolledContextHooks<S, C>) => {
      if (!h.schema || typeof h.select !== 'function') {
        throw new ConfigError(
          `${opts.name}: the schema and select hooks are required`,
          [{ path: 'hooks', message: 'schema and select are required' }],
          {
            stage: opts.name,
          },
        );
      }
      // The schema checks `name` without transforming it, so the parsed name is the caller's literal N.
      const created = createContextPoller({ ...opts, name: options.name }, h);
      poller = created;
      return { name: opts.name, enrich: created.enrich, start: created.start, close: created.close };
    },
  })(options, hooks);
  return Object.assign(enricher, controlsOf(poller));
}

// --- internal ---

/** The controls of the poller that `create` made: the factory runs `create` before it returns (or throws). */
function controlsOf(poller: Pick<ContextPoller<string, object>, 'refresh' | 'status'> | undefined) {
  if (poller === undefined)
    throw new SdkError(ErrorCode.INTERNAL, `${COMPONENT_NAME}: the factory returned without running create()`);
  return { refresh: poller.refresh, status: poller.status };
}
