import { ConfigError } from '@ha-ingestor/core';
import {
  natsSink,
  natsSource,
  type NatsSink,
  type NatsSinkStatus,
  type NatsSource,
  type NatsSourceStatus,
} from '@ha-ingestor/nats';
import { Gauge, type Registry } from 'prom-client';
import type { AppConfig } from './config.js';
import type { IngestorRole } from './config-scale-out.js';

// Issue 16: the NATS end of the edge and writer roles (see config-scale-out.ts for the rules, README
// "Scaling out" for the topology). The package does the transport; this file only maps the app config onto
// it and reads its status for /health, /ready, /metrics and the stats.

/** The NATS link of a running edge or writer, as the HTTP API reports it. */
export interface NatsLinkReport {
  readonly role: Exclude<IngestorRole, 'all'>;
  readonly connected: boolean;
  /** `host:port` of the server in use (never credentials), null when not connected. */
  readonly server: string | null;
  /** Edge: publishes awaiting their PubAck. Writer: messages received and not acknowledged yet. */
  readonly pendingAcks: number;
  /** Writer: messages of the stream the shared consumer has not delivered yet (all writers' backlog). */
  readonly streamLag: number | null;
  /** Counters since start (edge: published/duplicates/failed; writer: acked/naked/redelivered/invalid). */
  readonly counters: Readonly<Record<string, number>>;
}

/** The edge's sink: every event to JetStream, `Nats-Msg-Id = <HOME_ID>:<key>`. */
export function edgeSink(config: AppConfig): NatsSink {
  const home = config.homeId;
  if (home === undefined)
    throw new ConfigError('INGESTOR_ROLE=edge needs HOME_ID', [{ path: 'homeId', message: 'required' }]);
  return natsSink({ ...connection(config), home });
}

/** The writer's source: the durable pull consumer the writer pool shares. */
export function writerSource(config: AppConfig): NatsSource {
  return natsSource({ ...connection(config), consumer: config.nats.consumer });
}

/** The report of a NATS sink (edge) or source (writer). */
export function linkReport(
  role: 'edge' | 'writer',
  status: () => NatsSinkStatus | NatsSourceStatus,
): () => NatsLinkReport {
  return (): NatsLinkReport => {
    const s = status();
    const { connected, server, pendingAcks } = s;
    if ('published' in s) {
      const { published, duplicates, failed } = s;
      const counters: Record<string, number> = { published, duplicates, failed };
      return { role, connected, server, pendingAcks, streamLag: null, counters };
    }
    const { acked, naked, redelivered, invalid } = s;
    const counters: Record<string, number> = { acked, naked, redelivered, invalid };
    return {
      role,
      connected,
      server,
      pendingAcks,
      streamLag: s.streamLag ?? null,
      counters,
    };
  };
}

/**
 * Gauges of the NATS link on the pipeline's registry (`ha_ingestor_nats_*`), read from the status when
 * Prometheus scrapes: connected, pending acks, stream lag (writer), and the link's counters by outcome.
 */
export function registerNatsMetrics(registry: Registry, report: () => NatsLinkReport): void {
  const registers = [registry];
  new Gauge({
    name: 'ha_ingestor_nats_connected',
    help: 'NATS link up (1) or down (0)',
    registers,
    collect() {
      this.set(report().connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ha_ingestor_nats_pending_acks',
    help: 'Edge: publishes awaiting their PubAck; writer: messages received and not acknowledged yet',
    registers,
    collect() {
      this.set(report().pendingAcks);
    },
  });
  new Gauge({
    name: 'ha_ingestor_nats_stream_lag',
    help: 'Writer: stream messages the shared consumer has not delivered yet (the writer pool backlog)',
    registers,
    collect() {
      const lag = report().streamLag;
      if (lag === null) this.reset();
      else this.set(lag);
    },
  });
  new Gauge({
    name: 'ha_ingestor_nats_messages',
    help: 'NATS link counters since start, by outcome (edge: published, duplicates, failed; writer: acked, naked, redelivered, invalid)',
    labelNames: ['outcome'],
    registers,
    collect() {
      for (const [outcome, value] of Object.entries(report().counters)) this.set({ outcome }, value);
    },
  });
}

/**
 * NATS_URL entries → the client's servers and credentials. The NATS client reads no credentials from a URL,
 * so `nats://user:password@host` (user/password) and `nats://token@host` (token) are taken out of the URLs
 * (percent-decoded) and passed as options; the first entry with credentials gives them for the whole
 * cluster (NATS authenticates the same way on every node).
 */
export function natsServers(urls: readonly string[]): {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
} {
  let credentials: { user: string; pass: string } | { token: string } | undefined;
  const servers = urls.map((url) => {
    const m = /^([a-z]*:?\/\/)([^/]*)@(.*)$/i.exec(url);
    if (m === null) return url;
    const [, scheme, userinfo, rest] = m as unknown as [string, string, string, string];
    const colon = userinfo.indexOf(':');
    credentials ??=
      colon === -1
        ? { token: decode(userinfo) }
        : { user: decode(userinfo.slice(0, colon)), pass: decode(userinfo.slice(colon + 1)) };
    return `${scheme}${rest}`;
  });
  return { servers, ...credentials };
}

// --- internal ---

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // not percent-encoded: as written
  }
}

function connection(config: AppConfig) {
  const n = config.nats;
  const urls = n.url;
  if (urls === undefined || urls.length === 0)
    throw new ConfigError(`INGESTOR_ROLE=${config.role} needs NATS_URL`, [{ path: 'nats.url', message: 'required' }]);
  return {
    ...natsServers(urls),
    stream: n.stream,
    subjectPrefix: n.subjectPrefix,
    replicas: n.replicas,
  };
}
