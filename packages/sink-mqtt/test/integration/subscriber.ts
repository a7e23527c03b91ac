// A subscriber for the integration tests: collects what the sink published, with a read barrier.
import { randomBytes } from 'node:crypto';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { waitFor } from '@ha-ingestor/core/testing';

/** One message the subscriber got. */
export interface Got {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** A subscriber of `<prefix>/#`. */
export interface Subscriber {
  readonly messages: Got[];
  /**
   * Everything the broker routed to us before this call: a QoS 1 round trip of our own on a sync topic.
   * The broker queues messages for one client in order, so once our marker is back, every message the
   * sink had acknowledged before the call has arrived too.
   */
  readonly barrier: () => Promise<Got[]>;
  readonly client: MqttClient;
  readonly close: () => Promise<void>;
}

/** Connects and subscribes to `<prefix>/#` (QoS 1); `options` e.g. a persistent session for restart tests. */
export async function subscribe(url: string, prefix: string, options: IClientOptions = {}): Promise<Subscriber> {
  const client = await connectAsync(url, { reconnectPeriod: 100, ...options });
  const sync = `${prefix}-sync/${randomBytes(4).toString('hex')}`;
  const messages: Got[] = [];
  const markers = new Set<string>();
  client.on('message', (topic, payload, packet) => {
    if (topic === sync) markers.add(payload.toString('utf8'));
    else messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain });
  });
  await client.subscribeAsync([`${prefix}/#`, sync], { qos: 1 });
  let n = 0;
  return {
    messages,
    client,
    barrier: async () => {
      const marker = String(++n);
      await client.publishAsync(sync, marker, { qos: 1 });
      await waitFor(() => markers.has(marker), `sync marker ${marker}`, { until: (v) => v, timeoutMs: 10_000 });
      return [...messages];
    },
    close: () => client.endAsync(true),
  };
}
