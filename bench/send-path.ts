/**
 * The sink's send path alone (issue 14): `tsx --conditions=source bench/send-path.ts [lines per body]` posts bodies
 * of the bench corpus (hand-written line protocol) to a discard server in another process, one at a time, through
 * the official client's transport (what the v2 path used before: async `zlib.gzip` at level 6 over 1,000 bytes)
 * and through sink-influx's own client (`http.ts`: level 1, synchronous under 64 KiB), gzip on and off,
 * alternating for 7 rounds (the first is warm-up), and prints the median CPU µs per line of each.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient } from '../packages/sink-influx/src/http.js';
import { buildCorpus } from './corpus.js';
import { influxClient } from './deps.js';
import { handLine } from './hand-lp.js';
import { median } from './stats.js';

const per = Number(process.argv[2] ?? 40);
const corpus = buildCorpus({ seed: 42, entityCount: 1500, count: 12_000 });
const lines = corpus.events.map((e) => handLine(e)).filter((l): l is string => l !== undefined);
const bodies: string[] = [];
for (let i = 0; i + per <= lines.length; i += per) bodies.push(lines.slice(i, i + per).join('\n'));

const serverFile = join(tmpdir(), `send-path-discard-${process.pid}.mjs`);
writeFileSync(
  serverFile,
  `import { createServer } from 'node:http';
const s = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()); });
s.listen(0, '127.0.0.1', () => process.send('http://127.0.0.1:' + s.address().port));
process.on('disconnect', () => process.exit(0));`,
);
const server = fork(serverFile);
const url = await new Promise<string>((resolve) => server.once('message', (m) => resolve(String(m))));
const path = '/api/v2/write?bucket=b&precision=us';
const own = (gzip: boolean) =>
  createHttpClient({
    baseUrl: url,
    timeoutMs: 10_000,
    gzipThresholdBytes: gzip ? 1000 : Number.POSITIVE_INFINITY,
    stage: 'bench',
    report: () => undefined,
  });
const ownGzip = own(true);
const ownPlain = own(false);
const transport = new influxClient.InfluxDB({ url, token: 't', transportOptions: { agent: ownPlain.agent } }).transport;
const viaClient =
  (gzip: boolean) =>
  (body: string): Promise<void> =>
    new Promise((resolve, reject) => {
      transport.send(
        path,
        body,
        {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          ...(gzip ? { gzipThreshold: 1000 } : {}),
          signal: new AbortController().signal,
        },
        { next: () => undefined, complete: () => resolve(), error: (e: Error) => reject(e) },
      );
    });
const viaOwn =
  (client: typeof ownGzip) =>
  async (body: string): Promise<void> => {
    await client.request({
      method: 'POST',
      path,
      headers: { authorization: 'Token t', 'content-type': 'text/plain; charset=utf-8' },
      body,
      gzip: true,
    });
  };
const variants: [string, (body: string) => Promise<void>][] = [
  ['official transport, gzip', viaClient(true)],
  ['official transport, plain', viaClient(false)],
  ['own client, gzip', viaOwn(ownGzip)],
  ['own client, plain', viaOwn(ownPlain)],
];
const results = new Map<string, number[]>();
try {
  for (let round = 0; round < 7; round++) {
    for (const [name, send] of variants) {
      const before = process.cpuUsage();
      for (const body of bodies) await send(body);
      const used = process.cpuUsage(before);
      if (round > 0)
        results.set(name, [...(results.get(name) ?? []), (used.user + used.system) / (bodies.length * per)]);
    }
  }
  const meanBytes = Math.round(bodies.reduce((a, b) => a + b.length, 0) / bodies.length);
  console.log(`${bodies.length} bodies of ${per} lines, ${meanBytes} B on average`);
  for (const [name, runs] of results)
    console.log(
      `${name.padEnd(28)} ${median(runs).toFixed(2)} µs CPU per line (${runs.map((r) => r.toFixed(2)).join(' / ')})`,
    );
} finally {
  ownGzip.close();
  ownPlain.close();
  server.disconnect();
}
