import { serializePoints } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { unwritableCorpus, writableCorpus } from '../test/fixtures/hostile-corpus.js';

// The same corpus is written to a real InfluxDB and read back by the sink's integration test.
describe('hostile corpus', () => {
  it('serialises every writable point, one line each, joined by LF', () => {
    const out = serializePoints(writableCorpus.map((c) => c.point), 'us');
    expect(out.rejected).toEqual([]);
    expect(out.lines).toHaveLength(writableCorpus.length);
    expect(out.text).toBe(out.lines.join('\n'));
    for (const line of out.lines) expect(line).toMatch(/ \d+$/);
  });

  it.each(unwritableCorpus.map((c) => [c.name, c] as const))('refuses %s', (_name, c) => {
    const out = serializePoints([c.point], 'us');
    expect(out.text).toBe('');
    expect(out.rejected.map((r) => r.reason)).toEqual([c.reason]);
  });
});
