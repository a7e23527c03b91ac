import { ConfigError } from '@ha-ingestor/core';
import { natsSink, natsSource, type NatsSink, type NatsSource } from '@ha-ingestor/nats';
import type { AppConfig } from './config.js';
import { natsConnectionOptions } from './roles.js';

// Issue 16's NATS transport, apart from roles.ts so that only INGESTOR_ROLE=edge/writer loads it (and with it
// @ha-ingestor/nats and @nats-io/*): app.ts imports this module dynamically (issue 14, memory).

/** The edge's sink: every event to JetStream, `Nats-Msg-Id = <HOME_ID>:<key>`. */
export function edgeSink(config: AppConfig): NatsSink {
  const home = config.homeId;
  if (home === undefined)
    throw new ConfigError('INGESTOR_ROLE=edge needs HOME_ID', [{ path: 'homeId', message: 'required' }]);
  return natsSink({ ...natsConnectionOptions(config), home });
}

/** The writer's source: the durable pull consumer the writer pool shares. */
export function writerSource(config: AppConfig): NatsSource {
  return natsSource({ ...natsConnectionOptions(config), consumer: config.nats.consumer });
}
