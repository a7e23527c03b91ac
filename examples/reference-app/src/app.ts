import { join } from 'node:path';
import {
  ConfigError,
  createFileCheckpointStore,
  createRegistryStore,
  pipeline,
  registryCapability,
  type HaEvent,
  type Logger,
  type Pipeline,
  type RegistryStore,
  type Source,
} from '@ha-ingestor/core';
import { fileSink } from '@ha-ingestor/core/file-sink';
import { influxSink } from '@ha-ingestor/sink-influx';
import { haWebSocketSource } from '@ha-ingestor/source-ws';
import type { AppConfig } from './config.js';
import { deliveryFor } from './config-delivery.js';
import { subscriptionFor } from './mqtt-subscriptions.js';
import { filterRulesOf } from './config-filters.js';
import { validationSchema } from './validation.js';
import { createEnrichers, useEnrichers } from './enrichers-config.js';
import { influxContextFields } from './influx-context.js';
import { outboundSinks } from './config-outbound.js';

/** The dead-letter file's name under DATA_DIR (the dashboard reads its tail). */
export const DEAD_LETTER_FILE = 'dead-letter.ndjson';
import { statisticsSyncSource } from './statistics-sync.js';
import { withHome } from './home-source.js';
import { linkReport, type NatsLinkReport } from './roles.js';

/** The assembled ingestor: the pipeline plus what the HTTP API and the CLI need. */
export interface Ingestor {
  readonly pipeline: Pipeline;
  readonly registry: RegistryStore;
  readonly sinks: readonly string[];
  readonly sources: readonly string[];
  /** INGESTOR_ROLE=edge or writer: the NATS link's status (issue 16); undefined for `all`. */
  readonly nats?: () => NatsLinkReport;
}

/** Extra wiring for tests and the demo. */
export interface IngestorOverrides {
  /** Replaces the configured sources (e.g. the history importer). */
  readonly sources?: readonly Source<HaEvent>[];
  readonly registry?: RegistryStore;
  /** The sources replay HA's history (`import`): enrichers that attach the present are left out. */
  readonly history?: boolean;
}

/**
 * Builds the ingestor from the effective config: the WebSocket source when HA_URL is set, the MQTT
 * source when MQTT_URL is set; InfluxDB when INFLUXDB_URL is set, else (or also, when FILE_SINK=true)
 * the file sink; the Parquet archive when PARQUET_DIR is set. Every sink gets its own batcher, retry,
 * breaker and disk outbox under DATA_DIR.
 *
 * Roles (INGESTOR_ROLE, issue 16): `edge` keeps the sources, filters, validation, dedupe and enrichers and
 * sends everything to NATS JetStream only; `writer` reads from NATS (events arrive enriched, with their
 * home) and writes the configured sinks, with no HA/MQTT source and no enrichers.
 *
 * Asynchronous because what is not configured is not loaded (issue 14, memory): the MQTT source and sink
 * (`mqtt`), the NATS link (`@nats-io/*`), the Parquet sink (`hyparquet-writer`) and the webhook sink are
 * imported here, only when their settings are present. The WebSocket source, the InfluxDB and file sinks,
 * and the pipeline stages are loaded statically.
 */
export async function createIngestor(
  config: AppConfig,
  logger: Logger,
  overrides: IngestorOverrides = {},
): Promise<Ingestor> {
  const dataDir = config.dataDir;
  const registry = overrides.registry ?? createRegistryStore();
  const checkpoints = createFileCheckpointStore({ dir: join(dataDir, 'checkpoints') });

  const role = config.role;
  let nats: (() => NatsLinkReport) | undefined;
  const sources: Source<HaEvent>[] = [...(overrides.sources ?? [])];
  if (overrides.sources === undefined && role === 'writer') {
    const { writerSource } = await import('./roles-link.js');
    const source = writerSource(config);
    nats = linkReport('writer', source.status);
    sources.push(source);
  } else if (overrides.sources === undefined) {
    const ha = config.homeAssistant;
    if (ha.url !== undefined) {
      if (ha.token === undefined)
        throw new ConfigError('HA_URL is set but HA_TOKEN is missing', [
          { path: 'homeAssistant.token', message: 'required when HA_URL is set' },
        ]);
      sources.push(
        haWebSocketSource(
          {
            url: ha.url,
            token: ha.token,
            ...(ha.events === undefined ? {} : { eventTypes: ha.events }),
            inboundBuffer: { spillDir: join(dataDir, 'spill') },
          },
          { checkpoints, registry },
        ),
      );
      // STATISTICS_SYNC: long-term statistics, hour by hour (see statistics-config.ts).
      if (config.statistics.sync) sources.push(statisticsSyncSource(config, ha.url, ha.token, checkpoints));
    }
    const mq = config.mqtt;
    if (mq.url !== undefined) {
      const { mqttSource } = await import('@ha-ingestor/source-mqtt');
      sources.push(
        mqttSource({
          url: mq.url,
          ...(mq.username === undefined ? {} : { username: mq.username }),
          ...(mq.password === undefined ? {} : { password: mq.password }),
          ...(mq.clientId === undefined ? {} : { clientId: mq.clientId }),
          protocolVersion: mq.protocolVersion,
          subscriptions: mq.topics.map((topic) => subscriptionFor(topic, mq)),
        }),
      );
    }
  }
  // HOME_ID (issue 16): every event gets provenance.home at its source, so dedupe, the sinks' home tag and
  // the APIs all see it.
  const homeId = config.homeId;
  // A writer's events already carry the home their edge gave them.
  if (homeId !== undefined && role !== 'writer')
    for (let i = 0; i < sources.length; i++) sources[i] = withHome(sources[i] as Source<HaEvent>, homeId);
  if (sources.length === 0) {
    throw new ConfigError('no source configured: set HA_URL (WebSocket) and/or MQTT_URL', [
      { path: 'homeAssistant.url', message: 'set HA_URL and/or MQTT_URL' },
    ]);
  }

  // The source list is decided at run time (WebSocket and/or MQTT), so the app provides its one store to
  // the pipeline itself: the enrichers take it from there, also with MQTT alone (then it stays empty), and
  // the WebSocket source above keeps it in sync.
  let start = pipeline(...sources).provide(registryCapability, registry);
  // Cheap first (issue 13): filters drop unwanted events before they are validated, deduped or enriched.
  const rules = filterRulesOf(config.filters);
  if (rules !== undefined) start = start.select(rules);
  const schema = validationSchema(config.pipeline.validation);
  if (schema !== undefined) start = start.validate(schema);
  // ENRICHERS (issue 13): registry and time by default; see enrichers-config.ts for the order.
  // A writer runs no enrichers: the edge enriched the events (it has the registry and the home's context).
  let builder = useEnrichers(
    start.dedupe({ windowMs: Math.round(config.pipeline.dedupWindowS * 1000) }),
    role === 'writer' ? [] : createEnrichers(config, { registry, logger, history: overrides.history === true }),
  );

  const sinks: string[] = [];
  if (role === 'edge') {
    // The edge writes NATS only (config-scale-out.ts refuses other sinks); its outbox under DATA_DIR keeps
    // the home's events through a NATS outage, and Nats-Msg-Id makes the replays harmless.
    const { edgeSink } = await import('./roles-link.js');
    const sink = edgeSink(config);
    nats = linkReport('edge', sink.status);
    const built = builder
      .to(sink, deliveryFor(config, 'nats', {}))
      .build({ logger, deadLetter: { path: join(dataDir, DEAD_LETTER_FILE) } });
    return { pipeline: built, registry, sinks: ['nats'], sources: sources.map((s) => s.name), nats };
  }
  const influx = config.influx;
  if (influx.url !== undefined) {
    builder = builder.to(
      influxSink({
        url: influx.url,
        apiVersion: influx.apiVersion,
        precision: influx.precision,
        // Enricher context (hour, weather, carbon_intensity, …) as fields: see influx-context.ts.
        schema: { kind: influx.schema, contextFields: influxContextFields(influx.contextFields, config.enrichers.use) },
        ...(influx.token === undefined ? {} : { token: influx.token }),
        ...(influx.org === undefined ? {} : { org: influx.org }),
        ...(influx.bucket === undefined ? {} : { bucket: influx.bucket }),
        ...(influx.database === undefined ? {} : { database: influx.database }),
        ...(influx.username === undefined ? {} : { username: influx.username }),
        ...(influx.password === undefined ? {} : { password: influx.password }),
      }),
      deliveryFor(config, 'influx', influx.delivery),
    );
    sinks.push('influx');
  }
  const fileEnabled =
    config.fileSink.enabled === 'true' || (config.fileSink.enabled === 'auto' && influx.url === undefined);
  if (fileEnabled) {
    builder = builder.to(
      fileSink({ dir: join(dataDir, 'events'), format: config.fileSink.format }),
      deliveryFor(config, 'file', config.fileSink.delivery),
    );
    sinks.push('file');
  }
  // Issue 17: MQTT republish and webhook sinks (MQTT_SINK_URL, WEBHOOK_URL), see config-outbound.ts.
  for (const outbound of await outboundSinks(config)) {
    builder = builder.to(outbound.sink, outbound.delivery);
    sinks.push(outbound.name);
  }
  if (config.parquet.dir !== undefined) {
    const { parquetSink } = await import('@ha-ingestor/sink-parquet');
    builder = builder.to(
      parquetSink({ dir: config.parquet.dir, compression: config.parquet.compression }),
      deliveryFor(config, 'parquet', config.parquet.delivery),
    );
    sinks.push('parquet');
  }

  const built = builder.build({ logger, deadLetter: { path: join(dataDir, DEAD_LETTER_FILE) } });
  return {
    pipeline: built,
    registry,
    sinks,
    sources: sources.map((s) => s.name),
    ...(nats === undefined ? {} : { nats }),
  };
}
