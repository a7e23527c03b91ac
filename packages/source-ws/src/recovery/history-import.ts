import { z } from 'zod';
import { createReportingGuard, defineSource, millisToMicros, parseHaTime, parseOptions } from '@ha-ingestor/core';
import type { EpochMicros, HaEvent, SourceImpl, StateChangedEvent } from '@ha-ingestor/core';
import { entitiesInScope, fetchHistoryChunk, planChunks } from './backfill.js';
import type { CreateSocket, HaConnection } from '../connection/connection.js';
import { connectHa } from '../connection/connection.js';
import { HaWebSocketUrlSchema } from '../options.js';

const IMPORT_SOURCE_NAME = 'ha-history-import';

const TimeSchema = z.union([
  z.date(),
  z.number().describe('epoch ms'),
  z.string().refine((s) => parseHaTime(s) !== undefined, 'expected an ISO 8601 timestamp'),
]);

/** Options of {@link importHistory} and {@link haHistoryImportSource}. */
export const HaHistoryImportOptionsSchema = z.object({
  url: HaWebSocketUrlSchema,
  token: z.string().min(1).describe('Long-lived access token. Secret: never logged'),
  start: TimeSchema.describe('Start of the range (inclusive): Date, epoch ms or ISO 8601'),
  end: TimeSchema.optional().describe('End of the range (exclusive); omitted → now'),
  entityIds: z
    .array(z.string().min(1))
    .optional()
    .describe('Entities to import; omitted → every entity from get_states'),
  chunkMs: z
    .number()
    .int()
    .positive()
    .default(3_600_000)
    .describe('Length of one history/history_during_period request'),
  connectTimeoutMs: z.number().int().positive().default(15_000).describe('Time allowed for connect + auth'),
  compression: z.boolean().default(false).describe('Offer permessage-deflate (worth it over metered WAN links)'),
  tls: z
    .object({
      ca: z.string().optional().describe('PEM CA certificate(s) for wss://'),
      rejectUnauthorized: z.boolean().default(true).describe('Verify the server certificate'),
    })
    .prefault({})
    .describe('TLS options for wss://'),
});

/** Options of {@link importHistory} as a user writes them. */
export type HaHistoryImportOptions = z.input<typeof HaHistoryImportOptionsSchema>;

/** Progress after each chunk. */
export interface ImportProgress {
  readonly chunkStart: EpochMicros;
  readonly chunkEnd: EpochMicros;
  /** Chunks done / chunks planned, 0..1. */
  readonly fraction: number;
  /** Events produced so far. */
  readonly events: number;
  /** Rows that were not `{s,a,lu,lc?}` (skipped). */
  readonly invalidRows: number;
}

/** Extras of {@link importHistory}. */
export interface ImportHistoryHooks {
  /** Called after each chunk with the progress so far. */
  readonly onProgress?: (progress: ImportProgress) => void;
  readonly createSocket?: CreateSocket;
  readonly signal?: AbortSignal;
  /** Clock for `receivedAt` (epoch ms). */
  readonly now?: () => number;
}

/**
 * Reads HA's recorder history for a time range, chunk by chunk, as batches of state changes with mode
 * `import`. The events (and keys) are those the live path produces for the same changes, so a sink writes
 * the same points; re-importing a range is idempotent.
 *
 * @example
 * for await (const batch of importHistory({ url, token, start: '2026-01-01T00:00:00+00:00', onProgress: console.log })) {
 *   await writeSomewhere(batch);
 * }
 */
export async function* importHistory(
  input: HaHistoryImportOptions & { readonly onProgress?: (progress: ImportProgress) => void },
  hooks: ImportHistoryHooks = {},
): AsyncGenerator<StateChangedEvent[], void, undefined> {
  // parseOptions (not schema.parse): a CONFIG_INVALID that masks the token and refuses misspelt keys.
  const { onProgress: inputProgress, ...data } = input;
  const options = parseOptions(HaHistoryImportOptionsSchema, data, IMPORT_SOURCE_NAME);
  const now = hooks.now ?? Date.now;
  const onProgress = inputProgress ?? hooks.onProgress;
  const start = toMicros(options.start);
  const end = options.end === undefined ? millisToMicros(now()) : toMicros(options.end);
  // A socket callback that throws fails the import loudly: the connection is cut with that error, so the
  // pending command (and with it this generator) rejects with it (issue 11).
  let current: HaConnection | undefined = undefined;
  const guard = createReportingGuard((error) => current?.terminate(error), `source:${IMPORT_SOURCE_NAME}`);
  const connection = await connectHa({
    guard,
    url: options.url,
    token: options.token,
    connectTimeoutMs: options.connectTimeoutMs,
    compression: options.compression,
    tls: options.tls,
    stage: `source:${IMPORT_SOURCE_NAME}`,
    ...(hooks.createSocket === undefined ? {} : { createSocket: hooks.createSocket }),
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
  });
  current = connection;
  try {
    const entityIds = await entitiesInScope(connection, options.entityIds);
    const chunks = planChunks(start, end, options.chunkMs);
    let events = 0;
    let invalidRows = 0;
    for (const [i, chunk] of chunks.entries()) {
      if (hooks.signal?.aborted === true) return;
      const result = await fetchHistoryChunk({
        connection,
        chunk,
        entityIds,
        source: IMPORT_SOURCE_NAME,
        mode: 'import',
        receivedAt: millisToMicros(now()),
      });
      events += result.events.length;
      invalidRows += result.invalid.length;
      onProgress?.({
        chunkStart: chunk.start,
        chunkEnd: chunk.end ?? end,
        fraction: (i + 1) / chunks.length,
        events,
        invalidRows,
      });
      if (result.events.length > 0) yield result.events;
    }
  } finally {
    await connection.close();
  }
}

/**
 * The importer as a finite source (the reference app's `import` command): emits every batch and
 * resolves when the range is done and acknowledged.
 */
export const haHistoryImportSource = defineSource({
  name: IMPORT_SOURCE_NAME,
  options: HaHistoryImportOptionsSchema,
  create: (options, hooks: Omit<ImportHistoryHooks, 'signal' | 'now'>): SourceImpl<HaEvent> => ({
    run: async (ctx) => {
      const acks: Promise<unknown>[] = [];
      let failure: unknown;
      for await (const batch of importHistory(options, { ...hooks, signal: ctx.signal, now: ctx.now })) {
        if (failure !== undefined) break;
        const handled = new Promise<void>((resolve, reject) => {
          ctx.emitBatch(batch, { onHandled: resolve, onFailed: reject }).catch(reject);
        });
        // Record the first failure at once (no unhandled rejection while later batches are read).
        acks.push(handled.catch((error: unknown) => (failure ??= error)));
      }
      await Promise.all(acks);
      if (failure !== undefined) throw failure;
    },
  }),
});

// --- internal ---

function toMicros(value: Date | number | string): EpochMicros {
  if (value instanceof Date) return millisToMicros(value.getTime());
  if (typeof value === 'number') return millisToMicros(value);
  return parseHaTime(value) ?? Number.NaN;
}
