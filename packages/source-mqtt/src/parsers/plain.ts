import type { MqttParser, ParseResult } from '../parser.js';
import { buildStateEvent, isValidEntityId } from '../parser.js';
import { compileTopicPattern, renderTemplate } from '../topic.js';

/** Options of {@link createPlainParser}. */
export interface PlainParserOptions {
  /** Topic pattern with named wildcards (`sensors/+room/+metric`, `home/#rest`). */
  readonly pattern: string;
  /** Entity id template (`sensor.{room}_{metric}`); `{topic}` is the whole topic. */
  readonly entityId: string;
  /** `always`: non-numeric payloads are dead-lettered; `auto`/`never`: any text is a state. */
  readonly numeric: 'auto' | 'always' | 'never';
}

/**
 * Plain-topic parser: the payload text (trimmed) is the state of the entity the template names.
 * Times are receipt times.
 *
 * @example
 * createPlainParser({ pattern: 'sensors/+room/+metric', entityId: 'sensor.{room}_{metric}', numeric: 'always' })
 */
export function createPlainParser(options: PlainParserOptions): MqttParser {
  const pattern = compileTopicPattern(options.pattern);
  // Fail at build time on a template naming a wildcard the pattern lacks.
  const names = new Set([...options.pattern.matchAll(/[+#]([A-Za-z0-9_]+)/g)].map((m) => m[1]));
  for (const m of options.entityId.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
    if (m[1] !== 'topic' && !names.has(m[1]))
      throw new TypeError(`plain parser: template {${m[1]}} is not a named wildcard of "${options.pattern}"`);
  }
  return {
    name: 'plain',
    parse: (message, ctx): ParseResult => {
      const captures = pattern.match(message.topic);
      if (captures === undefined) {
        return {
          kind: 'invalid',
          reason: 'unexpected_topic',
          message: `topic does not match pattern "${options.pattern}"`,
        };
      }
      const entityId = renderTemplate(options.entityId, { topic: message.topic, ...captures });
      if (!isValidEntityId(entityId)) {
        return {
          kind: 'invalid',
          reason: 'invalid_entity_id',
          message: `template gives "${entityId}", not a valid entity id`,
        };
      }
      const state = message.text.trim();
      if (options.numeric === 'always' && (state === '' || !Number.isFinite(Number(state)))) {
        return { kind: 'invalid', reason: 'not_numeric', message: 'payload is not a number' };
      }
      return {
        kind: 'events',
        events: [buildStateEvent({ entityId, state, attributes: {}, message, source: ctx.source })],
      };
    },
  };
}
