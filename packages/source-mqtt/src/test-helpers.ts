import type { MqttMessage, ParserContext, SettledResult } from './parser.js';
import { noopLogger } from '@ha-ingestor/core';

/** A ParserContext that records settles and subscriptions (unit tests only). */
export function parserContext(): ParserContext & {
  readonly settled: { messages: readonly MqttMessage[]; result: SettledResult }[];
  readonly subscribed: string[];
} {
  const settled: { messages: readonly MqttMessage[]; result: SettledResult }[] = [];
  const subscribed: string[] = [];
  return {
    source: 'mqtt',
    now: () => Date.now(),
    logger: noopLogger,
    settle: (messages, result) => settled.push({ messages, result }),
    subscribe: (topic) => subscribed.push(topic),
    settled,
    subscribed,
  };
}

let nextId = 0;

/** A message as the source hands it to parsers. */
export function message(topic: string, text: string, extra: Partial<Pick<MqttMessage, 'retain' | 'qos' | 'receivedAt'>> = {}): MqttMessage {
  return {
    id: nextId++,
    topic,
    payload: Buffer.from(text),
    text,
    qos: extra.qos ?? 1,
    retain: extra.retain ?? false,
    receivedAt: extra.receivedAt ?? 1_700_000_000_000_000,
  };
}
