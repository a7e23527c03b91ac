import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAppLogger, escapeControls } from './logging.js';

const FORGED = 'home/x\n12:00:00.000 ERROR forged: database dropped';

function capture(format: 'json' | 'pretty'): { lines: () => string[]; logger: ReturnType<typeof createAppLogger> } {
  let out = '';
  const logger = createAppLogger({ level: 'info', format, write: (line) => (out += line) });
  return { lines: () => out.split('\n').slice(0, -1), logger };
}

describe('pretty logs (issue 11: a topic with \\n forged a log line)', () => {
  it('keeps a forged line inside its record: one record, one line, the newline escaped', () => {
    const { lines, logger } = capture('pretty');
    logger.warn({ topic: FORGED, nested: { topic: FORGED } }, `bad payload on ${FORGED}`);
    expect(lines()).toHaveLength(1);
    const [line] = lines();
    expect(line).toContain('bad payload on home/x\\n12:00:00.000 ERROR forged');
    expect(line).toContain('topic=home/x\\n12:00:00.000');
    expect(line).toContain('nested={"topic":"home/x\\n12:00:00.000'); // JSON's own escape, kept
  });

  it('escapes ANSI escapes, C1 controls, line separators and bidi overrides in messages, keys and values', () => {
    const { lines, logger } = capture('pretty');
    const hostile = 'a\u001b[31mred\u0085b\u2028c\u202eevil\u2066d\u007f';
    logger.info({ [`k${hostile}`]: hostile }, hostile);
    const [line] = lines();
    expect(lines()).toHaveLength(1);
    // eslint-disable-next-line no-control-regex -- the characters under test
    expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(line).toContain('a\\u001b[31mred\\u0085b\\u2028c\\u202eevil\\u2066d\\u007f');
  });

  it('escapes every unsafe character and leaves other text unchanged (property)', () => {
    // eslint-disable-next-line no-control-regex -- the characters under test
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        const escaped = escapeControls(text);
        expect(escaped).not.toMatch(unsafe);
        if (!unsafe.test(text)) expect(escaped).toBe(text);
      }),
      { seed: 1111, numRuns: 500 },
    );
  });
});

describe('JSON logs', () => {
  it('are already safe: a newline in a message or value stays inside one JSON line and reads back exactly', () => {
    const { lines, logger } = capture('json');
    logger.warn({ topic: FORGED }, `bad payload on ${FORGED}`);
    expect(lines()).toHaveLength(1);
    const record = JSON.parse(lines()[0] as string) as { msg: string; topic: string };
    expect(record.msg).toBe(`bad payload on ${FORGED}`);
    expect(record.topic).toBe(FORGED);
  });
});
