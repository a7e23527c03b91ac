import { createMinimalPipeline } from './minimal.js';

const url = process.env['HA_URL'];
const token = process.env['HA_TOKEN'];
if (url === undefined || token === undefined) {
  console.error('set HA_URL (ws://host:8123/api/websocket) and HA_TOKEN (a long-lived access token)');
  process.exit(2);
}
await using ingest = createMinimalPipeline({ url, token, dir: process.env['DATA_DIR'] ?? './data/minimal' });
await ingest.start();
console.log('ingesting; Ctrl-C to stop');
await new Promise((resolve) => process.once('SIGINT', resolve));
// leaving the scope stops the pipeline: sources, drain, flush, close
