import type { Logger } from '@ha-ingestor/core';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type ConsumerConfig,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { ResolvedNatsSourceOptions } from './options.js';

const NANOS_PER_MS = 1_000_000;
/** JetStream's error code for "consumer not found". */
const CONSUMER_NOT_FOUND = 10014;

/** The durable pull consumer this package creates (see the README for the reasons). */
export function consumerConfig(options: ResolvedNatsSourceOptions): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: options.consumer,
    ack_policy: AckPolicy.Explicit,
    ack_wait: options.ackWaitMs * NANOS_PER_MS,
    max_ack_pending: options.maxAckPending,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${options.subjectPrefix}.>`,
    // Never give up on a message: the pipeline's own dead-letter decides what is poison, not a count.
    max_deliver: -1,
  };
}

/**
 * Creates the durable consumer when missing. An existing one is left as it is (all writers share it; its
 * settings may have been tuned with the nats CLI); differences are logged.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  options: ResolvedNatsSourceOptions,
  logger: Logger,
): Promise<void> {
  const wanted = consumerConfig(options);
  try {
    const info = await jsm.consumers.info(options.stream, options.consumer);
    const have = info.config;
    if (have.ack_policy !== AckPolicy.Explicit)
      logger.warn(
        { consumer: options.consumer },
        'nats: consumer does not use explicit acks; at-least-once is not guaranteed',
      );
    if (have.ack_wait !== wanted.ack_wait || have.max_ack_pending !== wanted.max_ack_pending)
      logger.warn(
        {
          consumer: options.consumer,
          ackWaitMs: (have.ack_wait ?? 0) / NANOS_PER_MS,
          maxAckPending: have.max_ack_pending,
        },
        'nats: consumer exists with other ack_wait/max_ack_pending; left unchanged',
      );
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== CONSUMER_NOT_FOUND) throw error;
    // Adding with the same config is idempotent, so two writers starting together both succeed.
    await jsm.consumers.add(options.stream, wanted);
    logger.info({ stream: options.stream, consumer: options.consumer }, 'nats: durable consumer created');
  }
}
