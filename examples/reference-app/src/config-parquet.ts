import { z } from 'zod';
import { DeliveryOverridesSchema } from './config-delivery.js';

/**
 * `parquet:` (issue 17): the Parquet archive sink, on when `dir` (PARQUET_DIR) is set. Hourly part files
 * of event time in `<dir>/date=YYYY-MM-DD/hour=HH/`, for DuckDB, Spark or pandas with hive partitioning;
 * see packages/sink-parquet/README.md for the columns and the crash behaviour.
 */
export const ParquetConfigSchema = z
  .strictObject({
    dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Parquet archive directory (PARQUET_DIR); enables the Parquet sink: hourly part files in `date=YYYY-MM-DD/hour=HH/`',
      ),
    compression: z
      .enum(['snappy', 'zstd', 'uncompressed'])
      .default('snappy')
      .describe('Parquet page compression (PARQUET_COMPRESSION); `zstd` needs Node 22.15 or later'),
    delivery: DeliveryOverridesSchema,
  })
  .prefault({})
  .describe('Parquet archive sink: on when `dir` is set');

/** Env names of the `parquet:` keys (merged into the app's ENV_MAP). */
export const PARQUET_ENV: readonly (readonly [string, string])[] = [
  ['PARQUET_DIR', 'parquet.dir'],
  ['PARQUET_COMPRESSION', 'parquet.compression'],
];
