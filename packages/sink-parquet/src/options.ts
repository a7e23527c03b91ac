import { z } from 'zod';

/** Options of the Parquet archive sink. */
export const ParquetSinkOptionsSchema = z.object({
  dir: z
    .string()
    .min(1)
    .describe(
      'Root of the archive (created when missing): `<dir>/date=YYYY-MM-DD/hour=HH/part-*.parquet`, staging files in `<dir>/.staging/`',
    ),
  compression: z
    .enum(['snappy', 'zstd', 'uncompressed'])
    .default('snappy')
    .describe('Page compression of the part files (`zstd` needs Node 22.15 or later)'),
  rowGroupRows: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe('Rows per Parquet row group: memory while a part file is written is bounded by one row group'),
  closeAfterMs: z
    .number()
    .int()
    .min(0)
    .default(600_000)
    .describe(
      'An hour is finished as a part file once the newest event time seen (capped at the pipeline clock) is this far past its end; later events for it go to a new part file',
    ),
  maxOpenHours: z
    .number()
    .int()
    .min(1)
    .max(168)
    .default(4)
    .describe(
      'Hours staged at once; an event for another hour first finishes the oldest open one (counted as `evicted`)',
    ),
  fsync: z
    .boolean()
    .default(true)
    .describe('fsync the staging file after every batch, so `write()` resolves only once the batch is on disk'),
});

/** Options of {@link parquetSink} as a user writes them. */
export type ParquetSinkOptions = z.input<typeof ParquetSinkOptionsSchema>;
/** Options of {@link parquetSink} with every default applied. */
export type ResolvedParquetSinkOptions = z.output<typeof ParquetSinkOptionsSchema>;
