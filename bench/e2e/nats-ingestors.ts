import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';
import { natsSink, natsSource } from '@ha-ingestor/nats';
import { influxSink } from '@ha-ingestor/sink-influx';
import { haWebSocketSource } from '@ha-ingestor/source-ws';
import { runLiveIngestor } from './pipeline-hooks.js';
import type { NatsTarget, RunningIngestor, StartArgs } from './protocol.js';

function target(args: StartArgs): NatsTarget {
  const nats = args.settings.nats;
  if (nats === undefined) throw new Error('NATS modes need settings.nats');
  return nats;
}

/**
 * Issue 16 edge: the same pipeline as `ours` (WebSocket source, dedupe, registry + time enrichers) with the
 * NATS sink instead of InfluxDB — what an edge ingestor of a scaled-out deployment runs.
 */
export async function startEdgeNats(args: StartArgs): Promise<RunningIngestor> {
  const nats = target(args);
  const registry = createRegistryStore();
  const sink = natsSink({ servers: nats.url, stream: nats.stream, subjectPrefix: nats.subjectPrefix, home: 'bench' });
  const source = haWebSocketSource(
    { url: args.url, token: args.token, compression: args.settings.compression, backfill: { enabled: false } },
    { registry },
  );
  const built = pipeline(source)
    .dedupe()
    .use(registryEnricher({}, { registry }))
    .use(timeContext({}, { registry }))
    .to(sink, { batch: { maxSize: args.settings.batchSize, maxWaitMs: args.settings.batchMaxWaitMs } })
    .build();
  return runLiveIngestor(built, args, 'nats', [
    'edge: source-ws → dedupe → enrichers → @ha-ingestor/nats natsSink (JetStream, 1 replica)',
  ]);
}

/** Issue 16 writer: the NATS source (durable pull consumer) → the InfluxDB sink as `ours` configures it. */
export function startWriterNats(args: StartArgs): Promise<RunningIngestor> {
  const nats = target(args);
  const source = natsSource({
    servers: nats.url,
    stream: nats.stream,
    subjectPrefix: nats.subjectPrefix,
    consumer: nats.consumer,
    batchSize: 1000,
    closeGraceMs: 0,
  });
  const sink = influxSink({
    url: args.sinkUrl,
    apiVersion: '2',
    bucket: 'bench',
    org: 'bench',
    token: 'bench',
    gzip: args.settings.gzip,
  });
  const built = pipeline(source)
    .to(sink, { batch: { maxSize: args.settings.batchSize, maxWaitMs: args.settings.batchMaxWaitMs } })
    .build();
  const handled = () => built.stats().written['influx'] ?? 0;
  return Promise.resolve({
    handled,
    received: () => built.stats().received,
    notes: ['writer: @ha-ingestor/nats natsSource (durable pull consumer) → influxSink (v2, ha schema)'],
    begin: () => built.start(),
    stop: () => built.stop().then(() => undefined),
  });
}
