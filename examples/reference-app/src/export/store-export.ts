import type { Writable } from 'node:stream';
import { readInfluxAttributeKeys, readInfluxRange, type ReadRangeOptions } from '@ha-ingestor/sink-influx';
import { chooseLayout, exportColumns, rowCells } from './columns.js';
import { createRowWriter, FORMAT_INFO, type ExportFormat } from './formats.js';

/** A range export request, as the CLI and the HTTP API take it. */
export interface StoreExportRequest {
  readonly start: number;
  readonly end: number;
  readonly entities: readonly string[];
  readonly format: ExportFormat;
}

/** What {@link exportFromStore} needs besides the request. */
export interface StoreExportContext {
  /** Reader options of the configured database, without range and entities. */
  readonly database: Omit<ReadRangeOptions, 'start' | 'end' | 'entities'>;
  readonly toLineProtocol: (events: readonly Readonly<Record<string, unknown>>[]) => string;
  readonly signal: AbortSignal;
  /** After each step: rows so far and the fraction of the time range read. */
  readonly onProgress?: (rows: number, fraction: number) => void;
}

/**
 * Exports a time range from the configured database to `out`: the attribute layout is decided first
 * (see columns.ts), the writer made (so an unavailable format fails before any query), then rows are
 * streamed batch by batch, each written before the next is read. Resolves with the row count.
 */
export async function exportFromStore(
  request: StoreExportRequest,
  out: Writable,
  ctx: StoreExportContext,
): Promise<number> {
  const info = FORMAT_INFO[request.format];
  const options: ReadRangeOptions = {
    ...ctx.database,
    start: request.start,
    end: request.end,
    entities: [...request.entities],
  };
  const keys = info.tabular ? await readInfluxAttributeKeys(options, { signal: ctx.signal }) : undefined;
  const layout = chooseLayout(info.tabular, keys);
  const writer = await createRowWriter(request.format, out, exportColumns(layout, keys), ctx.toLineProtocol);
  let rows = 0;
  for await (const batch of readInfluxRange(options, ctx.signal)) {
    if (batch.rows.length > 0) {
      await writer.write(batch.rows.map((row) => rowCells(row, layout)));
      rows += batch.rows.length;
    }
    ctx.onProgress?.(rows, batch.fraction);
  }
  await writer.end();
  return rows;
}
