// The check every consumer fixture runs, compiled under that app's module settings (scripts/consumer-fixtures.mjs
// copies this file into each app's src/): HA simulator → WebSocket source → timeContext enricher → NDJSON file
// sink in a temp dir, then what was written; the other packages load and refuse a misspelt option.
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSdkError, pipeline } from '@ha-ingestor/core';
import { fileSink } from '@ha-ingestor/core/file-sink';
import { estimateSize } from '@ha-ingestor/core/resilience';
import { unitNormalize } from '@ha-ingestor/enrichers';
import { timeContext } from '@ha-ingestor/enrichers/time-context';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { influxSink } from '@ha-ingestor/sink-influx';
import { decodeEvent, encodeEvent, natsSink, natsSource } from '@ha-ingestor/nats';
import { mqttSink } from '@ha-ingestor/sink-mqtt';
import { verifySignature, webhookSink } from '@ha-ingestor/sink-webhook';
import { createParquetStreamWriter, parquetSink } from '@ha-ingestor/sink-parquet';
import { mqttSource, type MqttParserName } from '@ha-ingestor/source-mqtt';
import { haWebSocketSource } from '@ha-ingestor/source-ws';

const ENTITY = 'sensor.living_room_temperature';
const hasEntity = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'entity_id' in event && event.entity_id === ENTITY;

/** Runs the check; `label` names the app in the output and the temp dir. */
export async function checkConsumer(label: string): Promise<void> {
  const sim = await createHaSimulator({ seed: 7 });
  const dir = await mkdtemp(join(tmpdir(), `ha-ingestor-${label}-`));
  try {
    const ingest = pipeline(haWebSocketSource({ url: sim.url, token: sim.token }))
      .use(timeContext({ timeZone: 'Europe/London' }))
      .to(fileSink({ dir, format: 'ndjson' }), { batch: { maxSize: 10, maxWaitMs: 50 } })
      .build();
    const connected = new Promise<void>((resolve) =>
      ingest.events.on('source:status', (_name, status) => status.connected && resolve()),
    );
    const written = new Promise<void>((resolve) =>
      ingest.events.on('written', (_sink, events) => events.some(hasEntity) && resolve()),
    );
    await ingest.start();
    await connected;
    sim.setState(ENTITY, '21.5');
    await written;
    const stats = await ingest.stop();
    assert.equal(stats.failed, 0);

    const text = (await Promise.all((await readdir(dir)).map((file) => readFile(join(dir, file), 'utf8')))).join('');
    const events = text
      .trim()
      .split('\n')
      .map((line): unknown => JSON.parse(line));
    const living = events.find(hasEntity);
    assert.ok(typeof living === 'object' && living !== null, `no ${ENTITY} in ${text.slice(0, 200)}`);
    const state = 'state' in living ? living.state : undefined;
    assert.equal(state, '21.5');
    assert.equal('hour' in living && typeof living.hour, 'number');

    // The other packages load and parse options (no I/O until a pipeline starts them).
    const parser: MqttParserName = 'statestream';
    mqttSource({ url: 'mqtt://localhost:1883', subscriptions: [{ topic: 'homeassistant/#', parser }] });
    influxSink({ url: 'http://localhost:8086', apiVersion: '1', database: 'home_assistant' });
    mqttSink({ url: 'mqtt://localhost:1883', topicPrefix: 'ha-ingestor/events' });
    webhookSink({ url: 'http://localhost:8080/hook', secret: 'consumer-fixture-secret' });
    // The NATS clients (@nats-io/*, CommonJS builds) load under both module systems.
    natsSink({ servers: 'nats://localhost:4222', home: 'fixture' });
    natsSource({ servers: 'nats://localhost:4222', consumer: 'writer' });
    const roundTrip = decodeEvent(encodeEvent(living));
    assert.equal(roundTrip.ok && roundTrip.event.key, living.key);
    assert.equal(verifySignature(Buffer.from('[]'), undefined, 'consumer-fixture-secret'), false);
    unitNormalize({});
    parquetSink({ dir: join(dir, 'archive') });
    // The Parquet writer (hyparquet-writer, bundled into both builds) writes a file framed by `PAR1`.
    const parquetFile = join(dir, 'check.parquet');
    const parquet = createParquetStreamWriter(createWriteStream(parquetFile), {
      columns: [
        { name: 'time', type: 'timestamp_us' },
        { name: 'value', type: 'double' },
      ],
    });
    await parquet.write([[1_700_000_000_000_000n, 21.5]]);
    await parquet.end();
    const parquetBytes = await readFile(parquetFile);
    assert.equal(parquetBytes.subarray(0, 4).toString('latin1'), 'PAR1');
    assert.equal(parquetBytes.subarray(-4).toString('latin1'), 'PAR1');
    assert.ok(estimateSize({ entity_id: ENTITY }) > 0);
    // A misspelt option (here from a JSON config, which no type checks) is refused with the key named.
    const fromJson: Parameters<typeof timeContext>[0] = JSON.parse('{ "timezone": "UTC" }');
    assert.throws(
      () => timeContext(fromJson),
      (error: unknown) => isSdkError(error, 'CONFIG_INVALID') && /did you mean "timeZone"/.test(error.message),
    );
    console.log(`${label}: ok (${events.length} events written, ${ENTITY} = ${String(state)})`);
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}
