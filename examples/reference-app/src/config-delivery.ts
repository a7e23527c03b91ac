import { join } from 'node:path';
import type { DeliveryOptions } from '@ha-ingestor/core';
import { z } from 'zod';
import { optionalRanged, optionalWhenFull } from './config-values.js';
import type { AppConfig } from './config-schema.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Per-sink delivery overrides (`influx.delivery`, `fileSink.delivery`), YAML only: each key left out falls
 * back to the pipeline-wide value under `pipeline:` (and its env variable). Ranges are those of the
 * pipeline-wide keys.
 */
export const DeliveryOverridesSchema = z
  .strictObject({
    batchSize: optionalRanged('integer', 1, 100_000, 'Events per write to this sink (default: pipeline.batchSize)'),
    batchTimeoutS: optionalRanged(
      'number',
      0.01,
      3600,
      'Max seconds an event waits in this sink’s batch (default: pipeline.batchTimeoutS)',
    ),
    batchLingerMs: optionalRanged(
      'integer',
      0,
      3_600_000,
      'Ms this sink’s batch lingers for more events while the sink is free (default: pipeline.batchLingerMs)',
    ),
    maxRetries: optionalRanged('integer', 0, 100, 'Write retries before the outbox (default: pipeline.maxRetries)'),
    circuitBreakerThreshold: optionalRanged(
      'integer',
      1,
      1000,
      'Failed writes that open this sink’s breaker (default: pipeline.circuitBreakerThreshold)',
    ),
    outboxMaxBytes: optionalRanged(
      'integer',
      MiB,
      1024 * GiB,
      'Outbox bound of this sink in bytes (default: pipeline.outboxMaxBytes)',
    ),
    outboxWhenFull: optionalWhenFull().describe(
      'When this sink’s outbox is full: `block`, `drop_oldest` or `drop_newest` (default: pipeline.outboxWhenFull)',
    ),
  })
  .prefault({})
  .describe('Batch, retry, breaker and outbox settings of this sink (YAML only); each key falls back to `pipeline:`');

/** A sink's resolved overrides. */
export type DeliveryOverrides = z.output<typeof DeliveryOverridesSchema>;

/**
 * The delivery options of one sink: its `delivery:` overrides over the pipeline-wide values. Each sink
 * has its own batcher, retry, breaker and disk outbox (`<dataDir>/outbox/<name>`).
 */
export function deliveryFor(config: AppConfig, name: string, overrides: DeliveryOverrides): DeliveryOptions {
  const p = config.pipeline;
  return {
    batch: {
      maxSize: overrides.batchSize ?? p.batchSize,
      maxWaitMs: Math.round((overrides.batchTimeoutS ?? p.batchTimeoutS) * 1000),
      lingerMs: overrides.batchLingerMs ?? p.batchLingerMs,
    },
    retry: { retries: overrides.maxRetries ?? p.maxRetries },
    breaker: { threshold: overrides.circuitBreakerThreshold ?? p.circuitBreakerThreshold },
    // issue 11: the full-outbox policy is the user's choice (OUTBOX_WHEN_FULL), next to the size bound.
    outbox: {
      dir: join(config.dataDir, 'outbox', name),
      maxBytes: overrides.outboxMaxBytes ?? p.outboxMaxBytes,
      whenFull: overrides.outboxWhenFull ?? p.outboxWhenFull,
    },
  };
}
