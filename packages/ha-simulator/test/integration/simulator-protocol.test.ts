// Raw-socket protocol tests: the exact frames HA sends, in HA's order, with HA's error texts.
import { createJsonLogger } from '@ha-ingestor/core';
import { waitFor } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createHaSimulator, type HaSimulator, type HaSimulatorOptions } from '../../src/index.js';
import { openAuthed, openRaw, type RawClient } from './simulator-support.js';

const TOKEN = 'protocol-token';
let sim: HaSimulator | undefined;
const clients: RawClient[] = [];

async function start(options: HaSimulatorOptions = {}): Promise<HaSimulator> {
  sim = await createHaSimulator({ seed: 5, token: TOKEN, ...options });
  return sim;
}
async function authed(s: HaSimulator, coalesce = false): Promise<RawClient> {
  const c = await openAuthed(s.url, TOKEN, { coalesce });
  clients.push(c);
  return c;
}
async function raw(s: HaSimulator): Promise<RawClient> {
  const c = await openRaw(s.url);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await sim?.close();
  sim = undefined;
});

describe('auth phase', () => {
  it('sends auth_required with ha_version at once, then auth_ok for the right token', async () => {
    const s = await start({ haVersion: '2025.1.0' });
    const c = await raw(s);
    expect(await c.waitFor((m) => m.type === 'auth_required')).toEqual({
      type: 'auth_required',
      ha_version: '2025.1.0',
    });
    c.send({ type: 'auth', access_token: TOKEN });
    expect(await c.waitFor((m) => m.type !== 'auth_required')).toEqual({ type: 'auth_ok', ha_version: '2025.1.0' });
  });

  it('answers a bad token with auth_invalid, then closes with 1000', async () => {
    const c = await raw(await start());
    c.send({ type: 'auth', access_token: 'nope' });
    expect(await c.waitFor((m) => m.type === 'auth_invalid')).toEqual({
      type: 'auth_invalid',
      message: 'Invalid access token or password',
    });
    expect((await c.closed).code).toBe(1000);
  });

  it('rejects an auth message with an id as incorrectly formatted', async () => {
    const c = await raw(await start());
    c.send({ type: 'auth', access_token: TOKEN, id: 1 });
    const m = await c.waitFor((x) => x.type === 'auth_invalid');
    expect(m.message).toBe("Auth message incorrectly formatted: extra keys not allowed @ data['id']. Got 1");
    expect((await c.closed).code).toBe(1000);
  });

  it('refuses every token while refuseAuth is on', async () => {
    const s = await start();
    s.faults.refuseAuth(true);
    const c = await raw(s);
    c.send({ type: 'auth', access_token: TOKEN });
    // The right token gets exactly what a wrong one gets: auth_invalid with HA's text, then close 1000.
    expect(await c.waitFor((m) => m.type === 'auth_invalid')).toEqual({
      type: 'auth_invalid',
      message: 'Invalid access token or password',
    });
    expect((await c.closed).code).toBe(1000);
    expect(c.messages().map((m) => m.type)).toEqual(['auth_required', 'auth_invalid']);
    s.faults.refuseAuth(false);
    const d = await authed(s);
    expect(d.messages().map((m) => m.type)).toEqual(['auth_required', 'auth_ok']);
    expect(s.connectionCount()).toBe(1);
  });

  it('answers subscribe_events with unauthorized for refused event types only, until turned off', async () => {
    const s = await start();
    s.faults.refuseSubscriptions(['recorder_hourly_statistics_generated']);
    const c = await authed(s);
    c.send({ id: 1, type: 'subscribe_events', event_type: 'recorder_hourly_statistics_generated' });
    expect(await c.waitFor((m) => m.id === 1)).toEqual({
      id: 1,
      type: 'result',
      success: false,
      error: { code: 'unauthorized', message: 'Unauthorized' },
    });
    c.send({ id: 2, type: 'subscribe_events', event_type: 'state_changed' });
    expect(await c.waitFor((m) => m.id === 2)).toMatchObject({ type: 'result', success: true });
    expect(s.subscriptionCount()).toBe(1);
    s.faults.refuseSubscriptions([]);
    c.send({ id: 3, type: 'subscribe_events', event_type: 'recorder_hourly_statistics_generated' });
    expect(await c.waitFor((m) => m.id === 3)).toMatchObject({ type: 'result', success: true });
    expect(s.subscriptionCount()).toBe(2);
  });

  it('closes without a reply when no auth message arrives within authTimeoutMs', async () => {
    const c = await raw(await start({ authTimeoutMs: 50 }));
    expect((await c.closed).code).toBe(1000);
    expect(c.messages().map((m) => m.type)).toEqual(['auth_required']);
  });

  it('closes without a reply on invalid JSON or a binary frame during auth', async () => {
    const s = await start();
    const a = await raw(s);
    a.send('{not json');
    expect((await a.closed).code).toBe(1000);
    const b = await raw(s);
    b.ws.send(Buffer.from([1, 2, 3]));
    expect((await b.closed).code).toBe(1000);
    expect([...a.messages(), ...b.messages()].map((m) => m.type)).toEqual(['auth_required', 'auth_required']);
  });
});

describe('command envelope', () => {
  it('rejects malformed envelopes with invalid_format, echoing the id', async () => {
    const c = await authed(await start());
    c.send({ id: 0, type: 'ping' });
    c.send({ id: '5', type: 'ping' });
    c.send({ id: 6 });
    c.send([7]);
    await c.waitForFrames(6);
    const errors = c.messages().filter((m) => m.type === 'result');
    expect(errors.map((m) => m.id)).toEqual([0, '5', 6, 0]);
    for (const e of errors)
      expect(e.error).toEqual({ code: 'invalid_format', message: 'Message incorrectly formatted.' });
  });

  it('answers a reused id with id_reuse and an unknown type with unknown_command, which does not spend the id', async () => {
    const c = await authed(await start());
    c.send({ id: 5, type: 'ping' });
    c.send({ id: 5, type: 'ping' });
    c.send({ id: 6, type: 'no_such_command' });
    c.send({ id: 6, type: 'ping' });
    c.send({ id: 7, type: 'get_states', extra: 1 });
    c.send({ id: 7, type: 'ping' });
    await c.waitForFrames(8);
    const after = c.messages().slice(2);
    expect(after).toEqual([
      { id: 5, type: 'pong' },
      {
        id: 5,
        type: 'result',
        success: false,
        error: { code: 'id_reuse', message: 'Identifier values have to increase.' },
      },
      { id: 6, type: 'result', success: false, error: { code: 'unknown_command', message: 'Unknown command.' } },
      { id: 6, type: 'pong' },
      {
        id: 7,
        type: 'result',
        success: false,
        error: {
          code: 'invalid_format',
          message: "extra keys not allowed. Got {'id': 7, 'type': 'get_states', 'extra': 1}",
        },
      },
      {
        id: 7,
        type: 'result',
        success: false,
        error: { code: 'id_reuse', message: 'Identifier values have to increase.' },
      },
    ]);
  });

  it('reports schema errors with voluptuous texts', async () => {
    const c = await authed(await start());
    c.send({ id: 1, type: 'subscribe_events', event_type: 100 });
    c.send({ id: 2, type: 'unsubscribe_events' });
    c.send({ id: 3, type: 'call_service', domain: 'light', service: 'turn_on', bogus: true });
    await c.waitForFrames(5);
    expect(
      c
        .messages()
        .slice(2)
        .map((m) => (m.error as { message: string }).message),
    ).toEqual([
      "expected str for dictionary value @ data['event_type']. Got 100",
      "required key not provided @ data['subscription']. Got None",
      "extra keys not allowed @ data['bogus']. Got True",
    ]);
  });

  it('closes the connection without a reply on invalid JSON in the command phase', async () => {
    const s = await start();
    const c = await authed(s);
    c.send({ id: 1, type: 'subscribe_events' });
    await c.waitFor((m) => m.id === 1);
    c.send('{"id": 2, "type": "ping"');
    expect((await c.closed).code).toBe(1000);
    expect(c.messages().filter((m) => m.id === 2)).toEqual([]);
    await waitFor(() => s.subscriptionCount() === 0, 'subscriptions gone', { timeoutMs: 3000 });
  });

  it('handles a JSON array from the client as separate commands', async () => {
    const c = await authed(await start());
    c.send([
      { id: 1, type: 'ping' },
      { id: 2, type: 'ping' },
    ]);
    await c.waitFor((m) => m.id === 2);
    expect(c.messages().slice(2)).toEqual([
      { id: 1, type: 'pong' },
      { id: 2, type: 'pong' },
    ]);
  });
});

describe('coalescing', () => {
  it('sends the subscribe_entities result and its snapshot as one array frame once enabled', async () => {
    const s = await start();
    const c = await authed(s, true);
    c.send({ id: 2, type: 'subscribe_entities', entity_ids: ['sun.sun'] });
    await c.waitFor((m) => m.id === 2 && m.type === 'event');
    const frame = c.frames.at(-1);
    expect(Array.isArray(frame)).toBe(true);
    expect((frame as Record<string, unknown>[]).map((m) => m.type)).toEqual(['result', 'event']);
  });

  it('sends one message per frame without supported_features', async () => {
    const c = await authed(await start());
    c.send({ id: 2, type: 'subscribe_entities', entity_ids: ['sun.sun'] });
    await c.waitFor((m) => m.id === 2 && m.type === 'event');
    expect(c.frames.every((f) => !Array.isArray(f))).toBe(true);
  });

  it('turns coalescing on by key presence, even with value 0', async () => {
    const c = await authed(await start());
    c.send({ id: 1, type: 'supported_features', features: { coalesce_messages: 0 } });
    await c.waitFor((m) => m.id === 1);
    c.send({ id: 2, type: 'subscribe_entities', entity_ids: ['sun.sun'] });
    await c.waitFor((m) => m.id === 2 && m.type === 'event');
    expect(Array.isArray(c.frames.at(-1))).toBe(true);
  });
});

describe('subscriptions', () => {
  it('serves per-type subscriptions before match-all ones, and unsubscribes any kind', async () => {
    const s = await start();
    const c = await authed(s);
    c.send({ id: 1, type: 'subscribe_events' });
    c.send({ id: 2, type: 'subscribe_events', event_type: 'state_changed' });
    c.send({ id: 3, type: 'subscribe_entities' });
    await c.waitFor((m) => m.id === 3 && m.type === 'event');
    s.setState('sensor.outdoor_temperature', '1.5');
    await c.waitFor((m) => m.id === 1 && m.type === 'event');
    const events = c
      .messages()
      .filter((m) => m.type === 'event' && (m.event as Record<string, unknown>).a === undefined);
    expect(events.map((m) => m.id)).toEqual([2, 3, 1]);
    c.send({ id: 4, type: 'unsubscribe_events', subscription: 3 });
    c.send({ id: 5, type: 'unsubscribe_events', subscription: 3 });
    await c.waitFor((m) => m.id === 5);
    expect(
      c
        .messages()
        .filter((m) => m.id === 4 || m.id === 5)
        .map((m) => m.success),
    ).toEqual([true, false]);
    expect(c.messages().find((m) => m.id === 5)?.error).toEqual({
      code: 'not_found',
      message: 'Subscription not found.',
    });
    expect(s.subscriptionCount()).toBe(2);
  });

  it('filters subscribe_entities by include/exclude as HA entity filters', async () => {
    const s = await start();
    const c = await authed(s);
    c.send({
      id: 1,
      type: 'subscribe_entities',
      include: { domains: ['light'] },
      exclude: { entities: ['light.garden_path'] },
    });
    const snap = await c.waitFor((m) => m.id === 1 && m.type === 'event');
    expect(Object.keys((snap.event as { a: object }).a).sort()).toEqual([
      'light.bedroom_lamp',
      'light.kitchen_spots',
      'light.living_room_ceiling',
    ]);
    s.setState('sensor.outdoor_temperature', '2');
    s.setState('light.garden_path', 'on');
    s.setState('light.kitchen_spots', 'on');
    const diff = await c.waitFor((m) => m.id === 1 && m.type === 'event' && 'c' in (m.event as object));
    expect(Object.keys((diff.event as { c: object }).c)).toEqual(['light.kitchen_spots']);
  });

  it('never delivers state_reported for identical re-reports, and refuses subscribing to it', async () => {
    const s = await start();
    const c = await authed(s);
    c.send({ id: 1, type: 'subscribe_events' });
    c.send({ id: 2, type: 'subscribe_events', event_type: 'state_reported' });
    await c.waitFor((m) => m.id === 2);
    expect(c.messages().find((m) => m.id === 2)?.error).toMatchObject({ code: 'unknown_error' });
    const before = s.home.getState('sensor.office_co2');
    const reported = s.setState('sensor.office_co2', before?.state ?? '', before?.attributes);
    expect(reported.delivered).toBe(false);
    expect(s.home.getState('sensor.office_co2')?.last_reported).not.toBe(before?.last_reported);
    const marker = s.fireEvent('marker', {});
    const got = await c.waitFor((m) => m.id === 1 && m.type === 'event');
    expect(got.event).toEqual(marker.event);
  });
});

describe('slow clients and heartbeat', () => {
  it('disconnects a client that lets max pending messages pile up', async () => {
    const errors: string[] = [];
    const logger = createJsonLogger({ level: 'error', write: (line) => errors.push(line) });
    const s = await start({
      pendingLimits: { max: 40, peak: 30, peakMs: 60_000 },
      writeBufferBytes: 256,
      closeTimeoutMs: 200,
      logger,
    });
    const c = await authed(s);
    c.send({ id: 1, type: 'subscribe_events' });
    await c.waitFor((m) => m.id === 1);
    c.ws.pause();
    const big = 'x'.repeat(64 * 1024);
    let produced = 0;
    for (; produced < 400 && s.connectionCount() > 0; produced++) s.setState('sensor.bulk', String(produced), { big });
    await waitFor(() => s.connectionCount() === 0, 'slow client cut', { timeoutMs: 5000 });
    // Cut at once when the limit is reached (MAX_PENDING_MSG), not by the peak timer (60 s here).
    expect(produced).toBeLessThan(400);
    expect(errors.map((line) => JSON.parse(line) as { msg: string; pending: number })).toEqual([
      expect.objectContaining({
        msg: expect.stringContaining('Client unable to keep up with pending messages. Reached 40 pending messages.'),
        pending: 40,
      }),
    ]);
    c.ws.resume();
    await c.closed;
    expect(s.connectionCount()).toBe(0);
  });

  it('disconnects a client that stays above the peak for peakMs', async () => {
    const s = await start({
      pendingLimits: { max: 100_000, peak: 20, peakMs: 100 },
      writeBufferBytes: 256,
      closeTimeoutMs: 200,
    });
    const c = await authed(s);
    c.send({ id: 1, type: 'subscribe_events' });
    await c.waitFor((m) => m.id === 1);
    c.ws.pause();
    // ~40 MB: more than loopback socket buffers can absorb, so messages stay pending.
    const big = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 600; i++) s.setState('sensor.bulk', String(i), { big });
    expect(s.connectionCount()).toBe(1);
    await waitFor(() => s.connectionCount() === 0, 'peak exceeded', { timeoutMs: 5000 });
    c.ws.resume();
    await c.closed;
  });

  it('drops a client that does not answer WS pings (aiohttp heartbeat)', async () => {
    const s = await start({ heartbeatMs: 100 });
    const c = await openRaw(s.url, { autoPong: false });
    clients.push(c);
    expect((await c.closed).code).toBe(1006);
  });
});

describe('faults', () => {
  it('dropConnections destroys sockets without a close frame', async () => {
    const s = await start();
    const c = await authed(s);
    s.faults.dropConnections();
    expect((await c.closed).code).toBe(1006);
  });

  it('ignorePings stops pong replies to ping commands', async () => {
    const s = await start();
    const c = await authed(s);
    s.faults.ignorePings(true);
    c.send({ id: 1, type: 'ping' });
    c.send({ id: 2, type: 'get_config' });
    await c.waitFor((m) => m.id === 2);
    expect(c.messages().some((m) => m.id === 1)).toBe(false);
  });

  it('delayResponses keeps the order of answers', async () => {
    const s = await start();
    const c = await authed(s);
    s.faults.delayResponses(30);
    c.send({ id: 1, type: 'ping' });
    c.send({ id: 2, type: 'ping' });
    await c.waitFor((m) => m.id === 2);
    expect(
      c
        .messages()
        .slice(2)
        .map((m) => m.id),
    ).toEqual([1, 2]);
  });

  it('sendMalformedFrame sends a frame that is not JSON', async () => {
    const s = await start();
    const c = await authed(s);
    s.faults.sendMalformedFrame();
    await c.waitForFrames(3);
    expect(c.frames[2]).toBeUndefined();
    expect(() => JSON.parse(c.rawFrames[2] ?? '')).toThrow();
  });

  it('restart closes connections with 1000 and listens again on the same port with the same states', async () => {
    const s = await start();
    s.setState('sensor.outdoor_temperature', '4.2');
    const c = await authed(s);
    const restarted = s.faults.restart();
    expect((await c.closed).code).toBe(1000);
    await restarted;
    const d = await authed(s);
    d.send({ id: 1, type: 'get_states' });
    const res = await d.waitFor((m) => m.id === 1);
    expect(
      (res.result as { entity_id: string; state: string }[]).find((x) => x.entity_id === 'sensor.outdoor_temperature')
        ?.state,
    ).toBe('4.2');
  });

  it('restart runs whileDown between closing and listening again', async () => {
    const s = await start();
    const c = await authed(s);
    let countWhileDown = -1;
    await s.faults.restart({
      whileDown: () => {
        countWhileDown = s.connectionCount();
        s.setState('sensor.outdoor_temperature', '-7');
      },
    });
    expect(countWhileDown).toBe(0);
    expect((await c.closed).code).toBe(1000);
    const d = await authed(s);
    d.send({
      id: 1,
      type: 'history/history_during_period',
      start_time: new Date(Date.now() - 60_000).toISOString(),
      entity_ids: ['sensor.outdoor_temperature'],
      include_start_time_state: false,
    });
    const res = await d.waitFor((m) => m.id === 1);
    expect((res.result as Record<string, { s: string }[]>)['sensor.outdoor_temperature']?.map((r) => r.s)).toEqual([
      '-7',
    ]);
  });
});

describe('http', () => {
  it('answers 400 to plain HTTP on /api/websocket, 404 elsewhere, and close() does not wait for idle keep-alive clients', async () => {
    const s = await start();
    const base = s.url.replace('ws://', 'http://').replace('/api/websocket', '');
    expect((await fetch(`${base}/api/websocket`)).status).toBe(400);
    expect((await fetch(`${base}/`)).status).toBe(404);
    await expect(openRaw(`${s.url.replace('/api/websocket', '')}/websocket`)).rejects.toThrow(/404/);
    const closing = s.close();
    sim = undefined;
    await closing;
  });
});
