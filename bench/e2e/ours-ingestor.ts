import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';
import { influxSink } from '@ha-ingestor/sink-influx';
import { haWebSocketSource } from '@ha-ingestor/source-ws';
import { StrictHaEventSchema } from '../event-schema.js';
import { runLiveIngestor } from './pipeline-hooks.js';
import type { RunningIngestor, StartArgs } from './protocol.js';

/**
 * Our ingestor as the reference app wires it: the WebSocket source (registry sync on, backfill off: no
 * gaps in a bench), dedupe, registry + time-context enrichers, and the InfluxDB sink (`ha` schema, v2
 * API) with its own batcher. No disk outbox (nothing fails here; the outbox only sees failed batches).
 */
export async function startOurs(args: StartArgs): Promise<RunningIngestor> {
  const { settings } = args;
  const registry = createRegistryStore();
  const notes: string[] = [];
  const sink = influxSink({
    url: args.sinkUrl,
    apiVersion: '2',
    bucket: 'bench',
    org: 'bench',
    token: 'bench',
    gzip: settings.gzip,
  });
  notes.push('sink: @ha-ingestor/sink-influx influxSink (v2 API, ha schema)');
  const source = haWebSocketSource(
    {
      url: args.url,
      token: args.token,
      compression: settings.compression,
      backfill: { enabled: false },
      ...(settings.emitBatchSize === undefined ? {} : { emitBatchSize: settings.emitBatchSize }),
    },
    { registry },
  );
  const start = pipeline(source);
  const validated = settings.strict ? start.validate(StrictHaEventSchema) : start;
  const built = validated
    .dedupe()
    .use(registryEnricher({}, { registry }))
    .use(timeContext({}, { registry }))
    .to(sink, {
      batch: {
        maxSize: settings.batchSize,
        maxWaitMs: settings.batchMaxWaitMs,
        ...(settings.batchLingerMs === undefined ? {} : { lingerMs: settings.batchLingerMs }),
      },
    })
    .build();
  return runLiveIngestor(built, args, 'influx', notes);
}
