import { describe, expect, it } from 'vitest';
import { parseHaTime } from '@ha-ingestor/core';
import { entitiesInScope, fetchHistoryChunk, planChunks } from './backfill.js';
import type { HaConnection } from '../connection/connection.js';

/** A fake connection answering commands from a function, recording what was sent. */
function fakeConnection(answer: (type: string, params: Readonly<Record<string, unknown>> | undefined) => unknown) {
  const sent: { type: string; params: Readonly<Record<string, unknown>> | undefined }[] = [];
  const conn: HaConnection = {
    haVersion: 'test',
    command: async <T>(type: string, params?: Readonly<Record<string, unknown>>) => {
      sent.push({ type, params });
      return answer(type, params) as T;
    },
    ping: async () => undefined,
    subscribeEvents: async () => 1,
    unsubscribe: async () => undefined,
    close: async () => undefined,
    terminate: () => undefined,
    closed: new Promise(() => undefined),
  };
  return { conn, sent };
}

const HOUR_US = 3_600_000_000;

describe('planChunks', () => {
  it('splits a range into chunkMs windows', () => {
    expect(planChunks(0, 2.5 * HOUR_US, 3_600_000)).toEqual([
      { start: 0, end: HOUR_US },
      { start: HOUR_US, end: 2 * HOUR_US },
      { start: 2 * HOUR_US, end: 2.5 * HOUR_US },
    ]);
  });

  it('leaves the last window open-ended when asked (HA clock decides "now")', () => {
    expect(planChunks(0, 1.5 * HOUR_US, 3_600_000, true).at(-1)).toEqual({ start: HOUR_US, end: undefined });
    expect(planChunks(5, 5, 3_600_000, true)).toEqual([{ start: 5, end: undefined }]);
    expect(planChunks(5, 5, 3_600_000)).toEqual([]);
  });
});

describe('fetchHistoryChunk', () => {
  const start = parseHaTime('2026-01-01T00:00:00+00:00') ?? 0;
  const end = start + HOUR_US;

  it('asks for every change with full rows and no start-time state, 1 ms wider than the window', async () => {
    const { conn, sent } = fakeConnection(() => ({}));
    await fetchHistoryChunk({
      connection: conn,
      chunk: { start, end },
      entityIds: ['sensor.a'],
      source: 's',
      mode: 'backfill',
      receivedAt: 0,
    });
    expect(sent[0]).toEqual({
      type: 'history/history_during_period',
      params: {
        start_time: '2025-12-31T23:59:59.999000+00:00',
        end_time: '2026-01-01T01:00:00.001000+00:00',
        entity_ids: ['sensor.a'],
        include_start_time_state: false,
        significant_changes_only: false,
        minimal_response: false,
        no_attributes: false,
      },
    });
  });

  it('keeps rows in [start, end), sorted by time, and returns bad rows separately', async () => {
    const s = start / 1e6;
    const { conn } = fakeConnection(() => ({
      'sensor.a': [
        { s: '2', a: {}, lu: s + 10 },
        { s: 'edge', a: {}, lu: s },
        { s: 'too-late', a: {}, lu: s + 3600 },
      ],
      'sensor.b': [{ s: '1', a: {}, lu: s + 5 }, 'garbage'],
    }));
    const result = await fetchHistoryChunk({
      connection: conn,
      chunk: { start, end },
      entityIds: ['sensor.a', 'sensor.b'],
      source: 's',
      mode: 'backfill',
      receivedAt: 0,
    });
    expect(result.events.map((e) => `${e.entity_id}=${e.state}`)).toEqual([
      'sensor.a=edge',
      'sensor.b=1',
      'sensor.a=2',
    ]);
    expect(result.invalid).toEqual([{ entityId: 'sensor.b', row: 'garbage' }]);
  });

  it('does not query HA for an empty entity list', async () => {
    const { conn, sent } = fakeConnection(() => ({}));
    await fetchHistoryChunk({
      connection: conn,
      chunk: { start, end: undefined },
      entityIds: [],
      source: 's',
      mode: 'backfill',
      receivedAt: 0,
    });
    expect(sent).toEqual([]);
  });
});

describe('entitiesInScope', () => {
  it('uses the configured list or every entity from get_states', async () => {
    const { conn, sent } = fakeConnection(() => [
      { entity_id: 'light.a', state: 'on' },
      { entity_id: 'sensor.b' },
      { nope: 1 },
    ]);
    expect(await entitiesInScope(conn, ['x.y'])).toEqual(['x.y']);
    expect(sent).toEqual([]);
    expect(await entitiesInScope(conn, undefined)).toEqual(['light.a', 'sensor.b']);
  });
});
