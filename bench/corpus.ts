import type { RegistryData } from '@ha-ingestor/core';
import { mapConfig, toRegistryData } from '@ha-ingestor/source-ws';
import { createEventGenerator } from '@ha-ingestor/ha-simulator';
import type { HaWireEvent, SimulatedHome } from '@ha-ingestor/ha-simulator';
import { percentile } from './util.js';

/** Event types the WebSocket source subscribes to by default (the corpus keeps only these). */
export const SUBSCRIBED_TYPES: ReadonlySet<string> = new Set([
  'state_changed',
  'call_service',
  'automation_triggered',
  'script_started',
]);

/** A seeded corpus of HA WebSocket event frames, exactly as HA sends them (one event per frame). */
export interface Corpus {
  readonly seed: number;
  readonly entityCount: number;
  /** `{"id":1,"type":"event","event":{…}}` text frames. */
  readonly frames: readonly string[];
  readonly events: readonly HaWireEvent[];
  readonly stats: CorpusStats;
  /** The simulated home's registries and config, as the source's registry sync would store them. */
  readonly registry: RegistryData;
}

export interface CorpusStats {
  readonly frames: number;
  readonly bytes: number;
  readonly medianBytes: number;
  readonly p95Bytes: number;
  readonly maxBytes: number;
  /** Frames of 8 kB or more (big climate/media_player/BLE states). */
  readonly over8k: number;
  readonly byType: Readonly<Record<string, number>>;
  /** Events with a control character, quote, backslash, comma, `=` or an astral (emoji) character in a key or string. */
  readonly hostile: number;
}

// Control characters are looked for with a code-point test (the lint bans control ranges in regexes).
const HOSTILE_CHARS = /["\\,=]|[\u{10000}-\u{10ffff}]/u;
const isHostile = (s: string): boolean => HOSTILE_CHARS.test(s) || [...s].some((c) => c.charCodeAt(0) < 0x20);

/** Builds `count` frames from the simulator's pure generator. Same seed and sizes → same frames. */
export function buildCorpus(options: { seed: number; entityCount: number; count: number }): Corpus {
  const gen = createEventGenerator({ seed: options.seed, entityCount: options.entityCount });
  const registry = registryDataOf(gen.home);
  const events: HaWireEvent[] = [];
  const frames: string[] = [];
  let guard = 0;
  while (frames.length < options.count && guard++ < options.count * 4) {
    const event = gen.next();
    if (!SUBSCRIBED_TYPES.has(event.event_type)) continue;
    events.push(event);
    frames.push(JSON.stringify({ id: 1, type: 'event', event }));
  }
  return {
    seed: options.seed,
    entityCount: options.entityCount,
    frames,
    events,
    stats: corpusStats(frames, events),
    registry,
  };
}

/** Size and mix statistics of a corpus (bytes are UTF-8). */
export function corpusStats(frames: readonly string[], events: readonly HaWireEvent[]): CorpusStats {
  const sizes = frames.map((f) => Buffer.byteLength(f, 'utf8'));
  const byType: Record<string, number> = {};
  for (const e of events) byType[e.event_type] = (byType[e.event_type] ?? 0) + 1;
  return {
    frames: frames.length,
    bytes: sizes.reduce((a, b) => a + b, 0),
    medianBytes: percentile(sizes, 50),
    p95Bytes: percentile(sizes, 95),
    maxBytes: sizes.length === 0 ? 0 : Math.max(...sizes),
    over8k: sizes.filter((s) => s >= 8192).length,
    byType,
    hostile: events.filter((e) => hasHostileString(e.data)).length,
  };
}

function hasHostileString(value: unknown): boolean {
  if (typeof value === 'string') return isHostile(value);
  if (Array.isArray(value)) return value.some(hasHostileString);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).some(([k, v]) => isHostile(k) || hasHostileString(v));
  return false;
}

/** What registry sync would store for `home` (areas, floors, devices, entities, labels, location). */
export function registryDataOf(home: SimulatedHome): RegistryData {
  const r = home.registries;
  const config = mapConfig(home.config);
  return {
    ...toRegistryData('area', [...r.areas.values()]),
    ...toRegistryData('floor', [...r.floors.values()]),
    ...toRegistryData('device', [...r.devices.values()]),
    ...toRegistryData('entity', [...r.entities.values()]),
    ...toRegistryData('label', [...r.labels.values()]),
    ...(config === undefined ? {} : { config }),
  };
}
