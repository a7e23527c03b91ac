import { z } from 'zod';
import { SchemaOptionsSchema } from './schema/options.js';

const MiB = 1024 * 1024;

/**
 * Options of {@link influxSink}. apiVersion `2` (default) writes to `/api/v2/write` (InfluxDB 2.x/3.x and
 * v2-compatible servers such as VictoriaMetrics) with `org`/`bucket`/`token`; apiVersion `1` writes to
 * `/write` (InfluxDB 1.x) with `database`/`retentionPolicy` and optional `username`/`password`.
 */
export const InfluxSinkOptionsSchema = z
  .object({
    name: z.string().min(1).default('influx').describe('Sink name (metric label, dead-letter stage `sink:<name>`)'),
    url: z.url({ protocol: /^https?$/ }).describe('Base URL of the server, e.g. `http://localhost:8086` (no path)'),
    apiVersion: z
      .enum(['1', '2'])
      .default('2')
      .describe(
        '`2`: `/api/v2/write` (org, bucket, token); `1`: `/write` (database, retentionPolicy, username, password)',
      ),
    org: z.string().optional().describe('v2: organisation (InfluxDB 2.x needs it; 3.x and VictoriaMetrics ignore it)'),
    bucket: z.string().min(1).optional().describe('v2: bucket (required with apiVersion 2); InfluxDB 3: the database'),
    token: z.string().optional().describe('v2: API token, sent as `Authorization: Token …`; never logged'),
    database: z.string().min(1).optional().describe('v1: database (required with apiVersion 1)'),
    retentionPolicy: z.string().min(1).optional().describe("v1: retention policy; unset → the database's default"),
    username: z.string().optional().describe('v1: user, sent with HTTP Basic auth'),
    password: z.string().optional().describe('v1: password, sent with HTTP Basic auth; never logged'),
    createDatabase: z.boolean().default(false).describe('v1: run `CREATE DATABASE` on open (needs admin rights)'),
    precision: z
      .enum(['ns', 'us', 'ms', 's'])
      .default('us')
      .describe('Timestamp precision written; HA stamps µs, coarser precisions merge points of the same series'),
    stringNewlines: z
      .enum(['auto', 'literal', 'escape'])
      .default('auto')
      .describe(
        'Line feeds inside string fields: `literal` (InfluxDB 1.x stores them exactly), `escape` (written as `\\n`: servers whose parser splits lines on every LF, e.g. VictoriaMetrics, would otherwise lose the point); `auto` = literal for apiVersion 1, escape for 2',
      ),
    gzip: z.boolean().default(true).describe('Gzip request bodies larger than `gzipThresholdBytes`'),
    gzipThresholdBytes: z.number().int().nonnegative().default(1000).describe('Smallest body that is gzipped'),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Timeout of one HTTP request (ms); a timeout is SINK_UNAVAILABLE (retryable)'),
    maxBatchBytes: z
      .number()
      .int()
      .positive()
      .default(8 * MiB)
      .describe('Largest request body; bigger batches are split before sending (a 413 splits further)'),
    typeConflict: z
      .enum(['dead-letter', 'coerce'])
      .default('dead-letter')
      .describe(
        'A point whose field type differs from the type the database has: dead-letter the event, or coerce the value losslessly (`21.5` → `"21.5"`, else move it to `<field>_str`)',
      ),
    seedFieldTypes: z
      .boolean()
      .default(true)
      .describe('v1: read `SHOW FIELD KEYS` on open so conflicting points are caught before sending'),
    schema: SchemaOptionsSchema.prefault({}).describe('How events map to points (`ha` schema by default)'),
  })
  .superRefine((o, ctx) => {
    if (o.apiVersion === '2' && o.bucket === undefined) {
      ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'required with apiVersion 2' });
    }
    if (o.apiVersion === '1' && o.database === undefined) {
      ctx.addIssue({ code: 'custom', path: ['database'], message: 'required with apiVersion 1' });
    }
    if (o.username !== undefined && o.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'required with username' });
    }
  });

/** What users pass to {@link influxSink}. */
export type InfluxSinkOptions = z.input<typeof InfluxSinkOptionsSchema>;
/** Options with defaults applied. */
export type ResolvedInfluxSinkOptions = z.output<typeof InfluxSinkOptionsSchema>;
