import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createReportingGuard, type Logger, type PipelineStats } from '@ha-ingestor/core';
import { createStatestreamPublisher, type StatestreamPublisher } from '@ha-ingestor/source-mqtt';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { resolveConfig } from './config.js';
import { startService, stopOnSignals } from './service.js';
import { finalSummary, liveLine, lostCount } from './summary.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  readonly forSeconds?: number;
  readonly port?: number;
  readonly dataDir?: string;
  readonly ratePerSecond?: number;
  readonly logger: Logger;
  readonly version: string;
  /** Where the human-readable output goes (stdout). */
  readonly print: (line: string) => void;
}

/**
 * The full system with no external services: the HA simulator as the WebSocket source, an embedded MQTT
 * broker (aedes) to which the simulator also publishes mqtt_statestream, the file sink, and the HTTP API.
 * Resolves with the final stats and whether the run was clean (events written, none lost).
 */
export async function runDemo(options: DemoOptions): Promise<{ stats: PipelineStats; ok: boolean }> {
  const started = Date.now();
  // The demo-only broker loads here, never on the `run` path (it is a dependency only the demo uses).
  const { Aedes } = await import('aedes');
  const simulator = await createHaSimulator({ seed: 42 });
  const broker = await Aedes.createBroker();
  const mqttServer = createServer(broker.handle);
  await listen(mqttServer);
  const mqttPort = (mqttServer.address() as { port: number }).port;
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const publisher = await createStatestreamPublisher({
    url: mqttUrl,
    baseTopic: 'homeassistant',
    publishAttributes: true,
    publishTimestamps: true,
  });
  const unsubscribe = simulator.onEvent((emitted) => {
    // mqtt_statestream publishes state changes only, as HA does.
    const event: unknown = emitted.event;
    if (!isWireStateChanged(event)) return;
    publisher
      .publish(event)
      .catch((error: unknown) => options.logger.warn({ err: error }, 'statestream publish failed'));
  });

  const config = resolveConfig(
    {
      homeAssistant: { url: simulator.url, token: simulator.token },
      // aedes speaks MQTT 3.1.1 (protocol 4); Mosquitto takes 5.
      mqtt: {
        url: mqttUrl,
        topics: ['homeassistant/#'],
        format: 'auto',
        clientId: 'ha-ingestor-demo',
        protocolVersion: 4,
      },
      fileSink: { enabled: 'true' },
      dataDir: options.dataDir ?? join('data', 'demo'),
      http: { port: options.port ?? 8000 },
      pipeline: { batchTimeoutS: 1 },
    },
    {},
  );

  // Port 8000 by default; when it is taken and no --port was given, any free port (the URL is printed).
  const service = await startService(config, options.logger, { version: options.version }).catch((error: unknown) => {
    if (options.port !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return startService({ ...config, http: { ...config.http, port: 0 } }, options.logger, { version: options.version });
  });
  simulator.startGenerator({ ratePerSecond: options.ratePerSecond ?? 50 });

  // Issue 15: the first line is the page to open, so it is the one a person sees and can click.
  options.print(`Dashboard: ${service.url}/  (open it in a browser)`);
  options.print(`ha-ingestor demo ${options.version}`);
  options.print(`  HA simulator     ${simulator.url}`);
  options.print(`  MQTT broker      ${mqttUrl} (statestream under homeassistant/#)`);
  options.print(
    `  HTTP API         ${service.url}  (/health /ready /metrics /api/v1/events/recent /api/v1/events/stream /api/v1/stats)`,
  );
  options.print(`  data             ${config.dataDir} (events/, dead-letter.ndjson, outbox/, checkpoints/)`);
  options.print(options.forSeconds === undefined ? '  running until Ctrl-C' : `  running for ${options.forSeconds} s`);

  let lastReceived = 0;
  let lastAt = Date.now();
  let lastWrittenTime: number | undefined;
  // guard-exempt: pipeline.events listeners run inside the runtime's guarded emit (emitSafely reports a throw)
  service.ingestor.pipeline.events.on('written', (_sink, events) => {
    for (const e of events) {
      const t = (e as { time_fired?: unknown }).time_fired;
      if (typeof t === 'number' && (lastWrittenTime === undefined || t > lastWrittenTime)) lastWrittenTime = t;
    }
  });
  const guard = createReportingGuard((error) => options.logger.error({ err: error }, error.message), 'demo');
  const ticker = setInterval(
    guard('demo status line', () => {
      const stats = service.ingestor.pipeline.stats();
      const now = Date.now();
      const rate = ((stats.received - lastReceived) * 1000) / Math.max(1, now - lastAt);
      lastReceived = stats.received;
      lastAt = now;
      const lag = lastWrittenTime === undefined ? undefined : now - lastWrittenTime / 1000;
      options.print(liveLine(stats, rate, lag));
    }),
    1000,
  );

  try {
    const { stats, reason } = await stopOnSignals(
      service,
      options.logger,
      options.forSeconds === undefined ? undefined : options.forSeconds * 1000,
    );
    options.print(finalSummary(stats, (Date.now() - started) / 1000));
    const written = Object.values(stats.written).reduce((a, b) => a + b, 0);
    return { stats, ok: reason !== 'fatal' && written > 0 && lostCount(stats) === 0 };
  } finally {
    clearInterval(ticker);
    simulator.stopGenerator();
    unsubscribe();
    await publisher.close();
    await simulator.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => mqttServer.close(() => resolve()));
  }
}

// --- internal ---

type WireStateChanged = Parameters<StatestreamPublisher['publish']>[0];

function isWireStateChanged(event: unknown): event is WireStateChanged {
  if (event === null || typeof event !== 'object') return false;
  const e = event as { event_type?: unknown; data?: { entity_id?: unknown } };
  return e.event_type === 'state_changed' && typeof e.data?.entity_id === 'string';
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}
