import { MASK } from '@ha-ingestor/core';
import { z } from 'zod';
import { ranged, splitList } from './config-values.js';

// Issue 16: scale-out on NATS JetStream. One process per home stays the default (`role: all`); `edge` sends
// the home's events to a JetStream stream, `writer` takes them from there into the databases. See README,
// "Scaling out".

/** What this process does: `all` (sources → sinks, one process), `edge` (sources → NATS), `writer` (NATS → sinks). */
export const INGESTOR_ROLES = ['all', 'edge', 'writer'] as const;
export type IngestorRole = (typeof INGESTOR_ROLES)[number];

/** `HOME_ID`: the home's id, a tag value and a NATS subject token. */
export const HOME_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

const NATS_URL_RE = /^(nats|tls|wss?):\/\/[^\s,]+$/;
/** NATS_URL entries; a bad entry is named masked (a token sits where a user name would: `nats://token@host`). */
const natsUrls = z
  .array(z.string().min(1))
  .min(1)
  .max(32)
  .superRefine((urls, ctx) => {
    for (const url of urls) {
      if (!NATS_URL_RE.test(url))
        ctx.addIssue({
          code: 'custom',
          message: `bad entry ${JSON.stringify(maskNatsUrls([url])[0])}: expected nats://host:4222 (or tls://, ws://, wss://)`,
        });
    }
  });
const token = (what: string) =>
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, `expected 1–64 letters, digits, _ or - (${what})`);

/** `nats:` — the JetStream link of the edge and writer roles. */
export const NatsConfigSchema = z
  .strictObject({
    url: z
      .preprocess(splitList, natsUrls.optional())
      .describe(
        'NATS server URLs (NATS_URL, comma-separated; the client fails over between them). Credentials as `nats://user:password@host:4222` or `nats://token@host:4222`: masked in logs and /api/v1/config',
      ),
    stream: token('a JetStream stream name').default('HA_EVENTS').describe('JetStream stream (NATS_STREAM)'),
    subjectPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'expected dot-separated tokens of letters, digits, _ and -')
      .max(200)
      .default('ha.events')
      .describe('Subjects are `<prefix>.<home>.<domain>` (NATS_SUBJECT_PREFIX)'),
    consumer: token('a consumer name')
      .default('writer')
      .describe('Durable pull consumer the writers share (NATS_CONSUMER): each event goes to one writer'),
    replicas: ranged(
      'integer',
      1,
      5,
      1,
      'Stream replicas when the stream is created (NATS_REPLICAS): 3 in a 3-node cluster survives the loss of one node',
    ),
    tls: z
      .strictObject({
        ca: z
          .string()
          .min(1)
          .optional()
          .describe(
            'PEM file of the CA that signed the NATS servers’ certificates (NATS_TLS_CA); without it a server that requires TLS is checked against the system CAs',
          ),
        cert: z
          .string()
          .min(1)
          .optional()
          .describe('PEM client certificate for servers that verify clients, mTLS (NATS_TLS_CERT; with NATS_TLS_KEY)'),
        key: z.string().min(1).optional().describe('PEM private key of NATS_TLS_CERT (NATS_TLS_KEY); never logged'),
      })
      .refine((t) => (t.cert === undefined) === (t.key === undefined), {
        message: 'NATS_TLS_CERT and NATS_TLS_KEY go together (a client certificate needs its key)',
      })
      .prefault({})
      .describe('TLS files of the NATS link'),
  })
  .prefault({})
  .describe('NATS JetStream link of INGESTOR_ROLE=edge and writer (see README, "Scaling out")');

/** Environment variable → config path of the scale-out settings (spread into ENV_MAP). */
export const SCALE_OUT_ENV: ReadonlyArray<readonly [env: string, path: string]> = [
  ['INGESTOR_ROLE', 'role'],
  ['HOME_ID', 'homeId'],
  ['NATS_URL', 'nats.url'],
  ['NATS_STREAM', 'nats.stream'],
  ['NATS_SUBJECT_PREFIX', 'nats.subjectPrefix'],
  ['NATS_CONSUMER', 'nats.consumer'],
  ['NATS_REPLICAS', 'nats.replicas'],
  ['NATS_TLS_CA', 'nats.tls.ca'],
  ['NATS_TLS_CERT', 'nats.tls.cert'],
  ['NATS_TLS_KEY', 'nats.tls.key'],
];

/** The parts of the config the role rules read. */
export interface RoleConfigView {
  readonly role: IngestorRole;
  readonly homeId?: string | undefined;
  readonly nats: { readonly url?: readonly string[] | undefined };
  readonly homeAssistant: { readonly url?: string | undefined };
  readonly mqtt: { readonly url?: string | undefined };
  readonly influx: { readonly url?: string | undefined };
  readonly fileSink: { readonly enabled: 'auto' | 'true' | 'false' };
  readonly mqttSink: { readonly url?: string | undefined };
  readonly webhook: { readonly url?: string | undefined };
  readonly parquet: { readonly dir?: string | undefined };
}

/**
 * What a role needs and refuses, as config issues (path + message). Decisions (documented in the README):
 * - `edge` needs NATS_URL and HOME_ID, and a source; a configured sink (INFLUXDB_URL, PARQUET_DIR,
 *   FILE_SINK=true, MQTT_SINK_URL, WEBHOOK_URL) is an **error**: the edge writes only to NATS, a database
 *   written from both the edge and the writers would get every point twice from two paths.
 * - `writer` needs NATS_URL and at least one sink; HA_URL or MQTT_URL is an **error**: the writer reads only
 *   from NATS, and a silently ignored source would look like a working home that writes nothing.
 *   HOME_ID is not used (each event carries the home its edge gave it).
 * - `all` with NATS_URL is an error (the link would be unused: INGESTOR_ROLE is probably missing).
 */
export function roleConfigIssues(config: RoleConfigView): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const role = config.role;
  const add = (path: string[], message: string) => issues.push({ path, message });
  const hasNats = config.nats.url !== undefined && config.nats.url.length > 0;
  if (role === 'all') {
    if (hasNats) add(['nats', 'url'], 'NATS_URL is set but INGESTOR_ROLE is all: set INGESTOR_ROLE=edge or writer');
    return issues;
  }
  if (!hasNats) add(['nats', 'url'], `INGESTOR_ROLE=${role} needs NATS_URL`);
  const sinks = configuredSinks(config);
  if (role === 'edge') {
    if (config.homeId === undefined)
      add(['homeId'], 'INGESTOR_ROLE=edge needs HOME_ID (the home its events come from)');
    for (const [env, path] of sinks)
      add(path, `INGESTOR_ROLE=edge writes only to NATS: unset ${env} (the writers write the databases)`);
    if (config.homeAssistant.url === undefined && config.mqtt.url === undefined)
      add(['homeAssistant', 'url'], 'INGESTOR_ROLE=edge needs a source: set HA_URL and/or MQTT_URL');
  } else {
    if (sinks.length === 0)
      add(
        ['influx', 'url'],
        'INGESTOR_ROLE=writer needs a sink: set INFLUXDB_URL, PARQUET_DIR, FILE_SINK=true, MQTT_SINK_URL or WEBHOOK_URL',
      );
    if (config.homeAssistant.url !== undefined)
      add(['homeAssistant', 'url'], 'INGESTOR_ROLE=writer reads only from NATS: unset HA_URL (the edges read HA)');
    if (config.mqtt.url !== undefined)
      add(['mqtt', 'url'], 'INGESTOR_ROLE=writer reads only from NATS: unset MQTT_URL (the edges read MQTT)');
  }
  return issues;
}

/**
 * The NATS URLs as they may be shown: the password of `user:password@` and a token (`token@`, userinfo
 * without a colon) become the mask. `maskSecrets` alone masks only passwords, and NATS puts tokens where a
 * user name would be.
 */
export function maskNatsUrls(urls: readonly string[]): string[] {
  return urls.map((url) =>
    url.replace(/^([a-z]*:?\/\/)([^/]*)@/i, (_whole, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon === -1 ? `${scheme}${MASK}@` : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
    }),
  );
}

/** The secrets in NATS URLs (passwords, tokens), for redacting free text such as client error messages. */
export function natsUrlSecrets(urls: readonly string[]): string[] {
  const out: string[] = [];
  for (const url of urls) {
    const m = /^[a-z]*:?\/\/([^/]*)@/i.exec(url);
    if (m === null) continue;
    const userinfo = m[1] as string;
    const colon = userinfo.indexOf(':');
    const secret = colon === -1 ? userinfo : userinfo.slice(colon + 1);
    if (secret !== '') out.push(secret, safeDecode(secret));
  }
  return out;
}

/** A raw NATS_URL value (text or list) as it may appear in a config error. */
export function maskNatsValue(raw: unknown): unknown {
  if (typeof raw === 'string') return maskNatsUrls(raw.split(',')).join(',');
  if (Array.isArray(raw)) return maskNatsUrls(raw.map(String));
  return raw;
}

// --- internal ---

function configuredSinks(config: RoleConfigView): [env: string, path: string[]][] {
  const out: [string, string[]][] = [];
  if (config.influx.url !== undefined) out.push(['INFLUXDB_URL', ['influx', 'url']]);
  if (config.parquet.dir !== undefined) out.push(['PARQUET_DIR', ['parquet', 'dir']]);
  if (config.fileSink.enabled === 'true') out.push(['FILE_SINK', ['fileSink', 'enabled']]);
  if (config.mqttSink.url !== undefined) out.push(['MQTT_SINK_URL', ['mqttSink', 'url']]);
  if (config.webhook.url !== undefined) out.push(['WEBHOOK_URL', ['webhook', 'url']]);
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
