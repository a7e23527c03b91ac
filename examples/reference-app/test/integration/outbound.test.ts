// Issue 17: the service with both outbound sinks on — the CLI as a child process against the HA simulator,
// events republished to the real Mosquitto and POSTed, signed, to a node:http receiver on loopback.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { waitFor } from '@ha-ingestor/core/testing';
import { createHaSimulator } from '@ha-ingestor/ha-simulator';
import { verifySignature } from '@ha-ingestor/sink-webhook';
import { afterEach, describe, expect, it } from 'vitest';
import { requireService, uniqueName } from '../../../../test-support/services.js';
import { startReadyCli } from './cli-process.js';

const SECRET = 'outbound-test-secret-0123456789';

interface Posted {
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
}
interface Event {
  readonly event_type: string;
  readonly entity_id?: string;
  readonly state?: string;
  readonly key: string;
}

describe('ha-ingestor run with MQTT_SINK_URL and WEBHOOK_URL (child process)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('republishes a state change to <prefix>/<domain>/<object_id> and POSTs it signed; the secret stays hidden', async (t) => {
    const { url: brokerUrl } = requireService('mosquitto', t);
    const prefix = uniqueName('app-out');
    const dataDir = await mkdtemp(join(tmpdir(), 'ha-ingestor-outbound-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const posted: Posted[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posted.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const sub = await connectAsync(brokerUrl, { reconnectPeriod: 0 });
    cleanups.push(() => sub.endAsync(true));
    const messages: { topic: string; event: Event }[] = [];
    sub.on('message', (topic, payload) =>
      messages.push({ topic, event: JSON.parse(payload.toString('utf8')) as Event }),
    );
    await sub.subscribeAsync(`${prefix}/#`, { qos: 1 });

    const sim = await createHaSimulator({ seed: 17 });
    cleanups.push(() => sim.close());
    const { cli, url } = await startReadyCli(
      {
        HA_URL: sim.url,
        HA_TOKEN: sim.token,
        MQTT_SINK_URL: brokerUrl,
        MQTT_SINK_TOPIC_PREFIX: prefix,
        WEBHOOK_URL: webhookUrl,
        WEBHOOK_SECRET: SECRET,
        FILE_SINK: 'false',
        BATCH_TIMEOUT: '0.1',
        DATA_DIR: dataDir,
        HTTP_PORT: '0',
        LOG_LEVEL: 'debug',
      },
      cleanups,
    );
    await cli.waitForLog('connected to HA', 20_000);
    sim.setState('sensor.living_room_temperature', '23.25');
    sim.fireEvent('call_service', { domain: 'light', service: 'turn_on', service_data: {} });

    const isChange = (e: Event) => e.entity_id === 'sensor.living_room_temperature' && e.state === '23.25';
    const republished = await waitFor(() => messages.find((m) => isChange(m.event)), 'the state change on Mosquitto', {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect(republished?.topic).toBe(`${prefix}/sensor/living_room_temperature`);
    await waitFor(
      () => messages.find((m) => m.event.event_type === 'call_service'),
      'the service call on <prefix>/_events/call_service',
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(messages.find((m) => m.event.event_type === 'call_service')?.topic).toBe(`${prefix}/_events/call_service`);

    const request = await waitFor(
      () => posted.find((p) => (JSON.parse(p.raw.toString('utf8')) as Event[]).some(isChange)),
      'the state change at the webhook receiver',
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySignature(request?.raw ?? Buffer.alloc(0), request?.headers['x-ha-ingestor-signature'], SECRET)).toBe(
      true,
    );
    // The same event, with the same identity, went both ways.
    const posted0 = (JSON.parse(request?.raw.toString('utf8') ?? '[]') as Event[]).find(isChange);
    expect(posted0?.key).toBe(republished?.event.key);

    const config = await (await fetch(`${url}/api/v1/config`)).text();
    expect(config).toContain(prefix);
    expect(config).not.toContain(SECRET);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toContain(SECRET);
  });
});
