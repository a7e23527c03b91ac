import { ConfigError } from '@ha-ingestor/core';
import type { NatsSinkStatus, NatsSourceStatus } from '@ha-ingestor/nats';
import { Gauge, type Registry } from 'prom-client';
import type { AppConfig } from './config.js';
import type { IngestorRole } from './config-scale-out.js';

// Issue 16: the NATS end of the edge and writer roles (see config-scale-out.ts for the rules, README
// "Scaling out" for the topology). The package does the transport; this file only maps the app config onto
// it and reads its status for /health, /ready, /metrics and the stats. The transport itself (the package and
// @nats-io/*) is in roles-link.ts, loaded only by an edge or a writer (see app.ts).

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
 * Gauges of the NATS link on the pipeline's registry, read from the status when Prometheus scrapes:
 * `ha_ingestor_nats_connected` and `ha_ingestor_nats_pending_acks`. The counters and the stream lag are the
 * package's own metrics on the same registry (`ha_ingestor_nats_sink_publishes_total`,
 * `ha_ingestor_nats_source_messages_total`, `ha_ingestor_nats_source_stream_lag`).
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
}

// --- internal ---

/** The connection options of the NATS link from the app config (credentials stay in the URLs: the package takes them out). */
export function natsConnectionOptions(config: AppConfig) {
  const n = config.nats;
  const urls = n.url;
  if (urls === undefined || urls.length === 0)
    throw new ConfigError(`INGESTOR_ROLE=${config.role} needs NATS_URL`, [{ path: 'nats.url', message: 'required' }]);
  return {
    // Credentials in the URLs (`nats://user:password@host`, `nats://token@host`) are the package's to take out.
    servers: urls,
    stream: n.stream,
    subjectPrefix: n.subjectPrefix,
    replicas: n.replicas,
    ...(n.tls.ca === undefined && n.tls.cert === undefined
      ? {}
      : {
          tls: {
            ...(n.tls.ca === undefined ? {} : { caFile: n.tls.ca }),
            ...(n.tls.cert === undefined ? {} : { certFile: n.tls.cert }),
            ...(n.tls.key === undefined ? {} : { keyFile: n.tls.key }),
          },
        }),
  };
}
