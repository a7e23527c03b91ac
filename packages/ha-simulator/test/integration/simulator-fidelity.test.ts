// Drives the simulator with the official home-assistant-js-websocket client (the one HA's frontend
// uses), proving that the simulator speaks HA's protocol as a real client expects it.
import {
  callService,
  createConnection,
  createLongLivedTokenAuth,
  ERR_CANNOT_CONNECT,
  ERR_INVALID_AUTH,
  getStates,
  getUser,
  subscribeEntities,
  type Connection,
  type ConnectionOptions,
  type HassEntities,
  type HassEvent,
  type HaWebSocket,
} from 'home-assistant-js-websocket';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator, STATISTICS_SCENARIO, type HaSimulator, type HaWireState } from '../../src/index.js';
import { withDeadline } from './simulator-support.js';

/**
 * The library's own createSocket needs a browser WebSocket. This one does the same auth handshake
 * over `ws` (auth on open, auth_invalid → ERR_INVALID_AUTH, auth_ok → supported_features when
 * HA ≥ 2022.9), without the library's retry loop: reconnects are driven by Connection itself.
 */
function nodeCreateSocket(options: ConnectionOptions): Promise<HaWebSocket> {
  const auth = options.auth;
  if (auth === undefined) return Promise.reject(new Error('auth required'));
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(auth.wsUrl, { perMessageDeflate: false });
    let invalidAuth = false;
    const onClose = (): void => reject(invalidAuth ? ERR_INVALID_AUTH : ERR_CANNOT_CONNECT);
    socket.on('error', () => undefined);
    socket.once('close', onClose);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', access_token: auth.accessToken })));
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(data.toString()) as { type: string; ha_version?: string };
      if (msg.type === 'auth_invalid') {
        invalidAuth = true;
        socket.close();
      } else if (msg.type === 'auth_ok') {
        socket.off('message', onMessage);
        socket.off('close', onClose);
        const haSocket = Object.assign(socket, { haVersion: msg.ha_version ?? '' });
        socket.send(JSON.stringify({ type: 'supported_features', id: 1, features: { coalesce_messages: 1 } }));
        resolve(haSocket as unknown as HaWebSocket);
      }
    };
    socket.on('message', onMessage);
  });
}

const connect = (sim: HaSimulator, token = sim.token): Promise<Connection> =>
  createConnection({
    auth: createLongLivedTokenAuth(sim.url.replace(/^ws/, 'http').replace('/api/websocket', ''), token),
    createSocket: nodeCreateSocket,
  });

/** The library's entity (ms ISO times) vs the simulator's state (µs, +00:00). */
function expectEntitiesMatch(entities: HassEntities, states: readonly HaWireState[]): void {
  expect(Object.keys(entities).sort()).toEqual(states.map((s) => s.entity_id).sort());
  for (const s of states) {
    const e = entities[s.entity_id];
    expect(e, s.entity_id).toBeDefined();
    if (e === undefined) continue;
    expect({ state: e.state, attributes: e.attributes, context: e.context }).toEqual({
      state: s.state,
      attributes: s.attributes,
      context: s.context,
    });
    expect(Math.abs(Date.parse(e.last_changed) - Date.parse(s.last_changed))).toBeLessThanOrEqual(1);
    expect(Math.abs(Date.parse(e.last_updated) - Date.parse(s.last_updated))).toBeLessThanOrEqual(1);
  }
}

describe('simulator driven by home-assistant-js-websocket', () => {
  let sim: HaSimulator;
  let conn: Connection | undefined;

  beforeEach(async () => {
    sim = await createHaSimulator({ seed: 11, token: 'fidelity-token', entityCount: 80 });
  });
  afterEach(async () => {
    conn?.close();
    conn = undefined;
    await sim.close();
  });

  it('authenticates with a valid token and reports the HA version', async () => {
    conn = await connect(sim);
    expect(conn.haVersion).toBe(sim.home.config.version);
    expect(conn.connected).toBe(true);
  });

  it('rejects an invalid token with ERR_INVALID_AUTH', async () => {
    await expect(connect(sim, 'wrong')).rejects.toBe(ERR_INVALID_AUTH);
    await waitFor(() => sim.connectionCount() === 0, 'server-side close', { timeoutMs: 3000 });
  });

  it('getUser returns the authenticated admin user', async () => {
    conn = await connect(sim);
    const user = await getUser(conn);
    expect(user).toMatchObject({ id: sim.home.userId, is_admin: true, is_owner: true });
  });

  it('getStates returns exactly the simulator states', async () => {
    conn = await connect(sim);
    sim.step(25);
    const states = await getStates(conn);
    expect(states).toEqual(sim.home.getStates());
    expect(states.length).toBeGreaterThanOrEqual(80);
  });

  it('subscribeEvents receives a fired event as the simulator emitted it', async () => {
    conn = await connect(sim);
    const received: HassEvent[] = [];
    await conn.subscribeEvents<HassEvent>((e) => void received.push(e), 'automation_triggered');
    const emitted = sim.fireEvent('automation_triggered', {
      name: 'Test, "quoted" 🤖',
      entity_id: 'automation.good_night',
      source: 'manual',
    });
    await waitFor(() => received.length === 1, 'event', { timeoutMs: 3000 });
    expect(received[0]).toEqual(emitted.event);
  });

  it('subscribeEntities converges on the simulator states after changes, attribute removal and entity removal', async () => {
    conn = await connect(sim);
    let latest: HassEntities = {};
    const unsubscribe = subscribeEntities(conn, (entities) => {
      latest = entities;
    });
    await waitFor(() => Object.keys(latest).length > 0, 'initial snapshot', { timeoutMs: 3000 });
    expectEntitiesMatch(latest, sim.home.getStates());

    const tv = sim.home.getState('media_player.living_room_tv');
    sim.setState('media_player.living_room_tv', 'playing', {
      ...tv?.attributes,
      media_title: 'Line\nbreak "x"',
      volume_level: 0.4,
    });
    sim.setState('media_player.living_room_tv', 'playing', {
      ...sim.home.getState('media_player.living_room_tv')?.attributes,
      volume_level: 0.5,
    }); // attribute-only
    sim.setState('media_player.living_room_tv', 'off', { friendly_name: 'Living room TV' }); // attributes removed
    sim.setState('sensor.outdoor_temperature', '9.1', undefined, {
      context: sim.home.newContext({ parentId: '01JDZZZZZZZZZZZZZZZZZZZZZZ', userId: sim.home.userId }),
    });
    sim.setState('sensor.outdoor_temperature', '9.1', undefined, { forceUpdate: true });
    sim.removeEntity('switch.garage_heater');
    sim.addEntity('sensor.new_probe', '1e3', { friendly_name: 'New, probe = "x"', nested: { a: [1, null] } });
    sim.step(40);
    await waitFor(
      () => latest['sensor.new_probe'] !== undefined && latest['switch.garage_heater'] === undefined,
      'changes applied',
      { timeoutMs: 3000 },
    );
    const expected = sim.home.getStates();
    // A failed match throws: waitFor observes again and, at the deadline, reports the last mismatch.
    await waitFor(
      () => {
        expectEntitiesMatch(latest, expected);
        return true;
      },
      'convergence',
      { timeoutMs: 3000 },
    );
    unsubscribe();
  });

  it('subscribeEvents (match-all) receives every emitted event once, in order, as emitted', async () => {
    conn = await connect(sim);
    const received: HassEvent[] = [];
    await conn.subscribeEvents<HassEvent>((e) => void received.push(e));
    const before = sim.emitted.length;
    sim.step(1000);
    const expected = sim.emitted.slice(before).map((e) => e.event);
    await waitFor(() => received.length >= expected.length, 'all events', { timeoutMs: 5000 });
    expect(received).toEqual(expected);
  });

  it('subscribeEntities stays equal to the simulator over 3,000 generated events', async () => {
    conn = await connect(sim);
    let latest: HassEntities = {};
    subscribeEntities(conn, (entities) => {
      latest = entities;
    });
    await waitFor(() => Object.keys(latest).length > 0, 'snapshot', { timeoutMs: 3000 });
    const marker = 'sensor.fidelity_marker';
    for (let i = 0; i < 6; i++) sim.step(500);
    sim.addEntity(marker, 'done');
    await waitFor(() => latest[marker] !== undefined, 'all changes', { timeoutMs: 5000 });
    expectEntitiesMatch(latest, sim.home.getStates());
  });

  it('callService changes the target, and its state_changed events (same context) arrive before the result', async () => {
    conn = await connect(sim);
    const order: string[] = [];
    const changes: HassEvent[] = [];
    await conn.subscribeEvents<HassEvent>((e) => {
      changes.push(e);
      order.push(`event:${e.event_type}`);
    });
    const result = (await callService(
      conn,
      'light',
      'turn_on',
      { brightness: 42 },
      { entity_id: 'light.kitchen_spots' },
    )) as { context: { id: string; user_id: string } };
    order.push('result');
    expect(sim.home.getState('light.kitchen_spots')?.state).toBe('on');
    expect(sim.home.getState('light.kitchen_spots')?.attributes.brightness).toBe(42);
    expect(order).toEqual(['event:call_service', 'event:state_changed', 'result']);
    expect(changes.map((e) => e.context.id)).toEqual([result.context.id, result.context.id]);
    expect(result.context.user_id).toBe(sim.home.userId);
    await expect(callService(conn, 'light', 'does_not_exist')).rejects.toMatchObject({
      code: 'not_found',
      translation_key: 'service_not_found',
    });
  });

  it('reconnects after dropped connections and resubscribes', async () => {
    conn = await connect(sim);
    const received: HassEvent[] = [];
    await conn.subscribeEvents<HassEvent>((e) => void received.push(e), 'call_service');
    let latest: HassEntities = {};
    subscribeEntities(conn, (entities) => {
      latest = entities;
    });
    await waitFor(() => Object.keys(latest).length > 0, 'snapshot', { timeoutMs: 3000 });
    const ready = withDeadline(
      new Promise<void>((resolve) => conn?.addEventListener('ready', () => resolve())),
      5000,
      'reconnect',
    );
    sim.faults.dropConnections();
    await ready;
    // 'ready' fires before the library re-sends its subscriptions.
    await waitFor(() => sim.subscriptionCount() === 2, 'resubscribed', { timeoutMs: 3000 });
    const emitted = sim.fireEvent('call_service', { domain: 'light', service: 'toggle', service_data: {} });
    sim.setState('sensor.outdoor_temperature', '-3.5');
    await waitFor(() => received.some((e) => e.context.id === emitted.event.context.id), 'event after reconnect', {
      timeoutMs: 3000,
    });
    await waitFor(() => latest['sensor.outdoor_temperature']?.state === '-3.5', 'entities after reconnect', {
      timeoutMs: 3000,
    });
    expect(sim.connectionCount()).toBe(1);
  });
});

describe('long-term statistics through home-assistant-js-websocket', () => {
  let sim: HaSimulator;
  let conn: Connection | undefined;
  const HOUR = 3_600_000;
  afterEach(async () => {
    conn?.close();
    conn = undefined;
    await sim.close();
  });

  it('list_statistic_ids, get_statistics_metadata and statistics_during_period answer with HA shapes', async () => {
    sim = await createHaSimulator({ seed: 3, entityCount: 10, seedStatistics: { hours: 30 } });
    conn = await connect(sim);
    const list = await conn.sendMessagePromise<Record<string, unknown>[]>({ type: 'recorder/list_statistic_ids' });
    const wind = list.find((m) => m['statistic_id'] === STATISTICS_SCENARIO.windDirection);
    expect(wind).toEqual({
      statistic_id: STATISTICS_SCENARIO.windDirection,
      display_unit_of_measurement: '°',
      has_mean: false,
      mean_type: 2,
      has_sum: false,
      name: null,
      source: 'recorder',
      statistics_unit_of_measurement: '°',
      unit_class: null,
    });
    // The entity displays kWh now; its statistics are stored in Wh.
    expect(list.find((m) => m['statistic_id'] === STATISTICS_SCENARIO.unitChange)).toMatchObject({
      display_unit_of_measurement: 'kWh',
      statistics_unit_of_measurement: 'Wh',
    });
    const sums = await conn.sendMessagePromise<Record<string, unknown>[]>({
      type: 'recorder/list_statistic_ids',
      statistic_type: 'sum',
    });
    expect(sums.every((m) => m['has_sum'] === true)).toBe(true);

    const meta = await conn.sendMessagePromise<Record<string, unknown>[]>({
      type: 'recorder/get_statistics_metadata',
      statistic_ids: [STATISTICS_SCENARIO.external, 'sensor.unknown_statistic'],
    });
    expect(meta.map((m) => m['statistic_id'])).toEqual([STATISTICS_SCENARIO.external]);

    const end = Math.floor(Date.now() / HOUR) * HOUR;
    const rows = await conn.sendMessagePromise<Record<string, Record<string, unknown>[]>>({
      type: 'recorder/statistics_during_period',
      start_time: new Date(end - 4 * HOUR).toISOString(),
      end_time: new Date(end).toISOString(),
      statistic_ids: [STATISTICS_SCENARIO.unitChange, STATISTICS_SCENARIO.noRows, 'sensor.unknown_statistic'],
      period: 'hour',
    });
    // Ids without rows (and unknown ids) are absent; without `units`, rows are in the display unit.
    expect(Object.keys(rows)).toEqual([STATISTICS_SCENARIO.unitChange]);
    const stored = sim.statistics.rows(STATISTICS_SCENARIO.unitChange).slice(-4);
    expect(rows[STATISTICS_SCENARIO.unitChange]).toEqual(
      stored.map((r) => ({
        start: r.start,
        end: r.start + HOUR,
        last_reset: null,
        max: null,
        mean: null,
        min: null,
        state: (r.state ?? 0) / 1000,
        sum: (r.sum ?? 0) / 1000,
        change: expect.any(Number) as unknown,
      })),
    );
    const inWh = await conn.sendMessagePromise<Record<string, Record<string, unknown>[]>>({
      type: 'recorder/statistics_during_period',
      start_time: new Date(end - 4 * HOUR).toISOString(),
      statistic_ids: [STATISTICS_SCENARIO.unitChange],
      period: 'hour',
      units: { energy: 'Wh' },
      types: ['sum'],
    });
    expect(inWh[STATISTICS_SCENARIO.unitChange]).toEqual(
      stored.map((r) => ({ start: r.start, end: r.start + HOUR, sum: r.sum })),
    );
    await expect(
      conn.sendMessagePromise({
        type: 'recorder/statistics_during_period',
        start_time: 'not a time',
        statistic_ids: ['sensor.x'],
        period: 'hour',
      }),
    ).rejects.toMatchObject({ code: 'invalid_start_time' });
  });

  it('older servers: ISO times with statistic_id per row, metadata without mean_type', async () => {
    sim = await createHaSimulator({ seed: 3, entityCount: 10, seedStatistics: { hours: 3 } });
    sim.statistics.format.timestamps = 'iso';
    sim.statistics.format.legacyMetadata = true;
    conn = await connect(sim);
    const list = await conn.sendMessagePromise<Record<string, unknown>[]>({ type: 'recorder/list_statistic_ids' });
    expect(list.find((m) => m['statistic_id'] === STATISTICS_SCENARIO.windDirection)).not.toHaveProperty('mean_type');
    const rows = await conn.sendMessagePromise<Record<string, Record<string, unknown>[]>>({
      type: 'recorder/statistics_during_period',
      start_time: '2000-01-01T00:00:00Z',
      statistic_ids: [STATISTICS_SCENARIO.temperature],
      period: 'hour',
      types: ['mean'],
    });
    const first = rows[STATISTICS_SCENARIO.temperature]?.[0];
    expect(first).toMatchObject({
      statistic_id: STATISTICS_SCENARIO.temperature,
      start: expect.stringMatching(/\+00:00$/) as unknown,
    });
  });

  it('fires recorder_hourly_statistics_generated to subscribers', async () => {
    sim = await createHaSimulator({ seed: 3, entityCount: 5 });
    conn = await connect(sim);
    const seen: string[] = [];
    await conn.subscribeEvents((e: HassEvent) => seen.push(e.event_type), 'recorder_hourly_statistics_generated');
    sim.fireHourlyStatisticsGenerated();
    await waitFor(() => seen.length, 'hourly statistics event', { until: (n) => n === 1, timeoutMs: 3000 });
  });
});
