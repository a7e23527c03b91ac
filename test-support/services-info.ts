// The shape of the services.json written by scripts/services.sh, shared by the vitest global setup
// (which provides it) and the integration-test helpers (which inject it).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export const MosquittoInfoSchema = z.object({
  url: z.string().describe('Anonymous MQTT listener, mqtt://127.0.0.1:PORT.'),
  host: z.string(),
  port: z.number().int(),
  authUrl: z.string().describe('Password listener: only `username`/`password` are accepted.'),
  authPort: z.number().int(),
  wsUrl: z.string().describe('Anonymous MQTT-over-websockets listener, ws://127.0.0.1:PORT.'),
  wsPort: z.number().int(),
  username: z.string(),
  password: z.string().describe('Contains a space and an @ on purpose.'),
});

export const InfluxInfoSchema = z.object({
  url: z.string().describe('InfluxDB 1.x HTTP API, auth disabled.'),
  port: z.number().int(),
  rpcPort: z.number().int(),
});

export const InfluxAuthInfoSchema = InfluxInfoSchema.extend({
  username: z.string().describe('Admin user (ALL PRIVILEGES) of the auth-enabled instance.'),
  password: z.string(),
});

export const VictoriaInfoSchema = z.object({
  url: z.string().describe('VictoriaMetrics HTTP API (/write, /api/v2/write, /api/v1/export, …).'),
  port: z.number().int(),
});

export const NatsInfoSchema = z.object({
  url: z.string().describe('One JetStream node, nats://127.0.0.1:PORT.'),
  port: z.number().int(),
});

export const NatsNodeInfoSchema = z.object({
  service: z.enum(['nats-n1', 'nats-n2', 'nats-n3']).describe('Name for services.sh kill/start.'),
  url: z.string(),
  port: z.number().int(),
  clusterPort: z.number().int(),
  monitorPort: z.number().int().describe('HTTP monitoring (/healthz, /jsz).'),
});

export const NatsClusterInfoSchema = z.object({
  urls: z.array(z.string()).length(3).describe('Client URLs of n1, n2, n3.'),
  nodes: z.object({ n1: NatsNodeInfoSchema, n2: NatsNodeInfoSchema, n3: NatsNodeInfoSchema }),
});

export const AvailableServicesSchema = z.object({
  available: z.literal(true),
  dir: z.string().describe('State dir of this set of servers.'),
  script: z.string().describe('Absolute path of scripts/services.sh.'),
  mosquitto: MosquittoInfoSchema,
  influxdb: InfluxInfoSchema,
  influxdbAuth: InfluxAuthInfoSchema,
  victoria: VictoriaInfoSchema,
  nats: NatsInfoSchema,
  natsCluster: NatsClusterInfoSchema.nullable().default(null).describe('Started on demand (startNatsCluster).'),
});

export type MosquittoInfo = z.infer<typeof MosquittoInfoSchema>;
export type InfluxInfo = z.infer<typeof InfluxInfoSchema>;
export type InfluxAuthInfo = z.infer<typeof InfluxAuthInfoSchema>;
export type VictoriaInfo = z.infer<typeof VictoriaInfoSchema>;
export type NatsInfo = z.infer<typeof NatsInfoSchema>;
export type NatsNodeInfo = z.infer<typeof NatsNodeInfoSchema>;
export type NatsClusterInfo = z.infer<typeof NatsClusterInfoSchema>;
export type AvailableServices = z.infer<typeof AvailableServicesSchema>;
export type ServicesInfo = AvailableServices | { readonly available: false; readonly reason: string };

/** Names accepted by scripts/services.sh for per-service start/stop. */
export type ServiceName = 'mosquitto' | 'influxdb' | 'influxdb-auth' | 'victoria' | 'nats';

/** Nodes of the on-demand 3-node JetStream cluster (`services.sh start nats-cluster`). */
export type NatsNodeName = 'nats-n1' | 'nats-n2' | 'nats-n3';

/** Reads the `natsCluster` entry of a services.json (a dir where only the cluster runs is fine). */
export async function readNatsClusterInfo(path: string): Promise<NatsClusterInfo> {
  const json = JSON.parse(await readFile(path, 'utf8')) as { natsCluster?: unknown };
  const parsed = NatsClusterInfoSchema.safeParse(json.natsCluster);
  if (!parsed.success) throw new Error(`${path} has no running NATS cluster: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function readServicesJson(path: string): Promise<AvailableServices> {
  const text = await readFile(path, 'utf8');
  const parsed = AvailableServicesSchema.safeParse(JSON.parse(text) as unknown);
  if (!parsed.success) {
    throw new Error(`${path} is not a complete services.json: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export function isCi(): boolean {
  const ci = process.env['CI'];
  return ci === 'true' || ci === '1';
}
