import type { Writable } from 'node:stream';
import { csvCell } from '../export-formats.js';
import { createTextRowWriter, type ExportColumn, type RowWriter } from './row-writer.js';

/** The export formats of `ha-ingestor export` and `/api/v1/export`. */
export const EXPORT_FORMATS = ['parquet', 'csv', 'ndjson', 'json', 'lp'] as const;
/** One of {@link EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** File extension, HTTP content type and how attributes are laid out, per format. */
export const FORMAT_INFO: Readonly<
  Record<ExportFormat, { readonly ext: string; readonly contentType: string; readonly tabular: boolean }>
> = {
  parquet: { ext: 'parquet', contentType: 'application/vnd.apache.parquet', tabular: true },
  csv: { ext: 'csv', contentType: 'text/csv; charset=utf-8', tabular: true },
  ndjson: { ext: 'ndjson', contentType: 'application/x-ndjson; charset=utf-8', tabular: false },
  json: { ext: 'json', contentType: 'application/json; charset=utf-8', tabular: false },
  lp: { ext: 'lp', contentType: 'text/plain; charset=utf-8', tabular: false },
};

/** True for a known format name. */
export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * The writer of a format. `lp` needs the line-protocol serialiser of the configured schema (rows are
 * turned back into state events and mapped exactly as the sink maps them, so the file re-imports as the
 * same points). `parquet` is an adapter over sink-parquet (see parquet-writer.ts).
 */
export async function createRowWriter(
  format: ExportFormat,
  out: Writable,
  columns: readonly ExportColumn[],
  toLineProtocol: (events: readonly Readonly<Record<string, unknown>>[]) => string,
): Promise<RowWriter> {
  switch (format) {
    case 'parquet': {
      // Loaded for a Parquet export only: the other formats never load `hyparquet-writer` (issue 14, memory).
      const { createParquetRowWriter } = await import('./parquet-writer.js');
      return createParquetRowWriter(out, columns);
    }
    case 'csv':
      return createTextRowWriter(out, columns, {
        head: (cols) => `${cols.map((c) => csvCell(c.name)).join(',')}\n`,
        rows: (rows) => {
          let text = '';
          for (const row of rows) text += `${row.map(csvValue).join(',')}\n`;
          return text;
        },
      });
    case 'ndjson':
      return createTextRowWriter(out, columns, {
        rows: (rows, cols) => {
          let text = '';
          for (const row of rows) text += `${rowJson(row, cols)}\n`;
          return text;
        },
      });
    case 'json':
      return createTextRowWriter(out, columns, {
        head: () => '[',
        rows: (rows, cols, first) => {
          let text = '';
          for (let i = 0; i < rows.length; i++)
            text += `${first && i === 0 ? '\n' : ',\n'}${rowJson(rows[i] as readonly unknown[], cols)}`;
          return text;
        },
        tail: (wroteRows) => (wroteRows ? '\n]\n' : ']\n'),
      });
    case 'lp':
      return createTextRowWriter(out, columns, {
        rows: (rows, cols) => toLineProtocol(rows.map((row) => rowEvent(row, cols))),
      });
  }
}

// --- internal ---

/** A CSV value: objects (the JSON attributes column) as JSON text, then escaped like every cell. */
function csvValue(value: unknown): string {
  return csvCell(value !== null && typeof value === 'object' ? JSON.stringify(value) : value);
}

function rowJson(row: readonly unknown[], columns: readonly ExportColumn[]): string {
  let text = '{';
  for (let c = 0; c < columns.length; c++)
    text += `${c === 0 ? '' : ','}${JSON.stringify((columns[c] as ExportColumn).name)}:${JSON.stringify(row[c] ?? null)}`;
  return `${text}}`;
}

/**
 * A row as the state event it was stored from: the numeric state as text when only `value` was stored,
 * the unit as `unit_of_measurement` (so the `ha` schema files it under the same measurement).
 */
function rowEvent(row: readonly unknown[], columns: readonly ExportColumn[]): Readonly<Record<string, unknown>> {
  const get = (name: string) => row[columns.findIndex((c) => c.name === name)];
  const entityId = String(get('entity_id'));
  const dot = entityId.indexOf('.');
  const state = get('state');
  const value = get('value');
  const unit = get('unit');
  const attributes = { ...(get('attributes') as Record<string, unknown> | undefined) };
  if (typeof unit === 'string') attributes['unit_of_measurement'] = unit;
  const time = get('time');
  return {
    event_type: 'state_changed',
    entity_id: entityId,
    domain: entityId.slice(0, dot),
    object_id: entityId.slice(dot + 1),
    state: typeof state === 'string' ? state : typeof value === 'number' ? String(value) : '',
    attributes,
    time_fired: time,
    last_updated: time,
    last_changed: time,
  };
}
