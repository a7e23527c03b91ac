import type { EpochMicros, HaState } from '@ha-ingestor/core';
import { parseHaTime } from '@ha-ingestor/core';
import type { MqttMessage, MqttParser, ParseResult, ParserContext, SettledResult } from '../parser.js';
import { buildStateEvent, stableJson } from '../parser.js';
import { isJsonObject, parseJson } from '../payload.js';

/** Options of {@link createStatestreamParser}. */
export interface StatestreamParserOptions {
  /** `base_topic` of mqtt_statestream, without the trailing `/`. */
  readonly baseTopic: string;
  /** Collection window per entity after its first message, ms. */
  readonly assemblyWindowMs: number;
  readonly timestampWaitMs: number;
  /** Drop an assembled change identical to the last handled one (retained replay). */
  readonly dropRetainedReplay: boolean;
}

/** The parts of a statestream topic: `<base>/<domain>/<object_id>/<leaf>`. */
export interface StatestreamTopic {
  readonly domain: string;
  readonly objectId: string;
  readonly leaf: string;
}

/** Splits a statestream topic; `undefined` when it does not have the statestream shape under `baseTopic`. */
export function parseStatestreamTopic(topic: string, baseTopic: string): StatestreamTopic | undefined {
  const prefix = `${baseTopic.replace(/\/+$/, '')}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length).split('/');
  if (rest.length !== 3) return undefined;
  const [domain, objectId, leaf] = rest;
  if (!domain || !objectId || !leaf) return undefined;
  return { domain, objectId, leaf };
}

/**
 * HA `mqtt_statestream` parser. HA publishes one change as several retained QoS 1 messages — `state`,
 * then `last_updated`/`last_changed` (publish_timestamps), then one JSON topic per attribute
 * (publish_attributes) — so the parser collects an entity's messages until `assemblyWindowMs` passed
 * without a new one (at most 4 × assemblyWindowMs after the first) and emits ONE event. A second `state`
 * or a different `last_updated` starts the next change. With HA's `last_updated` the event time and key are HA's (same key as
 * the WebSocket source); without it the receipt time is used and `provenance.timeFromReceipt` is set.
 *
 * Retained replay: the last handled (state, attributes, last_updated) is remembered per entity (committed
 * only once the pipeline handled the event, so a failed write is never mistaken for a duplicate); an
 * identical assembly — which HA never publishes twice, as state_changed fires only on a change — is
 * dropped and acknowledged.
 */
export function createStatestreamParser(options: StatestreamParserOptions): MqttParser {
  const open = new Map<string, Assembly>();
  const memory = new Map<string, Remembered>();
  // HA's publish_timestamps is one setting for the whole statestream. Until we know (`unknown`), and once
  // any last_updated was seen (`yes`), a change without its last_updated waits for it (up to
  // timestampWaitMs) before falling back to the receipt time: a receipt-time key would not match the
  // WebSocket copy and would store a second point. The first wait that expires while still `unknown`
  // concludes `no` (HA publishes no timestamps): from then on changes close after the normal window.
  let timestamps: 'unknown' | 'yes' | 'no' = 'unknown';

  const flushEntity = (entityId: string, ctx: ParserContext): void => {
    const assembly = open.get(entityId);
    if (assembly === undefined) return;
    open.delete(entityId);
    clearTimeout(assembly.timer);
    ctx.settle(assembly.messages, assemble(assembly, memory, options, ctx.source));
  };

  const parse = (message: MqttMessage, ctx: ParserContext): ParseResult => {
    const parts = parseStatestreamTopic(message.topic, options.baseTopic);
    if (parts === undefined) {
      return { kind: 'invalid', reason: 'unexpected_topic', message: `not a statestream topic under "${options.baseTopic}/"` };
    }
    const entityId = `${parts.domain}.${parts.objectId}`;
    const update = readLeaf(parts.leaf, message.text);
    if ('invalid' in update) return { kind: 'invalid', reason: update.invalid, message: update.message };

    let assembly = open.get(entityId);
    // A second `state` (or another last_updated) means a new change started: close the current one first.
    if (assembly !== undefined && conflicts(assembly, update)) {
      flushEntity(entityId, ctx);
      assembly = undefined;
    }
    if (assembly === undefined) {
      const created: Assembly = { entityId, attributes: {}, hasAttributes: false, messages: [], openedAt: ctx.now(), timer: undefined };
      open.set(entityId, created);
      assembly = created;
    }
    // Quiet-period window: it closes `assemblyWindowMs` after the entity's latest message (a burst with many
    // attributes on a busy broker keeps it open), but never later than 4 × assemblyWindowMs after the first.
    assembly.messages.push(message);
    apply(assembly, update);
    if ('lastUpdated' in update) timestamps = 'yes';
    arm(assembly, ctx);
    return { kind: 'pending' };
  };

  // Quiet-period window: it closes `assemblyWindowMs` after the entity's latest message, but never later
  // than 4 × assemblyWindowMs after the first. When the stream publishes timestamps, a change without its
  // last_updated yet stays open (up to timestampWaitMs): closing early would stamp it with the receipt time.
  const arm = (assembly: Assembly, ctx: ParserContext): void => {
    clearTimeout(assembly.timer);
    const cap = assembly.openedAt + 4 * options.assemblyWindowMs;
    const delay = Math.max(0, Math.min(options.assemblyWindowMs, cap - ctx.now()));
    assembly.timer = setTimeout(() => {
      const waitForTimestamp =
        options.timestampWaitMs > 0 && assembly.state !== undefined && assembly.lastUpdated === undefined && timestamps !== 'no';
      const timestampDeadline = assembly.openedAt + Math.max(4 * options.assemblyWindowMs, options.timestampWaitMs);
      if (waitForTimestamp && ctx.now() < timestampDeadline) {
        assembly.timer = setTimeout(() => {
          if (assembly.lastUpdated === undefined && timestamps === 'unknown') timestamps = 'no';
          flushEntity(assembly.entityId, ctx);
        }, timestampDeadline - ctx.now());
        return;
      }
      flushEntity(assembly.entityId, ctx);
    }, delay);
  };

  return {
    name: 'statestream',
    parse,
    flush: (ctx) => {
      for (const entityId of [...open.keys()]) flushEntity(entityId, ctx);
    },
    close: () => {
      for (const a of open.values()) clearTimeout(a.timer);
      open.clear();
      memory.clear();
      timestamps = 'unknown';
    },
  };
}

// --- internal ---

interface Assembly {
  readonly entityId: string;
  state?: string;
  attributes: Record<string, unknown>;
  hasAttributes: boolean;
  lastUpdated?: EpochMicros;
  lastChanged?: EpochMicros;
  readonly messages: MqttMessage[];
  /** ctx.now() of the first message, ms. */
  readonly openedAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Remembered {
  readonly state: HaState;
  readonly fingerprint: string;
}

type LeafUpdate =
  | { readonly state: string }
  | { readonly lastUpdated: EpochMicros }
  | { readonly lastChanged: EpochMicros }
  | { readonly attributes: Readonly<Record<string, unknown>> }
  | { readonly invalid: string; readonly message: string };

function readLeaf(leaf: string, text: string): LeafUpdate {
  if (leaf === 'state') return { state: text };
  if (leaf === 'last_updated' || leaf === 'last_changed') {
    // HA publishes `datetime.isoformat()` as plain text; accept a JSON-quoted string too.
    const raw = text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
    const micros = parseHaTime(raw.trim());
    if (micros === undefined) return { invalid: 'invalid_timestamp', message: `${leaf} is not an ISO 8601 timestamp` };
    return leaf === 'last_updated' ? { lastUpdated: micros } : { lastChanged: micros };
  }
  const json = parseJson(text);
  if (!json.ok) return { invalid: json.error.reason, message: `attribute ${leaf}: ${json.error.message}` };
  if (leaf === 'attributes') {
    if (!isJsonObject(json.value)) return { invalid: 'invalid_attributes', message: 'attributes payload is not a JSON object' };
    return { attributes: json.value };
  }
  return { attributes: { [leaf]: json.value } };
}

function conflicts(assembly: Assembly, update: LeafUpdate): boolean {
  if ('state' in update) return assembly.state !== undefined;
  if ('lastUpdated' in update) return assembly.lastUpdated !== undefined && assembly.lastUpdated !== update.lastUpdated;
  return false;
}

function apply(assembly: Assembly, update: LeafUpdate): void {
  if ('state' in update) assembly.state = update.state;
  else if ('lastUpdated' in update) assembly.lastUpdated = update.lastUpdated;
  else if ('lastChanged' in update) assembly.lastChanged = update.lastChanged;
  else if ('attributes' in update) {
    Object.assign(assembly.attributes, update.attributes);
    assembly.hasAttributes = true;
  }
}

function assemble(
  assembly: Assembly,
  memory: Map<string, Remembered>,
  options: StatestreamParserOptions,
  source: string,
): SettledResult {
  const previous = memory.get(assembly.entityId);
  // HA publishes `state` first for every change, so a window without one holds stragglers of a change that
  // was already emitted (a burst slower than the window): never a change of its own.
  const state = assembly.state;
  if (state === undefined) return { kind: 'ignored', reason: 'statestream_partial' };
  const attributes = assembly.hasAttributes ? assembly.attributes : (previous?.state.attributes ?? {});
  const fingerprint = stableJson([state, attributes, assembly.lastUpdated ?? null]);
  if (options.dropRetainedReplay && previous !== undefined && previous.fingerprint === fingerprint) {
    return { kind: 'ignored', reason: 'duplicate_replay' };
  }
  const first = assembly.messages[0];
  if (first === undefined) return { kind: 'ignored', reason: 'empty' };
  const time = assembly.lastUpdated ?? first.receivedAt;
  const lastChanged =
    assembly.lastChanged ?? (previous !== undefined && previous.state.state === state ? previous.state.last_changed : time);
  const event = buildStateEvent({
    entityId: assembly.entityId,
    state,
    attributes,
    ...(assembly.lastUpdated === undefined ? {} : { lastUpdated: assembly.lastUpdated }),
    lastChanged,
    oldState: previous?.state ?? null,
    message: first,
    source,
  });
  const haState: HaState = {
    entity_id: assembly.entityId,
    state,
    attributes,
    last_changed: lastChanged,
    last_updated: time,
    context: null,
  };
  return {
    kind: 'events',
    events: [event],
    onHandled: () => {
      // Commit only after the write: a failed event must not make its redelivery look like a replay.
      const current = memory.get(assembly.entityId);
      if (current === undefined || current.state.last_updated <= time) memory.set(assembly.entityId, { state: haState, fingerprint });
    },
  };
}
