import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { createReportingGuard, noopLogger, parseOptions } from '@ha-ingestor/core';
import { WebSocketServer } from 'ws';
import { coreCommands } from './commands.js';
import { attachConnection, type Command, type FaultState, type SimConnection } from './connection.js';
import { createHomeGenerator } from './generator.js';
import { createSimClock } from './ha-time.js';
import { historyCommands } from './history-commands.js';
import { statisticsCommands } from './statistics-commands.js';
import { seedStatisticsScenario } from './statistics-scenario.js';
import { createStatisticsStore, type StatisticsStore } from './statistics-store.js';
import { createHome, type SimulatedHome } from './home.js';
import { HaSimulatorOptionsSchema, type HaSimulatorOptions } from './options.js';
import { createRng } from './prng.js';
import { createRecorder, rowFromState, type Recorder } from './recorder.js';
import type { EmittedEvent } from './types.js';

/** Fault injection switches (see the README). */
export interface SimulatorFaults {
  /** Destroys every socket without a close frame (the client sees 1006). */
  readonly dropConnections: () => void;
  /** Stops answering app-level `ping` commands and WS ping frames (a dead link from the client's view). */
  readonly ignorePings: (on: boolean) => void;
  /** Handles every incoming frame `ms` late (in order); 0 turns it off. */
  readonly delayResponses: (ms: number) => void;
  /** Sends a frame that is not valid JSON to every authenticated client. */
  readonly sendMalformedFrame: () => void;
  /** Answers every auth with auth_invalid. */
  readonly refuseAuth: (on: boolean) => void;
  /**
   * Answers `subscribe_events` for these event types with `unauthorized` (HA's answer to a non-admin user
   * asking for a type outside its allowlist); an empty list turns it off. Existing subscriptions are kept.
   */
  readonly refuseSubscriptions: (eventTypes: readonly string[]) => void;
  /**
   * Closes every connection (close frame 1000) and the listener, runs `whileDown` (e.g. change
   * states nobody sees live), then listens again on the same port; states and recorder are kept.
   */
  readonly restart: (options?: { whileDown?: () => void | Promise<void> }) => Promise<void>;
}

/**
 * A running HA simulator. `setState`, `addEntity`, `removeEntity` and `fireEvent` are its home's (see
 * {@link SimulatedHome}), reachable here for brevity.
 */
export interface HaSimulator extends Pick<SimulatedHome, 'setState' | 'addEntity' | 'removeEntity' | 'fireEvent'> {
  /** `ws://HOST:PORT/api/websocket`. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  readonly home: SimulatedHome;
  readonly recorder: Recorder;
  /** Long-term statistics (metadata, hourly rows, wire-format and fault switches) the recorder/* commands serve. */
  readonly statistics: StatisticsStore;
  /** Fires `recorder_hourly_statistics_generated`, as HA does after compiling an hour's statistics. */
  readonly fireHourlyStatisticsGenerated: () => void;
  /** Every event the simulator delivered, in order (bounded by `maxEmitted`). */
  readonly emitted: readonly EmittedEvent[];
  /** Generates at least `count` realistic events now (seeded); returns them. */
  readonly step: (count?: number) => EmittedEvent[];
  /** Generates events on a timer (`setInterval`, so fake timers drive it). */
  readonly startGenerator: (options: { ratePerSecond: number }) => void;
  /** Stops the timer started by `startGenerator`. */
  readonly stopGenerator: () => void;
  readonly faults: SimulatorFaults;
  /** Open websocket connections (authenticated or not; not counting ones being closed). */
  readonly connectionCount: () => number;
  /** Active subscriptions (every kind) over all connections. */
  readonly subscriptionCount: () => number;
  /** Called for every delivered event; returns an unsubscribe function. */
  readonly onEvent: (listener: (e: EmittedEvent) => void) => () => void;
  /** Closes every connection and the server. */
  readonly close: () => Promise<void>;
}

/**
 * Starts an HA simulator: a WebSocket server on `/api/websocket` that speaks HA's protocol over a
 * seeded simulated home.
 * @example
 * const sim = await createHaSimulator({ seed: 7, entityCount: 200 });
 * const conn = await connect(sim.url, sim.token);   // any HA websocket client
 * sim.step(100);
 * await sim.close();
 */
export async function createHaSimulator(input: HaSimulatorOptions = {}): Promise<HaSimulator> {
  const { now = Date.now, logger = noopLogger, ...data } = input;
  const options = parseOptions(HaSimulatorOptionsSchema, data, 'ha-simulator');
  // Issue 11: every timer and socket callback of the simulator is guarded; a throw is logged, never fatal.
  const guard = createReportingGuard((error) => logger.error({ err: error }, error.message), 'simulator');
  const rng = createRng(options.seed);
  // While seeding history the clock is moved back; afterwards it is the injected one again.
  let seedNowMs: number | undefined;
  const clock = createSimClock(() => seedNowMs ?? now(), rng.fork(11));
  const seedHours = options.seedHistory.hours;
  if (seedHours > 0) seedNowMs = now() - seedHours * 3_600_000;
  const home = createHome({
    entityCount: options.entityCount,
    haVersion: options.haVersion,
    timeZone: options.timeZone,
    clock,
    rng: rng.fork(12),
    maxEmitted: options.maxEmitted,
  });
  const recorder = createRecorder(home.bus, options.historyDays);
  for (const s of home.getStates()) recorder.record({ entityId: s.entity_id, ...rowFromState(s) });
  const generator = createHomeGenerator(home, rng.fork(13));
  if (seedNowMs !== undefined) {
    const end = now();
    const gapMs = 3_600_000 / options.seedHistory.eventsPerHour;
    const seedRng = rng.fork(15);
    while (seedNowMs < end) {
      generator.action();
      seedNowMs += gapMs * (0.5 + seedRng.next());
    }
    seedNowMs = undefined;
    home.bus.emitted.splice(0); // history from before the start: in the recorder, not "emitted"
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const faultState: FaultState = {
    ignorePings: false,
    delayMs: 0,
    refuseAuth: false,
    refusedEventTypes: new Set(),
  };
  const connections = new Set<SimConnection>();
  const statistics = createStatisticsStore();
  if (options.seedStatistics.hours > 0)
    seedStatisticsScenario(statistics, home, { hours: options.seedStatistics.hours, endMs: clock.nowMs() });
  const commands = new Map<string, Command>([
    ...coreCommands({ home, faults: faultState, rng: rng.fork(14) }),
    ...historyCommands({ home, recorder, options, guard, purge: () => recorder.purge(clock.nowMs() * 1000) }),
    ...statisticsCommands({ home, store: statistics }),
  ]);

  const wss = new WebSocketServer({
    noServer: true,
    autoPong: false,
    perMessageDeflate: options.perMessageDeflate,
    maxPayload: 16 * 1024 * 1024,
  });
  const onUpgrade = guard(
    'upgrade',
    (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if ((req.url ?? '').split('?')[0] !== '/api/websocket') {
        socket.end(
          'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\n404: Not Found',
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const conn = attachConnection(ws, {
          options,
          token,
          userId: home.userId,
          faults: faultState,
          logger,
          commands,
          onClosed: (c) => connections.delete(c),
        });
        connections.add(conn);
      });
    },
    (_error, _req, socket) => {
      socket.destroy();
    },
  );
  let server = await listen(options.port, options.host, onUpgrade);
  const port = (server.address() as { port: number }).port;

  // HA's websocket is up before homeassistant_start: early clients see STARTING, then the start events.
  let startingTimer: NodeJS.Timeout | undefined;
  const beginStartup = (): void => {
    if (options.startingMs === 0) return;
    home.config.state = 'STARTING';
    startingTimer = setTimeout(
      guard('startup', () => {
        startingTimer = undefined;
        home.fireEvent('homeassistant_start', {});
        home.config.state = 'RUNNING';
        home.fireEvent('homeassistant_started', {});
      }),
      options.startingMs,
    );
  };
  beginStartup();

  let generatorTimer: NodeJS.Timeout | undefined;
  const stopGenerator = (): void => {
    if (generatorTimer !== undefined) clearInterval(generatorTimer);
    generatorTimer = undefined;
  };
  const purgeTimer = setInterval(
    guard('recorder purge', () => recorder.purge(clock.nowMs() * 1000)),
    3_600_000,
  );
  purgeTimer.unref();

  // HA closes every connection with a close frame on stop; a client that does not answer is cut.
  const closeAll = async (): Promise<void> => {
    const all = [...connections];
    for (const c of all) c.cancel('Home Assistant is stopping');
    await Promise.race([Promise.all(all.map((c) => c.closed)), delay(1000)]);
    for (const c of all) c.terminate();
    connections.clear();
    const closing = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    server.closeAllConnections(); // idle keep-alive HTTP clients would hold close() open
    await closing;
  };

  return {
    url: `ws://${options.host}:${port}/api/websocket`,
    token,
    port,
    home,
    recorder,
    statistics,
    fireHourlyStatisticsGenerated: () => void home.fireEvent('recorder_hourly_statistics_generated', {}),
    emitted: home.bus.emitted,
    setState: home.setState,
    addEntity: home.addEntity,
    removeEntity: home.removeEntity,
    fireEvent: home.fireEvent,
    step: (count = 1) => generator.step(count),
    startGenerator: ({ ratePerSecond }) => {
      stopGenerator();
      if (!(ratePerSecond > 0)) return;
      // Fixed ticks (not wall-clock deltas) keep it deterministic under fake timers.
      const tickMs = Math.max(10, Math.floor(1000 / ratePerSecond));
      const perTick = (ratePerSecond * tickMs) / 1000;
      let budget = 0;
      generatorTimer = setInterval(
        guard('generator', () => {
          budget += perTick;
          const n = Math.floor(budget);
          if (n > 0) budget -= generator.step(n).length;
        }),
        tickMs,
      );
    },
    stopGenerator,
    faults: {
      dropConnections: () => {
        for (const c of [...connections]) c.terminate();
      },
      ignorePings: (on) => {
        faultState.ignorePings = on;
      },
      delayResponses: (ms) => {
        faultState.delayMs = Math.max(0, ms);
      },
      sendMalformedFrame: () => {
        for (const c of connections)
          if (c.isAuthenticated()) c.sendRaw('{"id": 1, "type": "event", "event": {"event_type": "state_chan');
      },
      refuseAuth: (on) => {
        faultState.refuseAuth = on;
      },
      refuseSubscriptions: (eventTypes) => {
        faultState.refusedEventTypes = new Set(eventTypes);
      },
      restart: async (o = {}) => {
        if (startingTimer !== undefined) clearTimeout(startingTimer);
        await closeAll();
        await o.whileDown?.();
        beginStartup();
        server = await listen(port, options.host, onUpgrade);
      },
    },
    connectionCount: () => [...connections].filter((c) => !c.isClosing()).length,
    subscriptionCount: () => [...connections].reduce((n, c) => n + c.subscriptions.size, 0),
    onEvent: (listener) =>
      home.bus.listen('*', (e) => {
        try {
          listener(e);
        } catch (err) {
          logger.error({ err }, 'simulator onEvent listener threw');
        }
      }),
    close: async () => {
      stopGenerator();
      if (startingTimer !== undefined) clearTimeout(startingTimer);
      clearInterval(purgeTimer);
      await closeAll();
      wss.close();
      recorder.close();
    },
  };
}

// --- internal ---

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });
}

async function listen(
  port: number,
  host: string,
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
): Promise<Server> {
  const server = createServer((req, res) => {
    // aiohttp's WebSocketResponse.prepare() on a request without Upgrade: 400.
    if ((req.url ?? '').split('?')[0] === '/api/websocket') {
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end(`No WebSocket UPGRADE hdr: ${req.headers.upgrade ?? 'None'}\n Can "Upgrade" only to "WebSocket".`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
  });
  // guard-exempt: the caller made onUpgrade with guard()
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
