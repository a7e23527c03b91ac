import { ConfigError, errorMessage } from '@ha-ingestor/core';
import { BUILTIN_PARSERS, type ResolvedMqttSubscription } from '../options.js';
import type { MqttParser } from '../parser.js';
import { createDiscoveryParser, parseDiscoveryTopic } from './discovery.js';
import { createJsonDeviceParser } from './json-device.js';
import { createPlainParser } from './plain.js';
import { createStatestreamParser, parseStatestreamTopic } from './statestream.js';

export { BUILTIN_PARSERS, type BuiltinParserName } from '../options.js';

/**
 * Creates the parser a subscription names: a built-in one configured from the subscription's options,
 * or one of `custom` (from `hooks.parsers`). Unknown names throw CONFIG_INVALID.
 */
export function createSubscriptionParser(
  subscription: ResolvedMqttSubscription,
  custom: Readonly<Record<string, MqttParser>> = {},
): MqttParser {
  const own = custom[subscription.parser];
  if (own !== undefined) return own;
  switch (subscription.parser) {
    case 'statestream':
      return createStatestreamParser(subscription.statestream);
    case 'discovery':
      return createDiscoveryParser(subscription.discovery);
    case 'json':
      return createJsonDeviceParser(subscription.json);
    case 'plain':
      try {
        return createPlainParser({ ...subscription.plain, pattern: subscription.plain.pattern ?? subscription.topic });
      } catch (error) {
        throw new ConfigError(`mqtt: ${errorMessage(error)}`, [
          { path: 'options.subscriptions.plain', message: String(error) },
        ]);
      }
    case 'auto':
      return createAutoParser(subscription);
    default:
      throw new ConfigError(
        `mqtt: unknown parser "${subscription.parser}" (built-in: ${BUILTIN_PARSERS.join(', ')}; or pass it in hooks.parsers)`,
        [{ path: 'options.subscriptions.parser', message: `unknown parser "${subscription.parser}"` }],
      );
  }
}

/**
 * `auto`: recognises HA discovery configs (`<prefix>/…/config`) and statestream topics
 * (`<base>/<domain>/<object_id>/<leaf>`) by shape, plus the state topics discovery learned.
 * Discovery wins when prefix and base topic are the same (both default to `homeassistant`).
 */
export function createAutoParser(
  subscription: Pick<ResolvedMqttSubscription, 'statestream' | 'discovery'>,
): MqttParser {
  const statestream = createStatestreamParser(subscription.statestream);
  const discovery = createDiscoveryParser(subscription.discovery);
  return {
    name: 'auto',
    owns: (topic) => discovery.owns?.(topic) ?? false,
    parse: (message, ctx) => {
      if (
        parseDiscoveryTopic(message.topic, subscription.discovery.prefix) !== undefined ||
        (discovery.owns?.(message.topic) ?? false)
      ) {
        return discovery.parse(message, ctx);
      }
      if (message.topic === `${subscription.discovery.prefix}/status`) return discovery.parse(message, ctx);
      if (parseStatestreamTopic(message.topic, subscription.statestream.baseTopic) !== undefined)
        return statestream.parse(message, ctx);
      return { kind: 'unmapped' };
    },
    relieve: (ctx) => statestream.relieve?.(ctx),
    abandon: (ctx) => statestream.abandon?.(ctx),
    flush: (ctx) => statestream.flush?.(ctx),
    close: () => {
      statestream.close?.();
      discovery.close?.();
    },
  };
}
