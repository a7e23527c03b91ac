import { z } from 'zod';
import type { RegistryProvider } from '@ha-ingestor/core';
import type { FetchLike } from '../http-json.js';
import { PolledLocationSchema } from '../polled-options.js';

/** Injectable parts shared by every preset (see PolledContextHooks). */
export interface PresetHooks {
  /** HA's latitude/longitude (get_config) for locations without coordinates; left out, the pipeline's registry (if any). */
  readonly registry?: RegistryProvider | undefined;
  readonly fetch?: FetchLike | undefined;
  /** Clock (epoch ms); injectable for tests. */
  readonly now?: (() => number) | undefined;
  /** Makes the per-request timeout signal (default `AbortSignal.timeout`). */
  readonly timeout?: ((ms: number) => AbortSignal) | undefined;
  /** Picks the location id for an event (default: the first location). */
  readonly locate?: ((event: object) => string | undefined) | undefined;
}

/** Poll options shared by every preset, with per-preset defaults. */
export function pollShape(defaults: { intervalMs: number; maxStaleMs: number }) {
  return {
    intervalMs: z.number().int().positive().default(defaults.intervalMs).describe('Time between fetches'),
    timeoutMs: z.number().int().positive().default(10_000).describe('Deadline of one fetch'),
    maxStaleMs: z
      .number()
      .int()
      .positive()
      .default(defaults.maxStaleMs)
      .describe('After failed fetches, the last good value is attached (stale) until it is this old'),
    startWaitMs: z
      .number()
      .int()
      .min(0)
      .default(2_000)
      .describe('How long start() waits for the first fetch (so the first events have context); 0 = not at all'),
    breaker: z
      .object({
        threshold: z.number().int().positive().default(3).describe('Consecutive failed fetches that open the breaker'),
        resetTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(300_000)
          .describe('Time the breaker stays open before a trial fetch'),
      })
      .prefault({})
      .describe('Circuit breaker around the fetches'),
  };
}

/** The `locations` option of presets that fetch per coordinate. */
export const locationsOption = z
  .array(PolledLocationSchema)
  .min(1)
  .default([{ id: 'home', vars: {} }])
  .describe("Where to fetch for; without lat/lon, HA's home coordinates from get_config");

/** Strips a trailing slash so `${baseUrl}/path` never doubles it. */
export const trimBase = (url: string): string => url.replace(/\/+$/, '');

/** Epoch ms of an ISO time, or undefined. */
export function parseIso(text: string | null | undefined): number | undefined {
  if (text == null) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
