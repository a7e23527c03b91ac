import { PassThrough, Writable } from 'node:stream';
import { isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { chooseLayout, exportColumns, MAX_ATTRIBUTE_COLUMNS, rowCells } from './columns.js';
import { createRowWriter, type ExportFormat } from './formats.js';
import type { StoredStateRow } from '@ha-ingestor/sink-influx';

const HOSTILE = '=HYPERLINK("x"),b "q"\nline2 ünï 🌡️';
const rows: StoredStateRow[] = [
  {
    time: 1_767_225_600_000_001,
    entity_id: 'sensor.kitchen',
    domain: 'sensor',
    state: null,
    value: 21.5,
    unit: '°C',
    attributes: { friendly_name: 'Kitchen' },
  },
  {
    time: 1_767_225_600_000_002,
    entity_id: 'input_text.note',
    domain: 'input_text',
    state: HOSTILE,
    value: null,
    unit: null,
    attributes: { friendly_name: HOSTILE },
  },
];

async function render(format: ExportFormat, tabular = false, toLp = (e: readonly unknown[]) => `${e.length}\n`) {
  const keys = tabular ? { keys: new Map([['friendly_name', 'string' as const]]), complete: true } : undefined;
  const layout = chooseLayout(tabular, keys);
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString('utf8')));
  const writer = await createRowWriter(format, out, exportColumns(layout, keys), toLp);
  await writer.write(rows.map((r) => rowCells(r, layout)));
  await writer.end();
  return { text, rowsWritten: writer.rowsWritten };
}

describe('export formats', () => {
  it('csv: header, µs times, escaped hostile text with formulas defused, attribute columns when few', async () => {
    const { text, rowsWritten } = await render('csv', true);
    expect(rowsWritten).toBe(2);
    const lines = text.split('\n');
    expect(lines[0]).toBe('time,entity_id,domain,state,value,unit,attr_friendly_name');
    expect(lines[1]).toBe('1767225600000001,sensor.kitchen,sensor,,21.5,°C,Kitchen');
    expect(text).toContain(`"'=HYPERLINK(""x""),b ""q""\nline2 ünï 🌡️"`);
  });

  it('csv: one JSON attributes column when the layout is json', async () => {
    const { text } = await render('csv', false);
    expect(text.split('\n')[0]).toBe('time,entity_id,domain,state,value,unit,attributes');
    expect(text).toContain('"{""friendly_name"":""Kitchen""}"');
  });

  it('ndjson and json: one object per row, attributes nested; json is one valid array', async () => {
    const nd = await render('ndjson');
    const parsed = nd.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[1]).toEqual({
      time: rows[1]?.time,
      entity_id: 'input_text.note',
      domain: 'input_text',
      state: HOSTILE,
      value: null,
      unit: null,
      attributes: { friendly_name: HOSTILE },
    });
    const json = await render('json');
    expect(JSON.parse(json.text)).toEqual(parsed);
  });

  it('json of no rows is an empty array; csv of no rows is the header', async () => {
    for (const [format, expected] of [
      ['json', '[]\n'],
      ['csv', 'time,entity_id,domain,state,value,unit,attributes\n'],
      ['ndjson', ''],
    ] as const) {
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => (text += c.toString('utf8')));
      const writer = await createRowWriter(format, out, exportColumns({ kind: 'json' }, undefined), () => '');
      await writer.end();
      expect(text, format).toBe(expected);
    }
  });

  it('lp: rows go back through the schema as state events (numeric state from value, unit restored)', async () => {
    const seen: unknown[] = [];
    await render('lp', false, (events) => {
      seen.push(...events);
      return '';
    });
    expect(seen[0]).toMatchObject({
      event_type: 'state_changed',
      entity_id: 'sensor.kitchen',
      object_id: 'kitchen',
      state: '21.5',
      attributes: { friendly_name: 'Kitchen', unit_of_measurement: '°C' },
      last_updated: rows[0]?.time,
    });
  });

  it('write() waits for drain: a stream that takes nothing holds the writer back', async () => {
    const pending: (() => void)[] = [];
    const slow = new Writable({ highWaterMark: 16, write: (_chunk, _enc, done) => pending.push(done) });
    const writer = await createRowWriter('ndjson', slow, exportColumns({ kind: 'json' }, undefined), () => '');
    let settled = false;
    const write = writer.write(rows.map((r) => rowCells(r, { kind: 'json' }))).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    pending.shift()?.();
    await write;
    expect(settled).toBe(true);
  });

  it('a stream closed mid-export rejects the pending write with ABORTED', async () => {
    const stuck = new Writable({ highWaterMark: 16, write: () => undefined });
    const writer = await createRowWriter('ndjson', stuck, exportColumns({ kind: 'json' }, undefined), () => '');
    const write = writer.write(rows.map((r) => rowCells(r, { kind: 'json' })));
    stuck.destroy();
    await expect(write).rejects.toSatisfy((e: unknown) => isSdkError(e, 'ABORTED'));
  });

  it('parquet writes a Parquet file (magic at both ends) with the attributes object as JSON text', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const layout = { kind: 'json' } as const;
    const writer = await createRowWriter('parquet', out, exportColumns(layout, undefined), () => '');
    await writer.write(rows.map((r) => rowCells(r, layout)));
    await writer.end();
    const file = Buffer.concat(chunks);
    expect(writer.rowsWritten).toBe(2);
    expect(file.subarray(0, 4).toString()).toBe('PAR1');
    expect(file.subarray(-4).toString()).toBe('PAR1');
    expect(file.includes(Buffer.from(JSON.stringify({ friendly_name: 'Kitchen' })))).toBe(true);
  });
});

describe('attribute layout rule', () => {
  const keys = (entries: [string, 'string' | 'number' | 'boolean' | 'mixed'][], complete = true) => ({
    keys: new Map(entries),
    complete,
  });
  it('columns for tabular formats when few, complete and single-typed; json otherwise', () => {
    expect(
      chooseLayout(
        true,
        keys([
          ['b', 'number'],
          ['a', 'string'],
        ]),
      ),
    ).toEqual({ kind: 'columns', names: ['a', 'b'] });
    expect(chooseLayout(false, keys([['a', 'string']]))).toEqual({ kind: 'json' });
    expect(chooseLayout(true, undefined)).toEqual({ kind: 'json' });
    expect(chooseLayout(true, keys([['a', 'mixed']]))).toEqual({ kind: 'json' });
    expect(chooseLayout(true, keys([['a', 'string']], false))).toEqual({ kind: 'json' });
    const many = Array.from({ length: MAX_ATTRIBUTE_COLUMNS + 1 }, (_, i): [string, 'number'] => [`k${i}`, 'number']);
    expect(chooseLayout(true, keys(many))).toEqual({ kind: 'json' });
    expect(chooseLayout(true, keys(many.slice(1)))).toMatchObject({ kind: 'columns' });
  });

  it('typed attribute columns and nulls for missing attributes', () => {
    const k = keys([
      ['level', 'number'],
      ['on', 'boolean'],
    ]);
    const layout = chooseLayout(true, k);
    expect(exportColumns(layout, k).slice(6)).toEqual([
      { name: 'attr_level', type: 'double', nullable: true },
      { name: 'attr_on', type: 'boolean', nullable: true },
    ]);
    expect(rowCells(rows[0] as StoredStateRow, layout).slice(6)).toEqual([null, null]);
  });
});
