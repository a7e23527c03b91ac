import { describe, expect, it } from 'vitest';
import type { CallServiceEvent, StateChangedEvent } from '@ha-ingestor/core';
import { classifyMessage, historyRowsToEvents, normaliseEvent, splitFrame } from './protocol.js';

const prov = { source: 'ha-websocket', mode: 'live' as const, receivedAt: 1_700_000_000_000_000 };

const ctx = { id: '01HXYZ0000000000000000000A', parent_id: null, user_id: null };

function stateChanged(overrides: { old?: unknown; new?: unknown; time_fired?: string } = {}) {
  return {
    event_type: 'state_changed',
    data: {
      entity_id: 'light.bed_light',
      old_state:
        'old' in overrides
          ? overrides.old
          : {
              entity_id: 'light.bed_light',
              state: 'off',
              attributes: { friendly_name: 'Bed Light' },
              last_changed: '2016-11-26T01:37:10.466994+00:00',
              last_updated: '2016-11-26T01:37:10.466994+00:00',
              context: ctx,
            },
      new_state:
        'new' in overrides
          ? overrides.new
          : {
              entity_id: 'light.bed_light',
              state: 'on',
              attributes: { brightness: 180, rgb_color: [254, 208, 0] },
              last_changed: '2016-11-26T01:37:24.265390+00:00',
              last_reported: '2016-11-26T01:37:24.265390+00:00',
              last_updated: '2016-11-26T01:37:24.265390+00:00',
              context: ctx,
            },
    },
    origin: 'LOCAL',
    time_fired: overrides.time_fired ?? '2016-11-26T01:37:24.265429+00:00',
    context: ctx,
  };
}

describe('splitFrame', () => {
  it('returns a single object frame as one message', () => {
    expect(splitFrame('{"id":1,"type":"pong"}')).toEqual({
      ok: true,
      messages: [{ id: 1, type: 'pong' }],
      refused: [],
    });
  });

  it('returns every element of a coalesced array frame', () => {
    const frame = splitFrame(
      '[{"id":2,"type":"result","success":true,"result":null},{"id":2,"type":"event","event":{}}]',
    );
    expect(frame.ok && frame.messages.length).toBe(2);
  });

  it('refuses only the too-deep message of a coalesced frame; the others are kept (issue 11)', () => {
    const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
    const frame = splitFrame(
      `[{"id":1,"type":"pong"},{"id":2,"type":"event","event":{"data":${deep}}},{"id":3,"type":"pong"}]`,
    );
    expect(frame).toEqual({
      ok: true,
      messages: [
        { id: 1, type: 'pong' },
        { id: 3, type: 'pong' },
      ],
      refused: [{ index: 1, error: { reason: 'json_too_deep', message: 'message nests deeper than 32 levels' } }],
    });
  });

  it('refuses a single-message frame nested too deep as a whole', () => {
    const frame = splitFrame(`{"id":1,"type":"event","event":{"data":${'['.repeat(40)}${']'.repeat(40)}}}`);
    expect(frame).toEqual({
      ok: false,
      error: { reason: 'json_too_deep', message: 'message nests deeper than 32 levels' },
    });
  });

  it('reports invalid JSON instead of throwing', () => {
    const frame = splitFrame('{"id":1,');
    expect(frame.ok).toBe(false);
  });
});

describe('classifyMessage', () => {
  it('turns success:false into an error with HA code and message', () => {
    expect(
      classifyMessage({
        id: 7,
        type: 'result',
        success: false,
        error: { code: 'not_found', message: 'Subscription not found.' },
      }),
    ).toEqual({
      kind: 'error',
      id: 7,
      code: 'not_found',
      message: 'Subscription not found.',
    });
  });

  it('recognises pong, events and the auth phase messages', () => {
    expect(classifyMessage({ id: 3, type: 'pong' })).toEqual({ kind: 'pong', id: 3 });
    expect(classifyMessage({ id: 4, type: 'event', event: { a: 1 } })).toEqual({
      kind: 'event',
      id: 4,
      event: { a: 1 },
    });
    expect(classifyMessage({ type: 'auth_required', ha_version: '2026.1.0' })).toEqual({ kind: 'auth_required' });
    expect(classifyMessage({ type: 'auth_ok', ha_version: '2026.1.0' })).toEqual({
      kind: 'auth_ok',
      haVersion: '2026.1.0',
    });
    expect(classifyMessage({ type: 'auth_invalid', message: 'Invalid access token or password' })).toEqual({
      kind: 'auth_invalid',
      message: 'Invalid access token or password',
    });
  });

  it('tolerates unknown messages', () => {
    expect(classifyMessage(42).kind).toBe('unknown');
    expect(classifyMessage({ type: 'result' }).kind).toBe('unknown');
  });
});

describe('normaliseEvent', () => {
  it('stamps a state change with new_state.last_updated in µs and keys it entity@µs', () => {
    const n = normaliseEvent(stateChanged(), prov);
    expect(n.ok).toBe(true);
    const e = (n as { event: StateChangedEvent }).event;
    expect(e.time_fired).toBe(Date.UTC(2016, 10, 26, 1, 37, 24) * 1000 + 265390);
    expect(e.last_updated).toBe(e.time_fired);
    expect(e.key).toBe(`light.bed_light@${e.time_fired}`);
    expect(e).toMatchObject({
      domain: 'light',
      object_id: 'bed_light',
      state: 'on',
      origin: 'LOCAL',
      provenance: prov,
    });
    expect(e.old_state?.state).toBe('off');
    expect(e.old_state?.last_updated).toBe(Date.UTC(2016, 10, 26, 1, 37, 10) * 1000 + 466994);
    expect(e.last_reported).toBe(e.last_updated);
  });

  it('parses timestamps without a fraction (HA drops .000000)', () => {
    const n = normaliseEvent(
      stateChanged({
        new: {
          entity_id: 'light.bed_light',
          state: 'on',
          attributes: {},
          last_changed: '2024-01-01T12:00:00+00:00',
          last_updated: '2024-01-01T12:00:00+00:00',
          context: ctx,
        },
        time_fired: '2024-01-01T12:00:00+00:00',
      }),
      prov,
    );
    expect(n.ok && n.event.time_fired).toBe(Date.UTC(2024, 0, 1, 12) * 1000);
  });

  it('keeps old_state null for a new entity', () => {
    const n = normaliseEvent(stateChanged({ old: null }), prov);
    expect(n.ok && (n.event as StateChangedEvent).old_state).toBeNull();
  });

  it('gives a removed entity state null, empty attributes and the time_fired', () => {
    const n = normaliseEvent(stateChanged({ new: null }), prov);
    const e = (n as { event: StateChangedEvent }).event;
    expect(e.state).toBeNull();
    expect(e.attributes).toEqual({});
    expect(e.time_fired).toBe(Date.UTC(2016, 10, 26, 1, 37, 24) * 1000 + 265429);
    expect(e.key).toBe(`light.bed_light@${e.time_fired}`);
  });

  it('normalises call_service with its data and a context-qualified key', () => {
    const n = normaliseEvent(
      {
        event_type: 'call_service',
        data: { domain: 'light', service: 'turn_on', service_data: { entity_id: 'light.x' } },
        time_fired: '2024-05-01T10:00:00.000001+00:00',
        context: ctx,
      },
      prov,
    );
    const e = (n as { event: CallServiceEvent }).event;
    expect(e.data.service).toBe('turn_on');
    expect(e.key).toBe(`call_service:light.turn_on@${Date.UTC(2024, 4, 1, 10) * 1000 + 1}#${ctx.id}`);
  });

  it('keeps any other event type generically', () => {
    const n = normaliseEvent(
      {
        event_type: 'zha_event',
        data: { device_ieee: 'aa:bb' },
        time_fired: '2024-05-01T10:00:00+00:00',
        context: ctx,
      },
      prov,
    );
    expect(n.ok && n.event.event_type).toBe('zha_event');
  });

  it('rejects invalid shapes with reason invalid_event', () => {
    for (const bad of [
      null,
      { event_type: 'state_changed', data: {}, time_fired: '2024-05-01T10:00:00+00:00' },
      { event_type: 'x', data: {}, time_fired: 'yesterday' },
      stateChanged({ new: { entity_id: 'light.bed_light', state: 3 } }),
      { event_type: 'call_service', data: { domain: 1 }, time_fired: '2024-05-01T10:00:00+00:00' },
    ]) {
      const n = normaliseEvent(bad, prov);
      expect(n).toMatchObject({ ok: false, reason: 'invalid_event' });
    }
  });
});

describe('historyRowsToEvents', () => {
  it('converts {s,a,lu,lc?} rows to state changes with the live key', () => {
    const lu = 1_700_000_000.123456;
    const { events, invalid } = historyRowsToEvents(
      'sensor.kitchen_temp',
      [
        { s: '21.5', a: { unit_of_measurement: '°C' }, lu, lc: 1_699_999_000.5 },
        { s: '21.6', a: {}, lu: lu + 60 },
        { s: 3, lu },
      ],
      { ...prov, mode: 'backfill' },
    );
    expect(invalid).toHaveLength(1);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      entity_id: 'sensor.kitchen_temp',
      state: '21.5',
      last_updated: 1_700_000_000_123_456,
      last_changed: 1_699_999_000_500_000,
      time_fired: 1_700_000_000_123_456,
      old_state: null,
      key: 'sensor.kitchen_temp@1700000000123456',
      provenance: { mode: 'backfill' },
    });
    // lc absent → last_changed = last_updated.
    expect(events[1]?.last_changed).toBe(events[1]?.last_updated);
  });

  it('produces the same key as the live event for the same change', () => {
    const live = normaliseEvent(stateChanged(), prov);
    const liveKey = live.ok ? live.event.key : '';
    const lu = (Date.UTC(2016, 10, 26, 1, 37, 24) * 1000 + 265390) / 1e6;
    const { events } = historyRowsToEvents('light.bed_light', [{ s: 'on', a: {}, lu }], prov);
    expect(events[0]?.key).toBe(liveKey);
  });
});
