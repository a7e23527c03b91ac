import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HaEvent } from '../model/event.js';
import {
  defaultToLines,
  headerNameProblem,
  lineProtocolHeader,
  unsafeLineReason,
  type FileSinkEvent,
} from './lines.js';
import { makeStateChanged, TEST_EVENT_TIME } from '../testing/events.js';
import { LP_INJECTION_STATE, readLineProtocolFile } from '../testing/line-protocol-reader.js';

// Issue 11: this state became extra physical lines in `.lp` files — an injected point and a database switch.
const HOSTILE_STATE = LP_INJECTION_STATE;

const fileOf = (events: readonly FileSinkEvent[]) => {
  const out = defaultToLines(events, 'us');
  return { out, text: `${lineProtocolHeader('home_assistant')}${out.lines.join('\n')}\n` };
};

describe('defaultToLines', () => {
  it('regression: the hostile state is one point, in the header database, and injects no directive', () => {
    const { out, text } = fileOf([makeStateChanged({ entity_id: 'sensor.x', state: HOSTILE_STATE })]);
    expect(out.rejected).toEqual([]);
    const read = readLineProtocolFile(text);
    expect(read.directives).toEqual(['# DML', '# CONTEXT-DATABASE: home_assistant']);
    expect(read.points).toHaveLength(1);
    expect(read.points[0]).toMatchObject({
      measurement: 'sensor',
      database: 'home_assistant',
      fields: { state: HOSTILE_STATE },
    });
    expect(text).not.toMatch(/^evil_measure/m);
  });

  it('writes a number state (after unitNormalize, issue 20) as its numeric text would be: state text + value float', () => {
    const text = makeStateChanged({ entity_id: 'sensor.t', state: '21.5' });
    const number = { ...text, state: 21.5 };
    expect(defaultToLines([number], 'us').lines).toEqual(defaultToLines([text], 'us').lines);
    expect(readLineProtocolFile(fileOf([number]).text).points[0]?.fields).toEqual({ state: '21.5', value: 21.5 });
    const nan = { ...text, state: Number.NaN };
    expect(defaultToLines([nan], 'us')).toMatchObject({
      lines: [expect.stringContaining('state="NaN"')],
      rejected: [],
    });
  });

  it('returns the event index of every line', () => {
    const events = [
      makeStateChanged(),
      makeStateChanged({ entity_id: 'light.a\nb' }),
      makeStateChanged({ entity_id: 'light.c' }),
    ];
    const out = defaultToLines(events, 'us');
    expect(out.indices).toEqual([0, 2]);
    expect(out.rejected.map((r) => [r.index, r.reason])).toEqual([[1, 'newline']]);
  });

  it('property: each event is one point that reads back with its values, or rejected with a reason; no line starts with #', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEvent(), { minLength: 1, maxLength: 6 }), (events) => {
        const { out, text } = fileOf(events);
        const read = readLineProtocolFile(text);
        expect(read.directives).toEqual(['# DML', '# CONTEXT-DATABASE: home_assistant']);
        expect(text.split('\n').filter((l) => l.startsWith('#'))).toEqual(read.directives);
        expect(read.points).toHaveLength(events.length - out.rejected.length);
        for (const r of out.rejected) expect(r.reason).toMatch(/^[a-z_]+$/);
        read.points.forEach((point, k) => {
          const event = events[out.indices?.[k] as number] as HaEvent;
          expect(point.database).toBe('home_assistant');
          expect(point.time).toBe(String(event.time_fired));
          if (event.event_type === 'state_changed' && 'entity_id' in event) {
            expect(point.measurement).toBe(event.domain);
            expect(point.tags['entity_id']).toBe(event.entity_id);
            if (typeof event.state === 'string') expect(point.fields['state']).toBe(event.state);
            else expect(point.fields['removed']).toBe(true);
          } else {
            expect(point.measurement).toBe('events');
            expect(point.tags['event_type']).toBe(event.event_type === '' ? undefined : event.event_type); // empty tags are omitted
            expect(JSON.parse(point.fields['data'] as string)).toEqual((event as { data: unknown }).data);
          }
        });
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe('unsafeLineReason', () => {
  it.each([
    ['a LF', 'm v=1 1\nevil v=1 1'],
    ['a CR', 'm s="a\rb" 1'],
    ['a leading #', '# CONTEXT-DATABASE: _internal'],
    ['a # after leading space, TAB or NUL', ' \t\0#m v=1 1'],
    ['nothing but whitespace', ' \t'],
  ])('refuses a line with %s', (_name, line) => {
    expect(unsafeLineReason(line)).toEqual(expect.any(String));
  });
  it('accepts a line the serialiser writes', () => {
    expect(unsafeLineReason('sensor,entity_id=x state="a\\nb" 1')).toBeUndefined();
  });
});

describe('lineProtocolHeader', () => {
  it('writes the influx -import header', () => {
    expect(lineProtocolHeader('ha', 'week')).toBe('# DML\n# CONTEXT-DATABASE: ha\n# CONTEXT-RETENTION-POLICY: week\n');
  });
  it.each([
    ['a LF (injects a directive)', 'ha\n# CONTEXT-DATABASE: _internal'],
    ['a colon (influx -import cuts the name there)', 'ha:prod'],
    ['surrounding whitespace (trimmed by influx -import)', ' ha'],
    ['a control character', 'h\u0000a'],
  ])('refuses a database name with %s (CONFIG_INVALID)', (_name, database) => {
    expect(headerNameProblem(database)).toEqual(expect.any(String));
    expect(() => lineProtocolHeader(database)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => lineProtocolHeader('ha', database)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

// --- internal ---

const hostileChar = fc.oneof(
  fc.constantFrom('\n', '\r', '#', '"', '\\', ',', '=', ' ', '.', '\t', '\0', 'a', 'é', '🌡'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileString = (maxLength: number) => fc.string({ unit: hostileChar, maxLength });
const time = fc.integer({ min: TEST_EVENT_TIME - 1e15, max: TEST_EVENT_TIME + 1e15 });

function arbitraryEvent(): fc.Arbitrary<HaEvent> {
  const stateChanged = fc
    .record({
      domain: hostileString(6),
      object: hostileString(6),
      state: fc.oneof(hostileString(20), fc.constant(HOSTILE_STATE), fc.constant(null), fc.double().map(String)),
      time,
    })
    .map(({ domain, object, state, time: t }) =>
      makeStateChanged({ entity_id: `${domain}.${object}`, domain, state, last_updated: t }),
    );
  const other = fc
    .record({
      event_type: hostileString(8),
      data: fc.dictionary(hostileString(5), fc.oneof(hostileString(10), fc.integer())),
      time,
    })
    .map(({ event_type, data, time: t }): HaEvent => ({
      event_type,
      data,
      time_fired: t,
      context: null,
      provenance: { source: 'test', mode: 'live', receivedAt: t },
      key: `${event_type}@${t}`,
    }));
  return fc.oneof(stateChanged, other);
}
