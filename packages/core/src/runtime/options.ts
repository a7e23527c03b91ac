import { z } from 'zod';
import { parseOptions } from '../component/config.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

const MiB = 1024 * 1024;

/** Data options of a pipeline; the hooks (logger, clock, metrics) are {@link PipelineHooks}, passed alongside. */
export const PipelineOptionsSchema = z.object({
  deadLetter: z
    .object({
      path: z.string().min(1).describe('NDJSON file receiving dead-letter records (directories are created)'),
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(10 * MiB)
        .describe('Rotate to `<path>.1` when the file would exceed this size'),
    })
    .optional()
    .describe('Dead-letter file; without it, dead letters are only logged, counted and emitted'),
  maxQueued: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Events accepted from sources before `emit` waits (backpressure)'),
  stageBatchSize: z.number().int().positive().default(512).describe('Events moved through the stages together'),
  stopTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(30_000)
    .describe(
      'Time `stop()` allows sources to return and the pipeline to drain and flush; then every pending event fails (TIMEOUT)',
    ),
});

/** The parts of pipeline options that are functions or objects, not data: not validated, never in a schema. */
export interface PipelineHooks {
  /** pino-compatible logger. @default a logger that discards everything */
  readonly logger?: Logger | undefined;
  /** Clock, epoch ms (dedupe windows, dead-letter times, lag). @default Date.now */
  readonly now?: (() => number) | undefined;
  /** Metrics to record into. @default createMetrics() on a fresh registry */
  readonly metrics?: Metrics | undefined;
}

/** What `.build(options)` accepts: the schema's data (defaults from the schema) and the hooks. */
export type PipelineOptions = z.input<typeof PipelineOptionsSchema> & PipelineHooks;
/** The data part of pipeline options with every default applied (hooks are read from the input). */
export type ResolvedPipelineOptions = z.output<typeof PipelineOptionsSchema>;

/** Parses the data part of pipeline options (hooks are read directly from `options`). */
export function resolvePipelineOptions(options: PipelineOptions): ResolvedPipelineOptions {
  const { logger: _logger, now: _now, metrics: _metrics, ...data } = options;
  return parseOptions(PipelineOptionsSchema, data, 'pipeline');
}
