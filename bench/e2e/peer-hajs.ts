import { createRequire } from 'node:module';
import type * as Hajs from '../../packages/ha-simulator/node_modules/home-assistant-js-websocket/dist/index.js';
import { WebSocket, hajsPath, influxClient } from '../deps.js';
import type { RunningIngestor, StartArgs } from './protocol.js';

const EVENT_TYPES = ['state_changed', 'call_service', 'automation_triggered', 'script_started'];

interface WireEvent {
  readonly event_type: string;
  readonly time_fired: string;
  readonly data: Record<string, unknown>;
}

/**
 * Peer (a): what a user writes by hand — home-assistant-js-websocket (global WebSocket = `ws`, as its
 * README says for Node) and @influxdata/influxdb-client's WriteApi + Point. One point per state change
 * (measurement = unit or entity id, tags domain/entity_id, value or state, attributes as fields) and one
 * per other event. `compression` off wraps `ws` to not offer permessage-deflate (`ws` offers it by default).
 */
export async function startPeerHajs(args: StartArgs): Promise<RunningIngestor> {
  const { settings } = args;
  const hajs = createRequire(import.meta.url)(hajsPath) as typeof Hajs;
  const Ws = WebSocket;
  class NoDeflate extends Ws {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { perMessageDeflate: false });
    }
  }
  (globalThis as { WebSocket?: unknown }).WebSocket = settings.compression ? Ws : NoDeflate;
  const { InfluxDB, Point } = influxClient;
  let handled = 0;
  const pendingTimes: number[] = [];
  const writeApi = new InfluxDB({ url: args.sinkUrl, token: 'bench' }).getWriteApi('bench', 'bench', 'us', {
    batchSize: settings.batchSize,
    flushInterval: settings.batchMaxWaitMs,
    gzipThreshold: settings.gzip ? 1000 : Number.MAX_SAFE_INTEGER,
    writeSuccess: (lines: string[]) => {
      handled += lines.length;
      for (const t of pendingTimes.splice(0, lines.length)) args.onLatency(t);
    },
  });
  const hassUrl = args.url.replace(/^ws/, 'http').replace(/\/api\/websocket$/, '');
  const auth = hajs.createLongLivedTokenAuth(hassUrl, args.token);
  const conn = await hajs.createConnection({ auth });
  const onEvent = (e: WireEvent): void => {
    const ms = Date.parse(e.time_fired);
    let point: InstanceType<typeof Point>;
    if (e.event_type === 'state_changed') {
      const ns = e.data['new_state'] as { state: string; attributes: Record<string, unknown> } | null;
      const entityId = e.data['entity_id'] as string;
      if (ns === null) {
        handled++;
        return;
      }
      const unit = ns.attributes['unit_of_measurement'];
      const [domain = '', objectId = ''] = entityId.split('.');
      point = new Point(typeof unit === 'string' && unit !== '' ? unit : entityId)
        .tag('domain', domain)
        .tag('entity_id', objectId);
      const num = Number(ns.state);
      if (ns.state.trim() !== '' && Number.isFinite(num)) point.floatField('value', num);
      else point.stringField('state', ns.state);
      for (const [k, v] of Object.entries(ns.attributes)) {
        if (k === 'unit_of_measurement' || v === null || v === undefined) continue;
        if (typeof v === 'number' && Number.isFinite(v)) point.floatField(k, v);
        else point.stringField(`${k}_str`, typeof v === 'string' ? v : JSON.stringify(v));
      }
    } else {
      point = new Point('events').tag('event_type', e.event_type).stringField('data', JSON.stringify(e.data));
    }
    point.timestamp(`${ms}000`);
    pendingTimes.push(ms);
    writeApi.writePoint(point);
  };
  const unsubs = await Promise.all(EVENT_TYPES.map((t) => conn.subscribeEvents<WireEvent>(onEvent, t)));
  return {
    handled: () => handled,
    notes: [settings.compression ? 'ws default: permessage-deflate offered' : 'permessage-deflate off'],
    stop: async () => {
      for (const u of unsubs)
        await u().catch((error: unknown) => process.stderr.write(`peer: unsubscribe failed: ${String(error)}\n`));
      conn.close();
      await writeApi.close();
    },
  };
}
