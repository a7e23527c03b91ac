import type { z } from 'zod';
import { parseOptions } from '@ha-ingestor/core';
import { createBoundedMap } from '@ha-ingestor/core/resilience';
import { DiscoveryOptionsSchema } from '../options.js';
import type { MqttMessage, MqttParser, ParseResult, ParserContext } from '../parser.js';
import { STABLE_JSON_MAX_DEPTH, buildStateEvent, stableJson, stateText } from '../parser.js';
import { isJsonObject, parseJson } from '../payload.js';
import type { DiscoveredEntity } from './discovery-config.js';
import { readDiscoveryConfig } from './discovery-config.js';

/** Options of {@link createDiscoveryParser}: a subscription's `discovery` options (`settleMs` is used by the source). */
export type DiscoveryParserOptions = z.input<typeof DiscoveryOptionsSchema>;

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
  return {
    component,
    ...(nodeId === undefined ? {} : { nodeId }),
    objectId,
    discoveryId: levels.slice(0, -1).join('/'),
  };
}

/**
 * HA MQTT discovery parser. Retained `…/config` payloads build a map from state topics to entities (entity
 * id, unit, device_class, device); the parser subscribes those state topics and turns their messages into
 * one event per entity on the topic. An empty config removes the entity. Device state carries no HA
 * timestamp: events use the receipt time (`provenance.timeFromReceipt`).
 *
 * Trust (issue 11): configs naming a wildcard or `$` topic are refused (see readDiscoveryConfig), a
 * config whose topic the source will not subscribe (`maxDynamicSubscriptions`) is dead-lettered as
 * `discovery_subscription_limit`, configs are an LRU of `maxEntities` whose evicted and removed entries
 * give their topics up again, and every per-entity memory is bounded the same way.
 */
export function createDiscoveryParser(input: DiscoveryParserOptions = {}): MqttParser {
  const options = parseOptions(DiscoveryOptionsSchema, input, 'mqtt discovery parser');
  // Keyed by names from the broker: bounded, least recently updated evicted and counted (issue 11). The
  // topic indexes are derived from `byId`, so they are bounded by it (at most two topics per config).
  const byId = createBoundedMap<string, DiscoveredEntity>({ max: options.maxEntities, eviction: 'lru' });
  const byTopic = new Map<string, Set<DiscoveredEntity>>();
  const attributeTopics = new Map<string, Set<DiscoveredEntity>>();
  const jsonAttributes = createBoundedMap<string, Readonly<Record<string, unknown>>>({
    max: options.maxEntities,
    eviction: 'lru',
  });
  const lastRetained = createBoundedMap<string, string>({ max: options.maxEntities, eviction: 'lru' });

  const index = (map: Map<string, Set<DiscoveredEntity>>, topic: string, entity: DiscoveredEntity, add: boolean) => {
    const set = map.get(topic) ?? new Set<DiscoveredEntity>();
    if (add) set.add(entity);
    else set.delete(entity);
    if (set.size === 0) map.delete(topic);
    else map.set(topic, set);
  };
  const indexed = (topic: string) => byTopic.has(topic) || attributeTopics.has(topic);
  const topicsOf = (entity: DiscoveredEntity) => [
    entity.stateTopic,
    ...(entity.jsonAttributesTopic === undefined ? [] : [entity.jsonAttributesTopic]),
  ];

  // Takes an entity out of the indexes and gives up the topics nobody else uses any more.
  const unregister = (entity: DiscoveredEntity, ctx: ParserContext) => {
    index(byTopic, entity.stateTopic, entity, false);
    if (entity.jsonAttributesTopic !== undefined) index(attributeTopics, entity.jsonAttributesTopic, entity, false);
    for (const topic of topicsOf(entity)) if (!indexed(topic)) ctx.unsubscribe(topic);
  };

  const remove = (discoveryId: string, ctx: ParserContext) => {
    const old = byId.peek(discoveryId);
    if (old === undefined) return;
    byId.delete(discoveryId);
    unregister(old, ctx);
    jsonAttributes.delete(old.entityId);
    lastRetained.delete(old.entityId);
  };

  const onConfig = (message: MqttMessage, topic: DiscoveryTopic, ctx: ParserContext): ParseResult => {
    if (message.text.trim() === '') {
      remove(topic.discoveryId, ctx);
      return { kind: 'ignored', reason: 'discovery_removed' };
    }
    const json = parseJson(message.text);
    if (!json.ok) return { kind: 'invalid', reason: json.error.reason, message: json.error.message };
    const result = readDiscoveryConfig(topic.discoveryId, topic.component, topic.objectId, json.value);
    if (!result.ok) return { kind: 'invalid', reason: result.reason, message: result.message };
    const entity = result.entity;
    // Subscribe the new topics first: when the source refuses one (maxDynamicSubscriptions), the config is
    // dead-lettered and the previous config of this id, if any, stays as it was.
    const added: string[] = [];
    for (const t of topicsOf(entity)) {
      if (indexed(t) || added.includes(t)) continue;
      if (!ctx.subscribe(t)) {
        for (const a of added) ctx.unsubscribe(a);
        return {
          kind: 'invalid',
          reason: 'discovery_subscription_limit',
          message: `the source refused to subscribe "${t}" (maxDynamicSubscriptions)`,
        };
      }
      added.push(t);
    }
    const old = byId.peek(entity.discoveryId);
    const evicted = byId.set(entity.discoveryId, entity);
    index(byTopic, entity.stateTopic, entity, true);
    if (entity.jsonAttributesTopic !== undefined) index(attributeTopics, entity.jsonAttributesTopic, entity, true);
    if (old !== undefined) unregister(old, ctx);
    for (const [, gone] of evicted) {
      unregister(gone, ctx);
      jsonAttributes.delete(gone.entityId);
      lastRetained.delete(gone.entityId);
    }
    if (evicted.length > 0) ctx.evicted('discovery_entities', evicted.length);
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
      const attributes = { ...(jsonAttributes.peek(entity.entityId) ?? {}), ...entity.attributes };
      if (message.retain) {
        // Retained replay of a device state topic after a resubscribe: drop it when nothing changed.
        const fingerprint = stableJson([state, attributes]);
        if (fingerprint === undefined) {
          return {
            kind: 'invalid',
            reason: 'json_too_deep',
            message: `attributes of ${entity.entityId} nest deeper than ${STABLE_JSON_MAX_DEPTH - 2} levels`,
          };
        }
        if (lastRetained.get(entity.entityId) === fingerprint) {
          replayed = true;
          continue;
        }
        const evicted = lastRetained.set(entity.entityId, fingerprint);
        if (evicted.length > 0) ctx.evicted('discovery_replay', evicted.length);
      }
      events.push(buildStateEvent({ entityId: entity.entityId, state, attributes, message, source: ctx.source }));
    }
    if (events.length === 0) return { kind: 'ignored', reason: replayed ? 'duplicate_replay' : 'no_value' };
    return { kind: 'events', events };
  };

  const onAttributes = (
    message: MqttMessage,
    entities: ReadonlySet<DiscoveredEntity>,
    ctx: ParserContext,
  ): ParseResult => {
    const parsed = parseJson(message.text);
    if (!parsed.ok) return { kind: 'invalid', reason: parsed.error.reason, message: parsed.error.message };
    if (!isJsonObject(parsed.value))
      return { kind: 'invalid', reason: 'invalid_attributes', message: 'json_attributes payload is not an object' };
    for (const entity of entities) {
      const evicted = jsonAttributes.set(entity.entityId, parsed.value);
      if (evicted.length > 0) ctx.evicted('discovery_attributes', evicted.length);
    }
    return { kind: 'ignored', reason: 'discovery_attributes' };
  };

  return {
    name: 'discovery',
    owns: (topic) => indexed(topic),
    parse: (message, ctx) => {
      const config = parseDiscoveryTopic(message.topic, options.prefix);
      if (config !== undefined) return onConfig(message, config, ctx);
      const entities = byTopic.get(message.topic);
      const withAttributes = attributeTopics.get(message.topic);
      if (withAttributes !== undefined) {
        const result = onAttributes(message, withAttributes, ctx);
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
