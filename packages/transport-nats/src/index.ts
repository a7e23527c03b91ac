// @ha-ingestor/nats: NATS JetStream transport — edges publish events, a pool of writers consumes them.
export { natsSink } from './nats-sink.js';
export type { NatsSink } from './nats-sink.js';
export { natsSource } from './nats-source.js';
export type { NatsSource } from './nats-source.js';
export {
  NatsConnectionOptionsSchema,
  NatsSinkOptionsSchema,
  NatsSourceOptionsSchema,
  NatsTlsOptionsSchema,
} from './options.js';
export type {
  NatsConnectionOptions,
  NatsTlsOptions,
  ResolvedNatsConnectionOptions,
  NatsSinkOptions,
  ResolvedNatsSinkOptions,
  NatsSourceOptions,
  ResolvedNatsSourceOptions,
} from './options.js';
export type { NatsLinkStatus, NatsSinkStatus, NatsSourceStatus } from './status.js';
export { encodeEvent, decodeEvent, FORMAT_VERSION } from './codec.js';
export type { DecodeError } from './codec.js';
export { sanitiseToken, subjectOf, EVENTS_TOKEN, MAX_TOKEN_LENGTH } from './subject.js';
export type { SubjectEvent } from './subject.js';
export { streamConfig } from './connection.js';
export { consumerConfig } from './consumer.js';
