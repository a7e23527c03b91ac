import { z } from 'zod';
import { parseOptions } from '../component/config.js';
import { OutboxOptionsSchema } from '../outbox/options.js';

const MiB = 1024 * 1024;

/** Size/bytes/linger/time triggers of a sink's batcher: a batch is cut on whichever comes first. */
export const BatchOptionsSchema = z.object({
  maxSize: z.number().int().positive().default(1000).describe('Flush when this many events are buffered'),
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(MiB)
    .describe("Flush when the buffered events' estimated size reaches this many bytes"),
  maxWaitMs: z
    .number()
    .int()
    .positive()
    .default(5000)
    .describe('Flush when the oldest buffered event is this old (ms), even while a write is in flight'),
  lingerMs: z
    .number()
    .int()
    .nonnegative()
    .default(20)
    .describe(
      'Flush once the oldest buffered event is this old (ms) and the sink has no write in flight (or as soon as that write ends): milliseconds of latency at home rates, batches that grow with the write time under load; at or above maxWaitMs only maxWaitMs applies',
    ),
});

/**
 * Retry of failed writes (retryable errors only: SINK_UNAVAILABLE, CONNECTION_LOST, TIMEOUT, network errors
 * and unknown errors), capped exponential backoff with full jitter, never shorter than a server's Retry-After.
 */
export const RetryOptionsSchema = z.object({
  retries: z
    .number()
    .int()
    .nonnegative()
    .default(5)
    .describe(
      'Attempts after the first; then (or as soon as the breaker is open) the batch goes to the outbox, or fails',
    ),
  minDelayMs: z
    .number()
    .int()
    .nonnegative()
    .default(500)
    .describe('Backoff ceiling of the first retry (ms), doubling per retry (full jitter; a Retry-After is honoured)'),
  maxDelayMs: z.number().int().positive().default(30_000).describe('Backoff cap (ms)'),
});

/**
 * Circuit breaker around each write attempt of a sink (opossum). While open, a batch is not tried at all: it
 * goes straight to the outbox (or fails without one), and the outbox is not drained until the half-open trial.
 */
export const BreakerOptionsSchema = z.object({
  threshold: z
    .number()
    .int()
    .positive()
    .default(5)
    .describe('Consecutive failed write attempts (each retry counts; SINK_REJECTED does not) that open the breaker'),
  resetTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe('Time before a half-open trial write, and the pause after a failed outbox drain (ms)'),
});

/**
 * Per-sink delivery: its own bounded buffer, batcher, retry, breaker and optional disk outbox. The nesting is
 * retry → breaker → `sink.write`: the breaker is inside each retry attempt and counts each attempt; once it is
 * open, retrying stops and the batch goes to the outbox at once (or fails without one). Batches are written
 * one at a time, in order; outbox entries always go before newer batches.
 */
export const DeliveryOptionsSchema = z.object({
  batch: BatchOptionsSchema.prefault({}).describe('Batch triggers'),
  retry: RetryOptionsSchema.prefault({}).describe('Retry of retryable write failures (around the breaker)'),
  breaker: BreakerOptionsSchema.prefault({}).describe(
    'Circuit breaker inside each retry attempt; while open, batches go to the outbox untried',
  ),
  outbox: OutboxOptionsSchema.optional().describe(
    'Disk outbox for batches the sink cannot take now; without it such events fail (onFailed)',
  ),
  maxQueued: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Events buffered for this sink before upstream waits (backpressure)'),
});

/** What `.to(sink, delivery)` accepts (every field optional; the defaults are the schema's). */
export type DeliveryOptions = z.input<typeof DeliveryOptionsSchema>;
/** Delivery options with every default applied. */
export type ResolvedDeliveryOptions = z.output<typeof DeliveryOptionsSchema>;
/** The `batch` part of {@link DeliveryOptions}. */
export type BatchOptions = z.input<typeof BatchOptionsSchema>;
/** The `retry` part of {@link DeliveryOptions}. */
export type RetryOptions = z.input<typeof RetryOptionsSchema>;
/** The `breaker` part of {@link DeliveryOptions}. */
export type BreakerOptions = z.input<typeof BreakerOptionsSchema>;

/** Parses delivery options of sink `name` (CONFIG_INVALID naming it). */
export function resolveDeliveryOptions(options: DeliveryOptions, name: string): ResolvedDeliveryOptions {
  return parseOptions(DeliveryOptionsSchema, options, `delivery:${name}`);
}
