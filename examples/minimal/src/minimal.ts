import { pipeline } from '@ha-ingestor/core';
import { fileSink } from '@ha-ingestor/core/file-sink';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';
import { haWebSocketSource } from '@ha-ingestor/source-ws';

/** Home Assistant → drop automations/scripts → dedupe → area/device + local time → NDJSON files. */
export function createMinimalPipeline(options: { url: string; token: string; dir: string }) {
  // The WebSocket source provides the registry it keeps current; the enrichers take it from the pipeline.
  return pipeline(haWebSocketSource({ url: options.url, token: options.token }))
    .select({ exclude: { domains: ['automation', 'script'] } })
    .dedupe({ windowMs: 300_000 })
    .use(registryEnricher())
    .use(timeContext())
    .to(fileSink({ dir: options.dir, format: 'ndjson' }), { batch: { maxSize: 500, maxWaitMs: 1000 } })
    .build();
}
