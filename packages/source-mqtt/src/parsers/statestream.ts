import type { z } from 'zod';
import type { SdkError } from '@ha-ingestor/core';
import { parseOptions } from '@ha-ingestor/core';
import { createBoundedMap } from '@ha-ingestor/core/resilience';
import { StatestreamOptionsSchema } from '../options.js';
import type { MqttMessage, MqttParser, ParseResult, ParserContext } from '../parser.js';
import { isValidEntityId } from '../parser.js';
import type { Assembly, Remembered } from './statestream-assembly.js';
import { apply, assemble, conflicts, readLeaf } from './statestream-assembly.js';

/** Options of {@link createStatestreamParser}: a subscription's `statestream` options (defaults from the schema). */
export type StatestreamParserOptions = z.input<typeof StatestreamOptionsSchema>;

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

/** A timestamp wait is extended while the source is backlogged, up to this many × timestampWaitMs. */
const BACKLOG_WAIT_FACTOR = 5;

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
 *
 * Bounds (issue 11): open assemblies (`maxOpenAssemblies`) and remembered states (`maxEntities`) are LRU
 * maps; parked timestamp waits are capped (`maxTimestampWaits`, oldest cut first) and all cut by
 * {@link MqttParser.relieve}; every eviction or cut is counted through `ctx.evicted`. Every timer runs
 * through `ctx.guard`: whatever throws, the change's messages are dead-lettered and acknowledged.
 */
export function createStatestreamParser(input: StatestreamParserOptions = {}): MqttParser {
  const options = parseOptions(StatestreamOptionsSchema, input, 'mqtt statestream parser');
  // Both maps are keyed by names from the broker: bounded, least recently used evicted and counted (issue 11).
  const open = createBoundedMap<string, Assembly>({ max: options.maxOpenAssemblies, eviction: 'lru' });
  const memory = createBoundedMap<string, Remembered>({ max: options.maxEntities, eviction: 'lru' });
  // Changes parked waiting for their last_updated, oldest first (Map insertion order). Each holds
  // unacknowledged messages, and PUBACKs go out in receive order, so a parked message at the head of the
  // ack window holds every later message too: at most maxTimestampWaits park, the oldest is cut first, and
  // all of them are cut when the source says the window is nearly full (relieve). Issue 11: 1,000 parked
  // messages waiting 2 s filled maxInFlight and starved every other entity.
  const waits = new Map<string, Assembly>();
  // HA's publish_timestamps is one setting for the whole statestream. Until we know (`unknown`), and once
  // any last_updated was seen (`yes`), a change without its last_updated waits for it (up to
  // timestampWaitMs) before falling back to the receipt time: a receipt-time key would not match the
  // WebSocket copy and would store a second point. The first wait that expires while still `unknown`
  // concludes `no` (HA publishes no timestamps): from then on changes close after the normal window.
  let timestamps: 'unknown' | 'yes' | 'no' = 'unknown';

  const forget = (assembly: Assembly): void => {
    clearTimeout(assembly.timer);
    if (open.peek(assembly.entityId) === assembly) open.delete(assembly.entityId);
    if (waits.get(assembly.entityId) === assembly) waits.delete(assembly.entityId);
  };

  // The guard's recover: the messages are dead-lettered (`callback_failed`) and acknowledged, so the broker
  // does not redeliver a message that failed once into the same failure after a restart (issue 11).
  const fail = (assembly: Assembly, ctx: ParserContext, error: SdkError): void => {
    forget(assembly);
    if (assembly.settled) return;
    assembly.settled = true;
    ctx.settle(assembly.messages, {
      kind: 'invalid',
      reason: 'callback_failed',
      message: `statestream change of ${assembly.entityId}: ${error.message}`,
    });
  };

  const closeNow = (assembly: Assembly, ctx: ParserContext): void => {
    if (assembly.settled) return;
    forget(assembly);
    const id = assembly.entityId;
    const result = assemble(
      assembly,
      memory.get(id),
      { dropRetainedReplay: options.dropRetainedReplay, source: ctx.source },
      (remembered) => {
        const current = memory.peek(id);
        if (current !== undefined && current.state.last_updated > remembered.state.last_updated) return;
        const evicted = memory.set(id, remembered);
        if (evicted.length > 0) ctx.evicted('statestream_memory', evicted.length);
      },
    );
    assembly.settled = true;
    ctx.settle(assembly.messages, result);
  };
  // Every close is isolated: a throw while closing one change settles that change's messages as failed,
  // whichever path closed it (its timer, a newer change, an eviction, a cut wait, stop).
  const close = (assembly: Assembly, ctx: ParserContext): void =>
    ctx.guard(
      'statestream close',
      () => closeNow(assembly, ctx),
      (error) => fail(assembly, ctx, error),
    )();

  const park = (assembly: Assembly, ctx: ParserContext, deadline: number): void => {
    for (const oldest of waits.values()) {
      if (waits.size < options.maxTimestampWaits) break;
      close(oldest, ctx);
      ctx.evicted('statestream_wait_limit');
    }
    waits.set(assembly.entityId, assembly);
    armWait(assembly, ctx, deadline);
  };

  // While the source cannot read because the pipeline is behind (backlogged), the missing last_updated
  // may be queued at the broker: the wait is extended (never past BACKLOG_WAIT_FACTOR × timestampWaitMs)
  // and proves nothing about whether HA publishes timestamps.
  const armWait = (assembly: Assembly, ctx: ParserContext, deadline: number): void => {
    assembly.timer = setTimeout(
      ctx.guard(
        'statestream timestamp wait',
        () => {
          const hardDeadline = assembly.openedAt + BACKLOG_WAIT_FACTOR * options.timestampWaitMs;
          if (ctx.backlogged() && ctx.now() < hardDeadline) {
            armWait(assembly, ctx, Math.min(hardDeadline, ctx.now() + options.assemblyWindowMs));
            return;
          }
          if (assembly.lastUpdated === undefined && timestamps === 'unknown' && !ctx.backlogged()) timestamps = 'no';
          close(assembly, ctx);
        },
        (error) => fail(assembly, ctx, error),
      ),
      Math.max(0, deadline - ctx.now()),
    );
  };

  // The quiet window ended. When the stream publishes timestamps (or it is not known yet), a change
  // without its last_updated parks until the timestamp deadline: closing it now would stamp the receipt time.
  const onQuiet = (assembly: Assembly, ctx: ParserContext): void => {
    const waitForTimestamp =
      options.timestampWaitMs > 0 &&
      options.maxTimestampWaits > 0 &&
      assembly.state !== undefined &&
      assembly.lastUpdated === undefined &&
      timestamps !== 'no';
    const deadline = assembly.openedAt + Math.max(4 * options.assemblyWindowMs, options.timestampWaitMs);
    if (!waitForTimestamp || ctx.now() >= deadline) close(assembly, ctx);
    else if (ctx.crowded()) {
      // Parking now would hold the head of a nearly full ack window: close with the receipt time instead.
      close(assembly, ctx);
      ctx.evicted('statestream_wait_pressure');
    } else park(assembly, ctx, deadline);
  };

  // Quiet-period window: it closes `assemblyWindowMs` after the entity's latest message (a burst with many
  // attributes on a busy broker keeps it open), but never later than 4 × assemblyWindowMs after the first.
  const arm = (assembly: Assembly, ctx: ParserContext): void => {
    clearTimeout(assembly.timer);
    if (waits.get(assembly.entityId) === assembly) waits.delete(assembly.entityId);
    const cap = assembly.openedAt + 4 * options.assemblyWindowMs;
    const delay = Math.max(0, Math.min(options.assemblyWindowMs, cap - ctx.now()));
    assembly.timer = setTimeout(
      ctx.guard(
        'statestream assembly window',
        () => onQuiet(assembly, ctx),
        (error) => fail(assembly, ctx, error),
      ),
      delay,
    );
  };

  const parse = (message: MqttMessage, ctx: ParserContext): ParseResult => {
    const parts = parseStatestreamTopic(message.topic, options.baseTopic);
    if (parts === undefined) {
      return {
        kind: 'invalid',
        reason: 'unexpected_topic',
        message: `not a statestream topic under "${options.baseTopic}/"`,
      };
    }
    const entityId = `${parts.domain}.${parts.objectId}`;
    if (!isValidEntityId(entityId)) {
      return {
        kind: 'invalid',
        reason: 'invalid_entity_id',
        message: 'statestream topic does not name a valid entity id (<domain>/<object_id>, a-z0-9_)',
      };
    }
    const update = readLeaf(parts.leaf, message.text);
    if ('invalid' in update) return { kind: 'invalid', reason: update.invalid, message: update.message };

    let assembly = open.get(entityId);
    // A second `state` (or another last_updated) means a new change started: close the current one first.
    if (assembly !== undefined && conflicts(assembly, update)) {
      close(assembly, ctx);
      assembly = undefined;
    }
    if (assembly === undefined) {
      const created: Assembly = {
        entityId,
        attributes: {},
        hasAttributes: false,
        messages: [],
        openedAt: ctx.now(),
        timer: undefined,
        settled: false,
      };
      const evicted = open.set(entityId, created);
      for (const [, old] of evicted) close(old, ctx);
      if (evicted.length > 0) ctx.evicted('statestream_open', evicted.length);
      assembly = created;
    }
    assembly.messages.push(message);
    apply(assembly, update);
    if ('lastUpdated' in update) timestamps = 'yes';
    arm(assembly, ctx);
    return { kind: 'pending' };
  };

  return {
    name: 'statestream',
    parse,
    relieve: (ctx) => {
      for (const parked of [...waits.values()]) {
        close(parked, ctx);
        ctx.evicted('statestream_wait_pressure');
      }
    },
    abandon: (ctx) => {
      for (const assembly of [...open.values()]) {
        if (assembly.messages.every((m) => m.qos === 0)) {
          close(assembly, ctx); // nothing of it comes back
          continue;
        }
        forget(assembly);
        assembly.settled = true;
      }
      waits.clear();
    },
    flush: (ctx) => {
      for (const assembly of open.values()) close(assembly, ctx);
    },
    close: () => {
      for (const assembly of open.values()) clearTimeout(assembly.timer);
      open.clear();
      waits.clear();
      memory.clear();
      timestamps = 'unknown';
    },
  };
}
