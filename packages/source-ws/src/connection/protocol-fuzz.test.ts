import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHaTime } from '@ha-ingestor/core';
import { MAX_JSON_DEPTH } from '@ha-ingestor/core/json';
import { classifyMessage, historyRowsToEvents, normaliseEvent, splitFrame } from './protocol.js';

/**
 * Issue 11 fuzz suite for the WebSocket parsers: whatever HA (or something pretending to be HA) sends, no
 * exception escapes, and every frame ends as messages or a refusal with a reason; every event message as a
 * core event or a rejection with a reason. Fixed seeds, bounded runs: part of the unit project.
 */

const prov = { source: 'ha-websocket', mode: 'live' as const, receivedAt: 1_700_000_000_000_000 };
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    '',
    '\n',
    'x"\n# CONTEXT-DATABASE: _internal\n',
    '\u0000',
    '\u202e',
    'a'.repeat(5000),
    '__proto__',
    'constructor',
  ),
);
const isoTime = fc
  .integer({ min: -62_135_596_800_000_000, max: Number.MAX_SAFE_INTEGER })
  .map((us) => formatHaTime(us));
const timeLike = fc.oneof(
  isoTime,
  hostileString,
  fc.constant('2026-02-30T25:61:00+00:00'),
  fc.double(),
  fc.constant(null),
);
const leaf = fc.oneof(hostileString, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
const json = fc.jsonValue({ maxDepth: 6 });
const context = fc.option(
  fc.record(
    {
      id: fc.oneof(hostileString, fc.integer()),
      parent_id: fc.option(hostileString),
      user_id: fc.option(hostileString),
    },
    { requiredKeys: [] },
  ),
);
const state = fc.record(
  {
    entity_id: fc.oneof(fc.constantFrom('sensor.t', 'light.x', 'bad', '.', 'a.b.c'), hostileString),
    state: fc.oneof(hostileString, leaf),
    attributes: fc.oneof(fc.dictionary(hostileString, json), leaf),
    last_changed: timeLike,
    last_updated: timeLike,
    last_reported: timeLike,
    context,
  },
  { requiredKeys: [] },
);
const data = fc.oneof(
  fc.record(
    {
      entity_id: fc.oneof(fc.constant('sensor.t'), hostileString, leaf),
      old_state: fc.option(state),
      new_state: fc.option(state),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      domain: fc.oneof(hostileString, leaf),
      service: fc.oneof(hostileString, leaf),
      service_data: fc.oneof(fc.dictionary(hostileString, json), leaf),
    },
    { requiredKeys: [] },
  ),
  fc.record({ name: fc.oneof(hostileString, leaf), entity_id: fc.oneof(hostileString, leaf) }, { requiredKeys: [] }),
  json,
);
const haEvent = fc.record(
  {
    event_type: fc.oneof(
      fc.constantFrom(
        'state_changed',
        'call_service',
        'automation_triggered',
        'script_started',
        'area_registry_updated',
      ),
      hostileString,
      leaf,
    ),
    time_fired: timeLike,
    origin: fc.oneof(fc.constantFrom('LOCAL', 'REMOTE'), hostileString),
    data,
    context,
  },
  { requiredKeys: [] },
);
const message = fc.oneof(
  fc.record(
    { id: fc.oneof(fc.integer(), leaf), type: fc.constant('event'), event: fc.oneof(haEvent, json) },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      id: fc.oneof(fc.integer(), leaf),
      type: fc.constantFrom('result', 'pong', 'auth_ok', 'auth_invalid', 'auth_required'),
      success: fc.boolean(),
      result: json,
      error: json,
      message: leaf,
    },
    { requiredKeys: [] },
  ),
  json,
);
const frameText = fc.oneof(
  message.map((m) => JSON.stringify(m)),
  fc.array(message, { maxLength: 8 }).map((ms) => JSON.stringify(ms)),
  hostileString,
  fc.integer({ min: 1, max: 5000 }).map((n) => `[${'{"a":['.repeat(n)}1${']}'.repeat(n)}]`),
);

describe('WebSocket parsers under arbitrary input (issue 11 fuzz)', () => {
  it('every frame is messages or a refusal with a reason; every event message a core event or a rejection with a reason', () => {
    fc.assert(
      fc.property(frameText, (text) => {
        const frame = splitFrame(text);
        if (!frame.ok) {
          expect(['invalid_json', 'json_too_deep']).toContain(frame.error.reason);
          expect(frame.error.message).not.toBe('');
          return;
        }
        for (const r of frame.refused) expect(r.error.reason).toBe('json_too_deep');
        for (const raw of frame.messages) {
          const msg = classifyMessage(raw);
          if (msg.kind !== 'event') continue;
          const result = normaliseEvent(msg.event, prov);
          if (!result.ok) {
            expect(result.reason).toMatch(/^[a-z_]+$/);
            expect(result.message).not.toBe('');
            continue;
          }
          const event = result.event;
          expect(typeof event.event_type).toBe('string');
          // Finite; whether it is in the storable range is the runtime's one event-time rule (event-time stage).
          expect(Number.isFinite(event.time_fired)).toBe(true);
          expect(typeof event.key).toBe('string');
          // Whatever was accepted can be serialised by every downstream stage (dead-letter, outbox, NDJSON).
          expect(() => JSON.stringify(event)).not.toThrow();
        }
      }),
      { seed: 1101, numRuns: 1500 },
    );
  });

  it('a message nested past MAX_JSON_DEPTH is always refused as json_too_deep, one within it never is, alone or coalesced', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 * MAX_JSON_DEPTH }), fc.boolean(), (n, coalesced) => {
        const message = `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
        const frame = splitFrame(coalesced ? `[{"id":1,"type":"pong"},${message}]` : message);
        if (!coalesced) {
          expect(frame.ok).toBe(n <= MAX_JSON_DEPTH);
          if (!frame.ok) expect(frame.error.reason).toBe('json_too_deep');
          return;
        }
        expect(frame.ok).toBe(true);
        if (!frame.ok) return;
        expect(frame.messages[0]).toEqual({ id: 1, type: 'pong' });
        expect(frame.messages).toHaveLength(n <= MAX_JSON_DEPTH ? 2 : 1);
        expect(frame.refused.map((r) => [r.index, r.error.reason])).toEqual(
          n <= MAX_JSON_DEPTH ? [] : [[1, 'json_too_deep']],
        );
      }),
      { seed: 1102, numRuns: 300 },
    );
  });

  it('recorder rows: every row becomes a state change or is returned as invalid, nothing thrown', () => {
    const row = fc.oneof(
      fc.record(
        {
          s: fc.oneof(hostileString, leaf),
          a: fc.oneof(fc.dictionary(hostileString, json), leaf),
          lu: fc.oneof(fc.double(), fc.integer(), leaf),
          lc: fc.oneof(fc.double(), leaf),
        },
        { requiredKeys: [] },
      ),
      json,
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.constant('sensor.t'), hostileString),
        fc.array(row, { maxLength: 20 }),
        (entityId, rows) => {
          const { events, invalid } = historyRowsToEvents(entityId, rows, { ...prov, mode: 'backfill' });
          expect(events.length + invalid.length).toBe(rows.length);
          for (const e of events) {
            expect(e.entity_id).toBe(entityId);
            expect(typeof e.key).toBe('string');
          }
        },
      ),
      { seed: 1103, numRuns: 1000 },
    );
  });
});
