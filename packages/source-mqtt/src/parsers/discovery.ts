import type { MqttMessage, MqttParser, ParseResult, ParserContext } from '../parser.js';
import { buildStateEvent, stableJson, stateText } from '../parser.js';
import { isJsonObject, parseJson } from '../payload.js';
import type { DiscoveredEntity } from './discovery-config.js';
import { readDiscoveryConfig } from './discovery-config.js';

/** Options of {@link createDiscoveryParser}. */
export interface DiscoveryParserOptions {
  /** HA's `discovery_prefix`. */
  readonly prefix: string;
}

/** The parts of a discovery config topic `<prefix>/<component>/[<node_id>/]<object_id>/config`. */
export interface DiscoveryTopic {
  readonly component: string;
  readonly nodeId?: string;
  readonly objectId: string;
  /** `<component>/[<node_id>/]<object_id>`. */
  readonly discoveryId: string;
}

/** Splits a discovery config topic; `undefined` when the topic does not have that shape. */
export function parseDiscoveryTopic(topic: string, prefix: string): DiscoveryTopic | undefined {
  const head = `${prefix.replace(/\/+$/, '')}/`;
  if (!topic.startsWith(head)) return undefined;
  const levels = topic.slice(head.length).split('/');
  if (levels.at(-1) !== 'config' || (levels.length !== 3 && levels.length !== 4)) return undefined;
  if (levels.some((l) => l === '')) return undefined;
  const [component = '', a = '', b] = levels.length === 4 ? levels : [levels[0], levels[1], undefined];
  const nodeId = levels.length === 4 ? a : undefined;
  const objectId = levels.length === 4 ? (b ?? '') : a;
  return { component, ...(nodeId === undefined ? {} : { nodeId }), objectId, discoveryId: levels.slice(0, -1).join('/') };
}

/**
 * HA MQTT discovery parser. Retained `…/config` payloads build a map from state topics to entities (entity
 * id, unit, device_class, device); the parser subscribes those state topics and turns their messages into
 * one event per entity on the topic. An empty config removes the entity. Device state carries no HA
 * timestamp: events use the receipt time (`provenance.timeFromReceipt`).
 */
export function createDiscoveryParser(options: DiscoveryParserOptions): MqttParser {
  const byId = new Map<string, DiscoveredEntity>();
  const byTopic = new Map<string, Set<DiscoveredEntity>>();
  const attributeTopics = new Map<string, Set<DiscoveredEntity>>();
  const jsonAttributes = new Map<string, Readonly<Record<string, unknown>>>();
  const lastRetained = new Map<string, string>();

  const index = (map: Map<string, Set<DiscoveredEntity>>, topic: string, entity: DiscoveredEntity, add: boolean) => {
    const set = map.get(topic) ?? new Set<DiscoveredEntity>();
    if (add) set.add(entity);
    else set.delete(entity);
    if (set.size === 0) map.delete(topic);
    else map.set(topic, set);
  };

  const remove = (discoveryId: string) => {
    const old = byId.get(discoveryId);
    if (old === undefined) return;
    byId.delete(discoveryId);
    index(byTopic, old.stateTopic, old, false);
    if (old.jsonAttributesTopic !== undefined) index(attributeTopics, old.jsonAttributesTopic, old, false);
  };

  const onConfig = (message: MqttMessage, topic: DiscoveryTopic, ctx: ParserContext): ParseResult => {
    if (message.text.trim() === '') {
      remove(topic.discoveryId);
      return { kind: 'ignored', reason: 'discovery_removed' };
    }
    const json = parseJson(message.text);
    if (!json.ok) return { kind: 'invalid', reason: json.error.reason, message: json.error.message };
    const result = readDiscoveryConfig(topic.discoveryId, topic.component, topic.objectId, json.value);
    if (!result.ok) return { kind: 'invalid', reason: result.reason, message: result.message };
    remove(topic.discoveryId);
    const entity = result.entity;
    byId.set(entity.discoveryId, entity);
    index(byTopic, entity.stateTopic, entity, true);
    ctx.subscribe(entity.stateTopic);
    if (entity.jsonAttributesTopic !== undefined) {
      index(attributeTopics, entity.jsonAttributesTopic, entity, true);
      ctx.subscribe(entity.jsonAttributesTopic);
    }
    return { kind: 'ignored', reason: 'discovery_config' };
  };

  const onState = (message: MqttMessage, entities: ReadonlySet<DiscoveredEntity>, ctx: ParserContext): ParseResult => {
    let json: unknown;
    const needsJson = [...entities].some((e) => e.value.kind === 'json');
    if (needsJson) {
      const parsed = parseJson(message.text);
      if (!parsed.ok) return { kind: 'invalid', reason: parsed.error.reason, message: parsed.error.message };
      json = parsed.value;
    }
    const events = [];
    let replayed = false;
    for (const entity of entities) {
      const value = entity.value.kind === 'raw' ? message.text : pick(json, entity.value.path);
      if (value === undefined) continue; // e.g. a zigbee2mqtt message without this property
      const text = stateText(value);
      const state = entity.payloadMap?.[text] ?? text;
      const attributes = { ...(jsonAttributes.get(entity.entityId) ?? {}), ...entity.attributes };
      if (message.retain) {
        // Retained replay of a device state topic after a resubscribe: drop it when nothing changed.
        const fingerprint = stableJson([state, attributes]);
        if (lastRetained.get(entity.entityId) === fingerprint) {
          replayed = true;
          continue;
        }
        lastRetained.set(entity.entityId, fingerprint);
      }
      events.push(buildStateEvent({ entityId: entity.entityId, state, attributes, message, source: ctx.source }));
    }
    if (events.length === 0) return { kind: 'ignored', reason: replayed ? 'duplicate_replay' : 'no_value' };
    return { kind: 'events', events };
  };

  const onAttributes = (message: MqttMessage, entities: ReadonlySet<DiscoveredEntity>): ParseResult => {
    const parsed = parseJson(message.text);
    if (!parsed.ok) return { kind: 'invalid', reason: parsed.error.reason, message: parsed.error.message };
    if (!isJsonObject(parsed.value)) return { kind: 'invalid', reason: 'invalid_attributes', message: 'json_attributes payload is not an object' };
    for (const entity of entities) jsonAttributes.set(entity.entityId, parsed.value);
    return { kind: 'ignored', reason: 'discovery_attributes' };
  };

  return {
    name: 'discovery',
    owns: (topic) => byTopic.has(topic) || attributeTopics.has(topic),
    parse: (message, ctx) => {
      const config = parseDiscoveryTopic(message.topic, options.prefix);
      if (config !== undefined) return onConfig(message, config, ctx);
      const entities = byTopic.get(message.topic);
      const withAttributes = attributeTopics.get(message.topic);
      if (withAttributes !== undefined) {
        const result = onAttributes(message, withAttributes);
        // One topic may carry both (zigbee2mqtt: state_topic = json_attributes_topic).
        if (entities === undefined || result.kind === 'invalid') return result;
      }
      if (entities !== undefined) return onState(message, entities, ctx);
      if (message.topic === `${options.prefix}/status`) return { kind: 'ignored', reason: 'birth_message' };
      return { kind: 'unmapped' };
    },
    close: () => {
      byId.clear();
      byTopic.clear();
      attributeTopics.clear();
      jsonAttributes.clear();
      lastRetained.clear();
    },
  };
}

// --- internal ---

function pick(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
