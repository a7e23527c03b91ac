import type { EpochMicros, HaState } from '@ha-ingestor/core';
import { parseHaTime } from '@ha-ingestor/core';
import type { MqttMessage, SettledResult } from '../parser.js';
import { STABLE_JSON_MAX_DEPTH, buildStateEvent, stableJson } from '../parser.js';
import { isJsonObject, parseJson } from '../payload.js';

/** One entity's change being collected from its statestream topics. */
export interface Assembly {
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
  /** Handed to ctx.settle (or failed): never settled twice, whatever path closes it. */
  settled: boolean;
}

/** The last change the pipeline handled for an entity: `old_state` of the next one and replay detection. */
export interface Remembered {
  readonly state: HaState;
  readonly fingerprint: string;
}

/** What one statestream leaf topic contributes to an assembly. */
export type LeafUpdate =
  | { readonly state: string }
  | { readonly lastUpdated: EpochMicros }
  | { readonly lastChanged: EpochMicros }
  | { readonly attributes: Readonly<Record<string, unknown>> }
  | { readonly invalid: string; readonly message: string };

/** Reads one leaf (`state`, `last_updated`, `last_changed`, `attributes` or one attribute's JSON value). */
export function readLeaf(leaf: string, text: string): LeafUpdate {
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
    if (!isJsonObject(json.value))
      return { invalid: 'invalid_attributes', message: 'attributes payload is not a JSON object' };
    return { attributes: json.value };
  }
  return { attributes: { [leaf]: json.value } };
}

/** True when the update starts the next change: a second `state`, or another `last_updated`. */
export function conflicts(assembly: Assembly, update: LeafUpdate): boolean {
  if ('state' in update) return assembly.state !== undefined;
  if ('lastUpdated' in update) return assembly.lastUpdated !== undefined && assembly.lastUpdated !== update.lastUpdated;
  return false;
}

/** Applies a (valid) leaf update to the assembly. */
export function apply(assembly: Assembly, update: LeafUpdate): void {
  if ('state' in update) assembly.state = update.state;
  else if ('lastUpdated' in update) assembly.lastUpdated = update.lastUpdated;
  else if ('lastChanged' in update) assembly.lastChanged = update.lastChanged;
  else if ('attributes' in update) {
    // Defined, not assigned: an attribute topic named `__proto__` must stay an attribute, not replace the
    // object's prototype (Object.assign would call the setter and the attribute would vanish).
    for (const [key, value] of Object.entries(update.attributes)) {
      Object.defineProperty(assembly.attributes, key, { value, enumerable: true, writable: true, configurable: true });
    }
    assembly.hasAttributes = true;
  }
}

/**
 * Turns a closed assembly into what settles its messages: one event, `ignored` (a straggler without
 * `state`, or an identical retained replay), or `invalid` / `json_too_deep` when its values cannot be
 * fingerprinted. `commit` runs once the pipeline handled the event (never before: a failed write must not
 * make its redelivery look like a replay).
 */
export function assemble(
  assembly: Assembly,
  previous: Remembered | undefined,
  options: { readonly dropRetainedReplay: boolean; readonly source: string },
  commit: (remembered: Remembered) => void,
): SettledResult {
  // HA publishes `state` first for every change, so a window without one holds stragglers of a change that
  // was already emitted (a burst slower than the window): never a change of its own.
  const state = assembly.state;
  if (state === undefined) return { kind: 'ignored', reason: 'statestream_partial' };
  const attributes = assembly.hasAttributes ? assembly.attributes : (previous?.state.attributes ?? {});
  const fingerprint = stableJson([state, attributes, assembly.lastUpdated ?? null]);
  if (fingerprint === undefined) {
    return {
      kind: 'invalid',
      reason: 'json_too_deep',
      message: `statestream change of ${assembly.entityId}: attributes nest deeper than ${STABLE_JSON_MAX_DEPTH - 2} levels`,
    };
  }
  if (options.dropRetainedReplay && previous !== undefined && previous.fingerprint === fingerprint) {
    return { kind: 'ignored', reason: 'duplicate_replay' };
  }
  const first = assembly.messages[0];
  if (first === undefined) return { kind: 'ignored', reason: 'empty' };
  const time = assembly.lastUpdated ?? first.receivedAt;
  const lastChanged =
    assembly.lastChanged ??
    (previous !== undefined && previous.state.state === state ? previous.state.last_changed : time);
  const event = buildStateEvent({
    entityId: assembly.entityId,
    state,
    attributes,
    ...(assembly.lastUpdated === undefined ? {} : { lastUpdated: assembly.lastUpdated }),
    lastChanged,
    oldState: previous?.state ?? null,
    message: first,
    source: options.source,
  });
  const haState: HaState = {
    entity_id: assembly.entityId,
    state,
    attributes,
    last_changed: lastChanged,
    last_updated: time,
    context: null,
  };
  return { kind: 'events', events: [event], onHandled: () => commit({ state: haState, fingerprint }) };
}
