import type { IClientOptions, MqttClient } from 'mqtt';
import { connectAsync } from 'mqtt';
import { z } from 'zod';
import { parseOptions } from '@ha-ingestor/core';
import { MAX_JSON_DEPTH, valueDepth } from '@ha-ingestor/core/json';

/** Options of {@link createStatestreamPublisher} (data; the client, if any, is passed beside them). */
export const StatestreamPublisherOptionsSchema = z.object({
  url: z.string().optional().describe('Broker URL to connect to when no `client` is given'),
  baseTopic: z.string().min(1).default('homeassistant').describe('mqtt_statestream `base_topic`'),
  publishAttributes: z.boolean().default(false).describe('HA `publish_attributes`: one JSON topic per attribute'),
  publishTimestamps: z
    .boolean()
    .default(false)
    .describe('HA `publish_timestamps`: `last_updated` and `last_changed` topics'),
  clientOptions: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Extra mqtt.js options when connecting by `url`'),
});
/** Options of {@link createStatestreamPublisher} as a user writes them. */
export type StatestreamPublisherOptions = z.input<typeof StatestreamPublisherOptionsSchema>;

/** A state as HA puts it on the wire (times as ISO strings). */
export interface HaWireState {
  readonly entity_id?: string;
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly last_changed: string;
  readonly last_updated: string;
}

/** An HA `state_changed` event as the WebSocket API sends it (only the fields statestream uses). */
export interface HaWireStateChanged {
  readonly event_type?: string;
  readonly data: {
    readonly entity_id: string;
    readonly new_state: HaWireState | null;
    readonly old_state?: HaWireState | null;
  };
}

/** Publishes state changes the way HA's `mqtt_statestream` does. */
export interface StatestreamPublisher {
  /** Publishes one change; resolves when every message was acknowledged by the broker (QoS 1). */
  readonly publish: (event: HaWireStateChanged) => Promise<void>;
  /** The topics and payloads one change becomes, in publish order (no I/O). */
  readonly messagesOf: (event: HaWireStateChanged) => readonly { topic: string; payload: string }[];
  /** Waits for the publishes already handed over, refuses later ones, and ends the client when the publisher created it. */
  readonly close: () => Promise<void>;
}

/**
 * Publishes HA `state_changed` events exactly as HA's `mqtt_statestream` (homeassistant/components/
 * mqtt_statestream/__init__.py): every message QoS 1 and retained; `<base>/<domain>/<object_id>/state`
 * with the raw state, then `last_updated` / `last_changed` (ISO text) with publishTimestamps, then one
 * topic per attribute with the JSON-encoded value (Python `json.dumps` spacing) with publishAttributes.
 * Removals (`new_state: null`) publish nothing, as in HA. Used by the demo and by tests.
 *
 * @example
 * const publisher = await createStatestreamPublisher({ url: 'mqtt://localhost', publishAttributes: true, publishTimestamps: true });
 * await publisher.publish(event);
 */
export async function createStatestreamPublisher(
  options: StatestreamPublisherOptions & { readonly client?: MqttClient },
): Promise<StatestreamPublisher> {
  const opts = parseOptions(
    StatestreamPublisherOptionsSchema,
    { ...options, client: undefined },
    'statestream-publisher',
  );
  const owned = options.client === undefined;
  let client: MqttClient;
  if (options.client !== undefined) client = options.client;
  else if (opts.url !== undefined)
    client = await connectAsync(opts.url, {
      reconnectPeriod: 0,
      ...(opts.clientOptions as IClientOptions | undefined),
    });
  else throw new TypeError('statestream-publisher: pass `client` or `url`');
  const base = opts.baseTopic.endsWith('/') ? opts.baseTopic : `${opts.baseTopic}/`;
  let tail: Promise<void> = Promise.resolve();
  let closed = false;

  const messagesOf = (event: HaWireStateChanged): { topic: string; payload: string }[] => {
    const state = event.data.new_state;
    if (state === null) return [];
    const prefix = `${base}${event.data.entity_id.replace('.', '/')}/`;
    const out = [{ topic: `${prefix}state`, payload: state.state }];
    if (opts.publishTimestamps) {
      out.push({ topic: `${prefix}last_updated`, payload: state.last_updated });
      out.push({ topic: `${prefix}last_changed`, payload: state.last_changed });
    }
    if (opts.publishAttributes) {
      for (const [key, value] of Object.entries(state.attributes))
        out.push({ topic: `${prefix}${key}`, payload: pythonJson(value) });
    }
    return out;
  };

  return {
    messagesOf,
    publish: (event) => {
      if (closed) return Promise.reject(new Error('statestream-publisher: closed'));
      // HA publishes one change's messages back to back, changes in order: queue calls so that concurrent
      // publish() calls never interleave the messages of two changes.
      const run = tail.then(async () => {
        for (const m of messagesOf(event)) await client.publishAsync(m.topic, m.payload, { qos: 1, retain: true });
      });
      // The caller gets a failure through `run`; the queue itself just moves on to the next change.
      tail = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    close: async () => {
      // What was handed over is published before the client ends (a publish racing the end failed with
      // "client disconnecting"); later publish() calls are refused.
      closed = true;
      await tail;
      if (owned) await client.endAsync();
    },
  };
}

/**
 * `json.dumps(value)` as Python writes it: `", "` and `": "` separators, non-ASCII escaped. A value nesting
 * deeper than MAX_JSON_DEPTH is refused with a TypeError before the recursive walk (issue 11: recursion
 * over data gets a bound; HA would never publish such a value, the MQTT source would dead-letter it).
 */
export function pythonJson(value: unknown): string {
  if (valueDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw new TypeError(`pythonJson: value nests deeper than ${MAX_JSON_DEPTH} levels`);
  return dumps(value);
}

// --- internal ---

function dumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (typeof value === 'number')
    return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((v) => dumps(v)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${dumps(k)}: ${dumps(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(String(value));
}
