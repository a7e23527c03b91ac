// Shared helpers of the NATS integration tests: a unique stream per test on the shared nats-server.
import { makeStateChanged, TEST_EVENT_TIME } from '@ha-ingestor/core/testing';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { jetstreamManager, type ConsumerInfo, type StreamInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { uniqueName } from '../../../../test-support/services.js';

/** Stream name and subject prefix of one test: streams may not overlap subjects, so both are unique. */
export interface Target {
  readonly servers: string | string[];
  readonly stream: string;
  readonly subjectPrefix: string;
}

export function newTarget(servers: string | string[], label = 't'): Target {
  const id = uniqueName(label);
  return { servers, stream: `S_${id}`, subjectPrefix: `test.${id}` };
}

/** `n` distinct state changes (distinct keys) of a few entities. */
export function events(n: number, from = 0): StateChangedEvent[] {
  return Array.from({ length: n }, (_, i) =>
    makeStateChanged({
      entity_id: `sensor.e${(from + i) % 7}`,
      state: String(from + i),
      last_updated: TEST_EVENT_TIME + from + i,
    }),
  );
}

/** A plain client for assertions (stream/consumer state, raw publishes). */
export async function admin(servers: string | string[]): Promise<{
  nc: NatsConnection;
  stream: (name: string) => Promise<StreamInfo>;
  consumer: (stream: string, name: string) => Promise<ConsumerInfo>;
  close: () => Promise<void>;
}> {
  const nc = await connect({ servers });
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    stream: (name) => jsm.streams.info(name),
    consumer: (stream, name) => jsm.consumers.info(stream, name),
    close: () => nc.close(),
  };
}
