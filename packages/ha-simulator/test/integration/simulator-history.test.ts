// history/history_during_period and history/stream over the wire, with an injected clock.
import { afterEach, describe, expect, it } from 'vitest';
import { createHaSimulator, type HaSimulator } from '../../src/index.js';
import { openAuthed, type RawClient } from './simulator-support.js';

const TOKEN = 'history-token';
const T0 = Date.UTC(2026, 5, 1, 12); // ms
let now = T0;
let sim: HaSimulator | undefined;
let client: RawClient | undefined;

async function start(): Promise<{ s: HaSimulator; c: RawClient }> {
  now = T0;
  sim = await createHaSimulator({ seed: 9, token: TOKEN, now: () => now, streamCoalesceMs: 20 });
  client = await openAuthed(sim.url, TOKEN);
  return { s: sim, c: client };
}
const iso = (ms: number): string => new Date(ms).toISOString();
const result = async (c: RawClient, id: number): Promise<Record<string, unknown>> =>
  c.waitFor((m) => m.id === id && m.type === 'result');

afterEach(async () => {
  client?.ws.terminate();
  client = undefined;
  await sim?.close();
  sim = undefined;
});

describe('history/history_during_period', () => {
  it('returns the recorded changes with HA semantics', async () => {
    const { s, c } = await start();
    now = T0 + 60_000;
    s.setState('sensor.outdoor_temperature', '10.5');
    now = T0 + 120_000;
    s.setState('sensor.outdoor_temperature', '10.5', {
      ...s.home.getState('sensor.outdoor_temperature')?.attributes,
      note: 'attr only',
    });
    now = T0 + 180_000;
    s.setState('sensor.outdoor_temperature', '11');
    now = T0 + 240_000;
    c.send({
      id: 1,
      type: 'history/history_during_period',
      start_time: iso(T0 + 30_000),
      entity_ids: ['sensor.outdoor_temperature', 'sensor.not_recorded'],
    });
    const res = (await result(c, 1)).result as Record<string, { s: string; lu: number; a?: unknown; lc?: number }[]>;
    expect(Object.keys(res)).toEqual(['sensor.outdoor_temperature']);
    const rows = res['sensor.outdoor_temperature'] ?? [];
    expect(rows.map((r) => r.s)).toEqual(['8.3', '10.5', '11']);
    expect(rows[0]?.lu).toBe((T0 + 30_000) / 1000);
    expect(rows.every((r) => r.lc === undefined)).toBe(true);

    c.send({
      id: 2,
      type: 'history/history_during_period',
      start_time: iso(T0 + 30_000),
      entity_ids: ['sensor.outdoor_temperature'],
      significant_changes_only: false,
      include_start_time_state: false,
      minimal_response: false,
      no_attributes: false,
    });
    const full =
      ((await result(c, 2)).result as Record<string, { s: string; lu: number; lc?: number }[]>)[
        'sensor.outdoor_temperature'
      ] ?? [];
    expect(full.map((r) => r.s)).toEqual(['10.5', '10.5', '11']);
    expect(full[1]?.lc).toBe(full[0]?.lu);
  });

  it('answers bad parameters with HA error codes and a future start with {}', async () => {
    const { c } = await start();
    c.send({ id: 1, type: 'history/history_during_period', start_time: 'yesterday', entity_ids: ['sun.sun'] });
    c.send({
      id: 2,
      type: 'history/history_during_period',
      start_time: iso(T0),
      end_time: 'x',
      entity_ids: ['sun.sun'],
    });
    c.send({ id: 3, type: 'history/history_during_period', start_time: iso(T0), entity_ids: ['Not An Entity'] });
    c.send({ id: 4, type: 'history/history_during_period', start_time: iso(T0 + 3_600_000), entity_ids: ['sun.sun'] });
    c.send({ id: 5, type: 'history/history_during_period', start_time: iso(T0) });
    const errs = await Promise.all([1, 2, 3].map(async (id) => (await result(c, id)).error));
    expect(errs).toEqual([
      { code: 'invalid_start_time', message: 'Invalid start_time' },
      { code: 'invalid_end_time', message: 'Invalid end_time' },
      { code: 'invalid_entity_ids', message: 'Invalid entity_ids' },
    ]);
    expect((await result(c, 4)).result).toEqual({});
    expect((await result(c, 5)).error).toEqual({
      code: 'invalid_format',
      message: "required key not provided @ data['entity_ids']. Got None",
    });
  });

  it('reads naive times in the configured time zone', async () => {
    const { s, c } = await start();
    now = T0 + 60_000;
    s.setState('sensor.outdoor_temperature', '12');
    now = T0 + 120_000;
    // 14:00:30 in Europe/Amsterdam (CEST, +02:00) is 12:00:30 UTC.
    c.send({
      id: 1,
      type: 'history/history_during_period',
      start_time: '2026-06-01 14:00:30',
      entity_ids: ['sensor.outdoor_temperature'],
      include_start_time_state: false,
    });
    const rows = ((await result(c, 1)).result as Record<string, { s: string }[]>)['sensor.outdoor_temperature'];
    expect(rows?.map((r) => r.s)).toEqual(['12']);
  });

  it('records a removed entity as an empty state', async () => {
    const { s, c } = await start();
    now = T0 + 1000;
    s.removeEntity('switch.coffee_machine');
    now = T0 + 2000;
    c.send({
      id: 1,
      type: 'history/history_during_period',
      start_time: iso(T0),
      entity_ids: ['switch.coffee_machine'],
      include_start_time_state: false,
    });
    expect(
      ((await result(c, 1)).result as Record<string, { s: string }[]>)['switch.coffee_machine']?.map((r) => r.s),
    ).toEqual(['']);
  });
});

describe('seeded history', () => {
  it('serves hours of generated past activity from the recorder, none of it in emitted', async () => {
    now = T0;
    sim = await createHaSimulator({
      seed: 4,
      token: TOKEN,
      now: () => now,
      seedHistory: { hours: 2, eventsPerHour: 1200 },
    });
    client = await openAuthed(sim.url, TOKEN);
    expect(sim.emitted).toEqual([]);
    const ids = sim.home.entityIds();
    client.send({
      id: 1,
      type: 'history/history_during_period',
      start_time: iso(T0 - 2 * 3_600_000),
      end_time: iso(T0),
      entity_ids: ids,
      significant_changes_only: false,
      include_start_time_state: false,
    });
    const res = (await result(client, 1)).result as Record<string, { lu: number }[]>;
    const rows = Object.values(res).flat();
    expect(rows.length).toBeGreaterThan(1500);
    expect(rows.every((r) => r.lu * 1000 >= T0 - 2 * 3_600_000 - 3_600_000 && r.lu * 1000 < T0)).toBe(true);
    expect(Math.min(...rows.map((r) => r.lu))).toBeLessThan((T0 - 3_600_000) / 1000);
    // The live clock takes over afterwards.
    const e = sim.setState('sensor.outdoor_temperature', '1');
    expect(e.timeFiredMicros).toBeGreaterThanOrEqual(T0 * 1000);
  });
});

describe('history/stream', () => {
  it('sends result, a historical batch, then coalesced live batches of significant changes', async () => {
    const { s, c } = await start();
    now = T0 + 60_000;
    s.setState('sensor.outdoor_temperature', '10');
    now = T0 + 120_000;
    c.send({
      id: 1,
      type: 'history/stream',
      start_time: iso(T0 - 3_600_000),
      entity_ids: ['sensor.outdoor_temperature'],
      include_start_time_state: false,
      significant_changes_only: false,
    });
    await c.waitFor((m) => m.id === 1 && m.type === 'event');
    const [res, hist] = c.messages().filter((m) => m.id === 1);
    expect(res).toMatchObject({ type: 'result', success: true, result: null });
    const batch = hist?.event as {
      states: Record<string, { s: string; lu: number }[]>;
      start_time: number;
      end_time: number;
    };
    expect(batch.start_time).toBe((T0 - 3_600_000) / 1000);
    expect(batch.states['sensor.outdoor_temperature']?.map((r) => r.s)).toEqual(['8.3', '10']);
    expect(batch.end_time).toBe(batch.states['sensor.outdoor_temperature']?.at(-1)?.lu);

    now = T0 + 130_000;
    s.setState('sensor.outdoor_temperature', '10', {
      ...s.home.getState('sensor.outdoor_temperature')?.attributes,
      extra: 1,
    }); // attribute-only row
    s.setState('sensor.outdoor_temperature', '11');
    s.setState('sensor.outdoor_temperature', '12');
    const live = await c.waitFor((m) => m.id === 1 && m.type === 'event' && !('start_time' in (m.event as object)));
    const rows = (live.event as { states: Record<string, { s: string; a?: unknown; lu: number }[]> }).states[
      'sensor.outdoor_temperature'
    ];
    expect(rows?.map((r) => r.s)).toEqual(['10', '11', '12']);
    expect(Object.keys(live.event as object)).toEqual(['states']);
  });

  it('filters attribute-only changes from live batches when significant_changes_only is on', async () => {
    const { s, c } = await start();
    c.send({ id: 1, type: 'history/stream', start_time: iso(T0 - 60_000), entity_ids: ['sensor.outdoor_temperature'] });
    await c.waitFor((m) => m.id === 1 && m.type === 'event');
    now = T0 + 10_000;
    s.setState('sensor.outdoor_temperature', '8.3', {
      ...s.home.getState('sensor.outdoor_temperature')?.attributes,
      extra: 1,
    });
    s.setState('sensor.outdoor_temperature', '7');
    const live = await c.waitFor((m) => m.id === 1 && m.type === 'event' && !('start_time' in (m.event as object)));
    const rows = (live.event as { states: Record<string, { s: string; a?: unknown; lu: number; lc?: number }[]> })
      .states['sensor.outdoor_temperature'];
    expect(rows?.map((r) => r.s)).toEqual(['7']);
    expect(rows?.[0]?.lc).toBeUndefined();
    expect(rows?.[0]?.a).toEqual(s.home.getState('sensor.outdoor_temperature')?.attributes);
  });

  it('with end_time in the past sends result and one batch only', async () => {
    const { s, c } = await start();
    now = T0 + 60_000;
    s.setState('sensor.outdoor_temperature', '10');
    now = T0 + 120_000;
    c.send({
      id: 1,
      type: 'history/stream',
      start_time: iso(T0),
      end_time: iso(T0 + 90_000),
      entity_ids: ['sensor.outdoor_temperature'],
    });
    const ev = await c.waitFor((m) => m.id === 1 && m.type === 'event');
    const batch = ev.event as { states: Record<string, { lu: number }[]>; end_time: number };
    expect(batch.end_time).toBe(batch.states['sensor.outdoor_temperature']?.at(-1)?.lu);
    s.setState('sensor.outdoor_temperature', '99');
    c.send({ id: 2, type: 'unsubscribe_events', subscription: 1 });
    await result(c, 2);
    expect(c.messages().filter((m) => m.id === 1).length).toBe(2);
    expect((await result(c, 2)).success).toBe(true);
  });

  it('sends an empty batch without registering a subscription when nothing changed after start_time', async () => {
    const { c } = await start();
    now = T0 + 120_000;
    c.send({
      id: 1,
      type: 'history/stream',
      start_time: iso(T0 + 10_000),
      end_time: iso(T0 + 60_000),
      entity_ids: ['sun.sun'],
      include_start_time_state: false,
    });
    const ev = await c.waitFor((m) => m.id === 1 && m.type === 'event');
    expect(ev.event).toEqual({ states: {}, start_time: (T0 + 10_000) / 1000, end_time: (T0 + 60_000) / 1000 });
    c.send({ id: 2, type: 'unsubscribe_events', subscription: 1 });
    expect((await c.waitFor((m) => m.id === 2)).error).toEqual({
      code: 'not_found',
      message: 'Subscription not found.',
    });
  });

  it('rejects a future start_time and an end_time before start_time', async () => {
    const { c } = await start();
    c.send({ id: 1, type: 'history/stream', start_time: iso(T0 + 60_000), entity_ids: ['sun.sun'] });
    c.send({
      id: 2,
      type: 'history/stream',
      start_time: iso(T0 - 60_000),
      end_time: iso(T0 - 120_000),
      entity_ids: ['sun.sun'],
    });
    expect((await result(c, 1)).error).toEqual({ code: 'invalid_start_time', message: 'Invalid start_time' });
    expect((await result(c, 2)).error).toEqual({ code: 'invalid_end_time', message: 'Invalid end_time' });
  });
});
