// @ha-ingestor/sink-webhook: signed JSON-array POSTs of each batch to an HTTP receiver.
export { webhookSink } from './webhook-sink.js';
export type { WebhookEvent } from './webhook-sink.js';
export { WebhookSinkOptionsSchema } from './options.js';
export type { WebhookSinkOptions, ResolvedWebhookSinkOptions } from './options.js';
export { SIGNATURE_HEADER, signBody, verifySignature, idempotencyKey } from './signature.js';
