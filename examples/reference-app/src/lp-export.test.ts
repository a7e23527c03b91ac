import { lineProtocolHeader } from '@ha-ingestor/core/file-sink';
import { LP_INJECTION_STATE, makeStateChanged, readLineProtocolFile } from '@ha-ingestor/core/testing';
import { describe, expect, it } from 'vitest';
import { createLineProtocolExporter } from './lp-export.js';

describe('createLineProtocolExporter (/api/v1/export?format=lp)', () => {
  it('regression (issue 11): a state carrying LF and # CONTEXT-DATABASE is exactly one point and no directive', () => {
    const exportLp = createLineProtocolExporter({ kind: 'ha' }, 'us');
    const events = [
      makeStateChanged({ entity_id: 'sensor.x', state: LP_INJECTION_STATE, attributes: { note: 'a\r\nb' } }),
      makeStateChanged({ entity_id: 'sensor.y', state: '21.5' }),
    ];
    const text = exportLp(events.map((e) => ({ ...e }))); // the recent-events buffer holds plain records
    expect(text.split('\n').filter((l) => l.startsWith('#'))).toEqual([]);
    // What influx -import sees once the file sink's header is put in front of the export.
    const read = readLineProtocolFile(`${lineProtocolHeader('ha')}${text}`);
    expect(read.directives).toEqual(['# DML', '# CONTEXT-DATABASE: ha']);
    expect(
      read.points.map((p) => [p.measurement, p.database, p.tags['entity_id'], p.fields['state'] ?? p.fields['value']]),
    ).toEqual([
      ['sensor.x', 'ha', 'x', LP_INJECTION_STATE],
      ['°C', 'ha', 'y', 21.5],
    ]);
    expect(read.points[0]?.fields['note_str']).toBe('a\r\nb');
  });

  it('returns an empty text when no event maps to a point', () => {
    expect(createLineProtocolExporter({ kind: 'ha' }, 'us')([{ ...makeStateChanged({ state: null }) }])).toBe('');
  });
});
