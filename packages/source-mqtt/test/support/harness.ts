import { MqttClient, connect, connectAsync } from 'mqtt';
import WebSocket, { createWebSocketStream } from 'ws';
import { waitFor } from '@ha-ingestor/core/testing';
import { mqttSource } from '../../src/mqtt-source.js';
import type { MqttSourceOptions } from '../../src/options.js';
import type { BrokerTarget } from './brokers.js';
import type { RecordingContext } from './recording-context.js';
import { recordingContext } from './recording-context.js';

/** A running MQTT source under test, with the mqtt.js clients it created. */
export interface RunningSource {
  readonly rec: RecordingContext;
  readonly clients: MqttClient[];
  readonly run: Promise<void>;
  /** Number of completed subscribe rounds (one per connection). */
  readonly subscribed: () => number;
  /** Graceful stop (abort the signal, await run). */
  readonly stop: () => Promise<void>;
  /**
   * Abrupt death: PUBACKs already written are flushed to the kernel, then the socket is destroyed without
   * DISCONNECT (what a crash or `kill -9` looks like to the broker), and the source is stopped.
   */
  readonly kill: () => Promise<void>;
}

/** Starts `mqttSource` against `target` and waits until it subscribed. */
export async function startSource(
  target: BrokerTarget,
  options: Omit<MqttSourceOptions, 'url'> & { url?: string },
  context: { autoAck?: boolean } = {},
): Promise<RunningSource> {
  const clients: MqttClient[] = [];
  const source = mqttSource(
    {
      url: target.url,
      protocolVersion: target.protocolVersion,
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
      ...options,
    },
    {
      createClient: (url, opts) => {
        const client = url.startsWith('ws') ? connectWs(url, opts) : connect(url, opts);
        clients.push(client);
        return client;
      },
    },
  );
  const rec = recordingContext(context);
  const run = source.run(rec.ctx);
  const subscribed = () => rec.logs.filter((l) => l.includes('mqtt subscribed')).length;
  // A fatal rejection is asserted by the test through `run`; keep it from being "unhandled" meanwhile.
  run.catch((error: unknown) => rec.errors.push(error));
  // Subscribed, or run() ended first (then its outcome is returned or thrown, as a race with it would).
  let ended = false;
  void run.then(
    () => (ended = true),
    () => (ended = true),
  );
  await waitFor(() => subscribed() > 0 || ended, 'the subscription (or the end of run)', { timeoutMs: 10_000 });
  if (ended) await run;
  const stop = async () => {
    rec.controller.abort();
    await run;
  };
  return {
    rec,
    clients,
    run,
    subscribed,
    stop,
    kill: async () => {
      const client = clients.at(-1);
      if (client !== undefined) {
        await new Promise<void>((resolve) => client.stream.write(Buffer.alloc(0), () => resolve()));
        client.stream.destroy();
      }
      await stop();
    },
  };
}

/** A plain publishing client. */
export function publisher(target: BrokerTarget): Promise<MqttClient> {
  return connectAsync(target.url, { protocolVersion: target.protocolVersion, reconnectPeriod: 0, clean: true });
}

/** Waits `ms` of real time (only to show that something does NOT happen; never to wait for a result). */
export function quiet(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * MQTT over websockets, built the way mqtt.js' own node stream builder does it. Only needed under vitest:
 * its module runner hands mqtt.js' CommonJS build the ESM `ws` wrapper, whose default export lacks
 * `createWebSocketStream` ("ws_1.default.createWebSocketStream is not a function"); plain Node is fine.
 */
function connectWs(url: string, options: ConstructorParameters<typeof MqttClient>[1]): MqttClient {
  return new MqttClient(() => createWebSocketStream(new WebSocket(url, ['mqtt'])), options);
}
