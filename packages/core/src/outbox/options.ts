import { z } from 'zod';

const MiB = 1024 * 1024;

/**
 * Data options of a disk outbox (the `outbox` of a sink's delivery options), validated by `openOutbox`.
 * The single source of the outbox defaults.
 */
export const OutboxOptionsSchema = z.object({
  dir: z.string().min(1).describe('Directory of the segment files and the cursor (created when missing); one per sink'),
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * MiB)
    .describe('Cap on the bytes of pending (unacknowledged) entries; then `whenFull` applies'),
  whenFull: z
    .enum(['block', 'drop-oldest', 'drop-newest'])
    .default('block')
    .describe(
      'When full: `block` waits for space (backpressure up to the sources; `stop()` does not wait), `drop-oldest` discards the oldest (already acknowledged) entries, counted as dropped `outbox_full`; `drop-newest` refuses the new batch: in a pipeline its events fail (`onFailed`, the source keeps them) and count as failed. Becoming full is logged once and counted (`ha_ingestor_outbox_full_total`), drops at most once per 10 s',
    ),
  fsync: z
    .enum(['always', 'interval', 'never'])
    .default('always')
    .describe(
      '`always`: an append resolves only after fsync; `interval`: fsync at most every `fsyncIntervalMs` (a crash may lose that window); `never`: leave it to the OS',
    ),
  fsyncIntervalMs: z.number().int().positive().default(1000).describe('Period of the `interval` fsync policy (ms)'),
  segmentBytes: z
    .number()
    .int()
    .positive()
    .default(16 * MiB)
    .describe('Size at which a new segment file is started; drained segments are deleted'),
});

/** A sink's durable on-disk outbox (the `outbox` of its delivery options): batches that could not be written wait here and drain in order. */
export type OutboxOptions = z.input<typeof OutboxOptionsSchema>;
/** Outbox options with every default applied. */
export type ResolvedOutboxOptions = z.output<typeof OutboxOptionsSchema>;
/**
 * What to do when the outbox is full: `block` makes the delivery wait for space (backpressure up to the
 * sources' `emit`); `drop-oldest` discards the oldest entries (already acknowledged: a real loss, counted as
 * dropped `outbox_full`); `drop-newest` refuses the new batch (its events fail: `onFailed`, counted as failed).
 * Under every policy becoming full is logged once, counted and shown in health (issue 11).
 */
export type WhenFull = ResolvedOutboxOptions['whenFull'];
