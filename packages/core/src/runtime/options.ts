import { z } from 'zod';
import { parseOptions } from '../component/config.js';
import { OutboxOptionsSchema } from '../outbox/options.js';
import type { DedupeOptions, DeliveryOptions, PipelineOptions } from '../builder/types.js';

const MiB = 1024 * 1024;

/** Batcher triggers of one sink (count, bytes, age). */
export const BatchOptionsSchema = z.object({
  maxSize: z.number().int().positive().default(1000).describe('Flush when this many events are buffered'),
  maxBytes: z.number().int().positive().default(MiB).describe("Flush when the buffered events' estimated size reaches this many bytes"),
  maxWaitMs: z.number().int().positive().default(5000).describe('Flush when the oldest buffered event is this old (ms)'),
});

/** Retry of failed writes (retryable errors only), capped exponential backoff with full jitter. */
export const RetryOptionsSchema = z.object({
  retries: z.number().int().nonnegative().default(5).describe('Attempts after the first; then (or as soon as the breaker is open) the batch goes to the outbox, or fails'),
  minDelayMs: z.number().int().nonnegative().default(500).describe('Backoff ceiling of the first retry (ms), doubling per retry (full jitter; a Retry-After is honoured)'),
  maxDelayMs: z.number().int().positive().default(30_000).describe('Backoff cap (ms)'),
});

/** Circuit breaker around a sink's writes. */
export const BreakerOptionsSchema = z.object({
  threshold: z.number().int().positive().default(5).describe('Consecutive failed write attempts (each retry counts; SINK_REJECTED does not) that open the breaker'),
  resetTimeoutMs: z.number().int().positive().default(30_000).describe('Time before a half-open trial write, and the pause after a failed outbox drain (ms)'),
});

/**
 * Per-sink delivery: its own bounded buffer, batcher, retry, breaker and optional disk outbox.
 */
export const DeliveryOptionsSchema = z.object({
  batch: BatchOptionsSchema.prefault({}).describe('Batch triggers'),
  retry: RetryOptionsSchema.prefault({}).describe('Retry of retryable write failures (around the breaker)'),
  breaker: BreakerOptionsSchema.prefault({}).describe('Circuit breaker inside each retry attempt; while open, batches go to the outbox untried'),
  outbox: OutboxOptionsSchema.optional().describe('Disk outbox for batches the sink cannot take now; without it such events fail (onFailed)'),
  maxQueued: z.number().int().positive().default(10_000).describe('Events buffered for this sink before upstream waits (backpressure)'),
});

/** Dedupe on the identity key. */
export const DedupeOptionsSchema = z.object({
  windowMs: z.number().int().positive().default(300_000).describe('How long a committed key is remembered (ms)'),
  maxPerSeries: z.number().int().positive().default(16).describe('Keys remembered per series (memory grows with series, not rate x window)'),
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

/** Data options of a pipeline (hooks — logger, now, metrics — are passed alongside, not validated). */
export const PipelineOptionsSchema = z.object({
  deadLetter: z
    .object({
      path: z.string().min(1).describe('NDJSON file receiving dead-letter records (directories are created)'),
      maxBytes: z.number().int().positive().default(10 * MiB).describe('Rotate to `<path>.1` when the file would exceed this size'),
    })
    .optional()
    .describe('Dead-letter file; without it, dead letters are only logged, counted and emitted'),
  maxQueued: z.number().int().positive().default(10_000).describe('Events accepted from sources before `emit` waits (backpressure)'),
  stageBatchSize: z.number().int().positive().default(512).describe('Events moved through the stages together'),
  stopTimeoutMs: z.number().int().positive().default(30_000).describe('Time `stop()` allows sources to return and the pipeline to drain and flush; then every pending event fails (TIMEOUT)'),
});

export type ResolvedDeliveryOptions = z.output<typeof DeliveryOptionsSchema>;
export type ResolvedDedupeOptions = z.output<typeof DedupeOptionsSchema>;
export type ResolvedPipelineOptions = z.output<typeof PipelineOptionsSchema>;

/** Parses delivery options of sink `name` (CONFIG_INVALID naming it). */
export function resolveDeliveryOptions(options: DeliveryOptions, name: string): ResolvedDeliveryOptions {
  return parseOptions(DeliveryOptionsSchema, options, `delivery:${name}`);
}

export function resolveDedupeOptions(options: DedupeOptions): ResolvedDedupeOptions {
  return parseOptions(DedupeOptionsSchema, options, 'dedupe');
}

/** Parses the data part of pipeline options (hooks are read directly from `options`). */
export function resolvePipelineOptions(options: PipelineOptions): ResolvedPipelineOptions {
  const { logger: _logger, now: _now, metrics: _metrics, ...data } = options;
  return parseOptions(PipelineOptionsSchema, data, 'pipeline');
}
