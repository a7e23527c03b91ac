import type { AttributeKeys, StoredStateRow } from '@ha-ingestor/sink-influx';
import type { ExportColumn } from './row-writer.js';

/**
 * Attributes become their own columns (Parquet, CSV) when the database has at most this many attribute
 * names and each has one type; otherwise, and always for NDJSON/JSON/LP, they are one `attributes` column.
 */
export const MAX_ATTRIBUTE_COLUMNS = 16;

/** The fixed columns every export starts with. */
export const BASE_COLUMNS: readonly ExportColumn[] = [
  { name: 'time', type: 'timestamp_us' },
  { name: 'entity_id', type: 'string' },
  { name: 'domain', type: 'string' },
  { name: 'state', type: 'string', nullable: true },
  { name: 'value', type: 'double', nullable: true },
  { name: 'unit', type: 'string', nullable: true },
];

/** How an export lays out attributes: one column of the object, or one typed column per name. */
export type AttributeLayout =
  { readonly kind: 'json' } | { readonly kind: 'columns'; readonly names: readonly string[] };

/**
 * The attribute rule: `columns` when the format is tabular and the keys are known (v1), complete, at most
 * {@link MAX_ATTRIBUTE_COLUMNS}, and none has mixed types; `json` otherwise.
 */
export function chooseLayout(tabular: boolean, keys: AttributeKeys | undefined): AttributeLayout {
  if (!tabular || keys === undefined || !keys.complete || keys.keys.size > MAX_ATTRIBUTE_COLUMNS)
    return { kind: 'json' };
  for (const type of keys.keys.values()) if (type === 'mixed') return { kind: 'json' };
  return { kind: 'columns', names: [...keys.keys.keys()].sort() };
}

/** The columns of a layout: the base columns, then `attributes` or `attr_<name>` per attribute. */
export function exportColumns(layout: AttributeLayout, keys: AttributeKeys | undefined): ExportColumn[] {
  if (layout.kind === 'json') return [...BASE_COLUMNS, { name: 'attributes', type: 'string' }];
  return [
    ...BASE_COLUMNS,
    ...layout.names.map((name): ExportColumn => {
      const type = keys?.keys.get(name);
      return {
        name: `attr_${name}`,
        type: type === 'number' ? 'double' : type === 'boolean' ? 'boolean' : 'string',
        nullable: true,
      };
    }),
  ];
}

/** A row's cells in column order (the attributes column holds the object; writers serialise it). */
export function rowCells(row: StoredStateRow, layout: AttributeLayout): unknown[] {
  const cells: unknown[] = [row.time, row.entity_id, row.domain, row.state, row.value, row.unit];
  if (layout.kind === 'json') cells.push(row.attributes);
  else for (const name of layout.names) cells.push(row.attributes[name] ?? null);
  return cells;
}
