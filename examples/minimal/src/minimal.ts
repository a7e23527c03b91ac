import { createRegistryStore, pipeline } from '@ha-ingestor/core';
import { fileSink } from '@ha-ingestor/core/file-sink';
import { registryEnricher, timeContext } from '@ha-ingestor/enrichers';
import { haWebSocketSource } from '@ha-ingestor/source-ws';

/** Home Assistant → drop automations/scripts → dedupe → area/device + local time → NDJSON files. */
export function createMinimalPipeline(options: { url: string; token: string; dir: string }) {
  const registry = createRegistryStore(); // filled and kept current by the WebSocket source
  return pipeline(haWebSocketSource({ url: options.url, token: options.token }, { registry }))
    .select({ exclude: { domains: ['automation', 'script'] } })
    .dedupe({ windowMs: 300_000 })
    .use(registryEnricher({}, { registry }))
    .use(timeContext({}, { registry }))
    .to(fileSink({ dir: options.dir, format: 'ndjson' }), { batch: { maxSize: 500, maxWaitMs: 1000 } })
    .build();
}
