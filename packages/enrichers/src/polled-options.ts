import { z } from 'zod';
import type { RegistryProvider } from '@ha-ingestor/core';
import type { FetchLike } from './http-json.js';

// What a polled context is made of: its options, hooks and the value it attaches. A leaf module (it
// imports no sibling but http-json's types), so polled-context → context-poller → url-template form a
// line, not a cycle (issue 12).

/** One location a polled context is fetched for (its coordinates fill `{lat}`/`{lon}` of the URL). */
export const PolledLocationSchema = z.object({
  id: z
    .string()
    .min(1)
    .default('home')
    .describe('Location id (the `location` of the attached context and the metric label)'),
  lat: z
    .number()
    .min(-90)
    .max(90)
    .optional()
    .describe("Latitude for {lat}; when omitted, HA's latitude from get_config"),
  lon: z
    .number()
    .min(-180)
    .max(180)
    .optional()
    .describe("Longitude for {lon}; when omitted, HA's longitude from get_config"),
  vars: z.record(z.string(), z.string()).default({}).describe('Extra {placeholders} for the URL template'),
});

/** Options of {@link polledContext}: what to fetch, how often, and how to turn the answer into context. */
export const PolledContextOptionsSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'Use lower_snake_case')
    .describe('Name of the enricher, its metric label and the event field the context is attached as'),
  url: z
    .string()
    .min(1)
    .describe('URL template: {lat}, {lon}, {id}, {apiKey} and location vars are substituted, URL-encoded'),
  locations: z
    .array(PolledLocationSchema)
    .min(1)
    .default([{ id: 'home', vars: {} }])
    .describe('Where to fetch context for; one poll loop each'),
  intervalMs: z.number().int().positive().default(600_000).describe('Time between fetches per location'),
  timeoutMs: z.number().int().positive().default(10_000).describe('Deadline of one fetch'),
  maxStaleMs: z
    .number()
    .int()
    .positive()
    .default(3_600_000)
    .describe('After failed fetches, the last good context is attached (marked stale) until it is this old'),
  startWaitMs: z
    .number()
    .int()
    .min(0)
    .default(2_000)
    .describe('How long start() waits for the first fetches (so the first events have context); 0 = not at all'),
  breaker: z
    .object({
      threshold: z
        .number()
        .int()
        .positive()
        .default(3)
        .describe('Consecutive failed fetches that open the circuit breaker'),
      resetTimeoutMs: z
        .number()
        .int()
        .positive()
        .default(300_000)
        .describe('Time the breaker stays open before one trial fetch'),
    })
    .prefault({})
    .describe('Circuit breaker around the fetches (opossum)'),
  headers: z.record(z.string(), z.string()).default({}).describe('Request headers; values may use {apiKey}'),
  apiKey: z.string().min(1).optional().describe('API key for {apiKey}; never logged, never in errors or metrics'),
});
/** Options of {@link polledContext} as a user writes them. */
export type PolledContextOptions = z.input<typeof PolledContextOptionsSchema>;
/** Options of {@link polledContext} with every default applied. */
export type ResolvedPolledContextOptions = z.output<typeof PolledContextOptionsSchema>;

/** A location of a polled context (after option parsing). */
export interface PolledLocation {
  readonly id: string;
  readonly lat?: number | undefined;
  readonly lon?: number | undefined;
  readonly vars: Readonly<Record<string, string>>;
}

/** Metadata on every attached context object. */
export interface PolledMeta {
  /** The location id the context is for. */
  readonly location: string;
  /** When the context was fetched (epoch ms). */
  readonly fetched_at: number;
  /** True when the latest fetch failed and this is the last good value. */
  readonly stale: boolean;
}

/** The attached context: what `select` returned, plus {@link PolledMeta}. */
export type PolledValue<C> = C & PolledMeta;

/** Fields added by a polled-context enricher named `N`. */
export type PolledAdded<N extends string, C> = { readonly [K in N]?: PolledValue<C> };

/** Information `select` receives. */
export interface SelectContext {
  readonly location: PolledLocation;
  /** Fetch time, epoch ms. */
  readonly now: number;
}

/** Code-valued parts of a polled context: the response schema, the selection and injectable I/O. */
export interface PolledContextHooks<S extends z.ZodType, C extends object> {
  /** Validates the JSON response; a mismatch counts as a failed fetch (`invalid_response`). */
  readonly schema: S;
  /** Picks the context from the validated response; `undefined` means nothing applies now (`no_data`). */
  readonly select: (data: z.output<S>, ctx: SelectContext) => C | undefined;
  /** When the selected value stops being true (epoch ms), e.g. the end of a price slot: it then expires and is refetched. */
  readonly validUntil?: ((value: C) => number | undefined) | undefined;
  /** Which location an event belongs to; default: the first location. */
  readonly locate?: ((event: object) => string | undefined) | undefined;
  /** HA's latitude/longitude (get_config) for locations without coordinates; left out, the pipeline's registry (if any). */
  readonly registry?: RegistryProvider | undefined;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike | undefined;
  /** Clock, epoch ms. @default the pipeline's clock */
  readonly now?: (() => number) | undefined;
  /** Creates the deadline signal of one fetch. @default AbortSignal.timeout */
  readonly timeout?: ((ms: number) => AbortSignal) | undefined;
}
