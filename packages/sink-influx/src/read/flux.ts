import { ErrorCode, SdkError } from '@ha-ingestor/core';
import { fluxEntityPredicate } from './entity-match.js';
import type { ResolvedReadRangeOptions } from './options.js';
import type { StoredValue } from './rows.js';
import { microsToRfc3339, record, rfc3339ToMicros, type StoredPoint } from './stored-point.js';

/**
 * The Flux of one window: the bucket's points in [start, end), the non-state measurement left out, the
 * entity patterns as a tag predicate, and one row per point (`pivot` on `_field`), so each table is one
 * series with its tags in the group key.
 */
export function fluxWindowQuery(o: ResolvedReadRangeOptions, start: number, end: number): string {
  const predicate = fluxEntityPredicate(o.schema, o.entities);
  return [
    `from(bucket: ${fluxString(o.bucket ?? '')})`,
    `  |> range(start: time(v: "${microsToRfc3339(start)}"), stop: time(v: "${microsToRfc3339(end)}"))`,
    `  |> filter(fn: (r) => r._measurement != ${fluxString(o.eventsMeasurement)})`,
    ...(predicate === undefined ? [] : [`  |> filter(fn: (r) => ${predicate})`]),
    '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
  ].join('\n');
}

/** The JSON body of `POST /api/v2/query` asking for annotated CSV with every annotation. */
export function fluxRequestBody(query: string): string {
  return JSON.stringify({
    query,
    type: 'flux',
    dialect: { header: true, delimiter: ',', annotations: ['datatype', 'group', 'default'], dateTimeFormat: 'RFC3339' },
  });
}

/**
 * Parses InfluxDB's annotated CSV (https://docs.influxdata.com/influxdb/v2/reference/syntax/annotated-csv/)
 * fed line by line. Quoted cells may span lines; `#datatype`/`#group`/`#default` rows start a table
 * block, the next row is its header. Group-key columns other than `_start`/`_stop`/`_measurement` are
 * tags; the other columns except `result`/`table`/`_time` are fields. An empty cell is a null (a field
 * the point does not have). An `error` table (Flux's in-band error) is a COMMAND_FAILED.
 */
export function createAnnotatedCsvParser(stage: string, maxRecordBytes: number): (line: string) => StoredPoint[] {
  let pending: string | undefined;
  let types: string[] = [];
  let groups: string[] = [];
  let defaults: string[] = [];
  let header: string[] | undefined;

  const onRecord = (cells: string[]): StoredPoint[] => {
    const first = cells[0] ?? '';
    if (first === '#datatype') {
      types = cells;
      header = undefined;
      return [];
    }
    if (first === '#group') {
      groups = cells;
      return [];
    }
    if (first === '#default') {
      defaults = cells;
      return [];
    }
    if (first.startsWith('#')) return [];
    if (header === undefined) {
      header = cells;
      return [];
    }
    const errorCol = header.indexOf('error');
    if (errorCol !== -1 && !header.includes('_time')) {
      throw new SdkError(ErrorCode.COMMAND_FAILED, `InfluxDB query failed: ${(cells[errorCol] ?? '').slice(0, 300)}`, {
        stage,
        retryable: false,
      });
    }
    return [toPoint(header, cells)];
  };

  const toPoint = (head: readonly string[], cells: readonly string[]): StoredPoint => {
    const tags = record<string>();
    const fields = record<StoredValue>();
    let measurement = '';
    let time: number | undefined;
    for (let c = 1; c < head.length; c++) {
      const name = head[c] as string;
      const raw = cells[c] === '' || cells[c] === undefined ? (defaults[c] ?? '') : (cells[c] as string);
      if (name === 'result' || name === 'table' || name === '_start' || name === '_stop') continue;
      if (name === '_time') {
        time = rfc3339ToMicros(raw);
        continue;
      }
      if (name === '_measurement') {
        measurement = raw;
        continue;
      }
      if (raw === '') continue;
      if (groups[c] === 'true') {
        tags[name] = raw;
        continue;
      }
      const value = typed(types[c] ?? 'string', raw);
      if (value !== undefined) fields[name] = value;
    }
    if (time === undefined)
      throw new SdkError(ErrorCode.PROTOCOL_ERROR, 'InfluxDB query answered a row without a valid _time', {
        stage,
        retryable: false,
      });
    return { measurement, tags, fields, time };
  };

  return (line) => {
    const text = pending === undefined ? line : `${pending}\n${line}`;
    if (quoteCount(text) % 2 === 1) {
      if (text.length > maxRecordBytes)
        throw new SdkError(ErrorCode.PROTOCOL_ERROR, `a CSV record is longer than ${maxRecordBytes} bytes`, {
          stage,
          retryable: false,
        });
      pending = text;
      return [];
    }
    pending = undefined;
    const record = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (record === '') {
      header = undefined; // a blank line ends a table block
      return [];
    }
    return onRecord(splitCsv(record));
  };
}

// --- internal ---

function fluxString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${')}"`;
}

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/** Splits one complete RFC 4180 record. */
function splitCsv(record: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (record[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q === -1) {
          value += record.slice(i);
          i = record.length;
          break;
        }
        value += record.slice(i, q);
        if (record[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      cells.push(value);
    } else {
      const comma = record.indexOf(',', i);
      const end = comma === -1 ? record.length : comma;
      cells.push(record.slice(i, end));
      i = end;
    }
    if (i >= record.length) break;
    i++; // the comma
    if (i === record.length) {
      cells.push('');
      break;
    }
  }
  return cells;
}

function typed(type: string, raw: string): StoredValue | undefined {
  switch (type) {
    case 'double':
    case 'long':
    case 'unsignedLong': {
      const n = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
      return Number.isNaN(n) ? undefined : n;
    }
    case 'boolean':
      return raw === 'true';
    default:
      return raw;
  }
}
