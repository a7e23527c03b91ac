import type { MqttMessage, ParserContext, SettledResult } from './parser.js';
import { createGuard, noopLogger } from '@ha-ingestor/core';

/** Knobs of {@link parserContext}. */
export interface ParserContextOptions {
  /** Clock (default Date.now, which fake timers control). */
  readonly now?: () => number;
  /** Answer of `subscribe` (default: accept every topic). */
  readonly accept?: (topic: string) => boolean;
  /** Answer of `crowded` (default false). */
  readonly crowded?: () => boolean;
  /** Answer of `backlogged` (default false). */
  readonly backlogged?: () => boolean;
}

/** A ParserContext that records settles, subscriptions, guard reports and evictions (unit tests only). */
export function parserContext(options: ParserContextOptions = {}): ParserContext & {
  readonly settled: { messages: readonly MqttMessage[]; result: SettledResult }[];
  readonly subscribed: string[];
  readonly unsubscribed: string[];
  readonly reported: unknown[];
  readonly evictions: Record<string, number>;
} {
  const settled: { messages: readonly MqttMessage[]; result: SettledResult }[] = [];
  const subscribed: string[] = [];
  const unsubscribed: string[] = [];
  const reported: unknown[] = [];
  const evictions: Record<string, number> = {};
  return {
    source: 'mqtt',
    now: options.now ?? (() => Date.now()),
    logger: noopLogger,
    settle: (messages, result) => settled.push({ messages, result }),
    subscribe: (topic) => {
      const ok = options.accept?.(topic) ?? true;
      if (ok) subscribed.push(topic);
      return ok;
    },
    unsubscribe: (topic) => unsubscribed.push(topic),
    guard: createGuard({ report: (error) => reported.push(error) }, 'source:mqtt'),
    evicted: (bound, count = 1) => {
      evictions[bound] = (evictions[bound] ?? 0) + count;
    },
    crowded: options.crowded ?? (() => false),
    backlogged: options.backlogged ?? (() => false),
    settled,
    subscribed,
    unsubscribed,
    reported,
    evictions,
  };
}

let nextId = 0;

/** A message as the source hands it to parsers. */
export function message(
  topic: string,
  text: string,
  extra: Partial<Pick<MqttMessage, 'retain' | 'qos' | 'receivedAt'>> = {},
): MqttMessage {
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
