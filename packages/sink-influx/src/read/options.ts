import { z } from 'zod';

/**
 * Options of {@link readInfluxRange}: the server (as the sink's options name it), the range and the
 * entities. apiVersion `1` queries `/query` with InfluxQL (chunked), `2` queries `/api/v2/query` with Flux.
 */
export const ReadRangeOptionsSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe('Base URL of the server, e.g. `http://localhost:8086` (no path)'),
    apiVersion: z.enum(['1', '2']).default('2').describe('`1`: InfluxQL on `/query`; `2`: Flux on `/api/v2/query`'),
    database: z.string().min(1).optional().describe('v1: database (required with apiVersion 1)'),
    retentionPolicy: z.string().min(1).optional().describe("v1: retention policy; unset → the database's default"),
    username: z.string().optional().describe('v1: user, sent with HTTP Basic auth'),
    password: z.string().optional().describe('v1: password, sent with HTTP Basic auth; never in errors'),
    org: z.string().optional().describe('v2: organisation'),
    bucket: z.string().min(1).optional().describe('v2: bucket (required with apiVersion 2)'),
    token: z.string().optional().describe('v2 (or v1 with token auth): API token, `Authorization: Token …`'),
    schema: z
      .enum(['ha', 'entity'])
      .default('ha')
      .describe("The schema the data was written with (the sink's `schema.kind`)"),
    eventsMeasurement: z
      .string()
      .min(1)
      .default('events')
      .describe('Measurement of non-state events, never exported as state rows'),
    start: z.number().int().describe('Start of the range, epoch µs (inclusive)'),
    end: z.number().int().describe('End of the range, epoch µs (exclusive)'),
    entities: z
      .array(z.string())
      .max(1000)
      .default([])
      .describe('Entity ids or globs (`sensor.*_battery`); empty = every entity'),
    windowUs: z
      .number()
      .int()
      .positive()
      .default(6 * 3600 * 1_000_000)
      .describe('The range is read in windows of this length (µs), one query each: progress and time order per window'),
    chunkSize: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('v1: points per chunk of the chunked response; bounds what one parsed chunk holds'),
    timeoutMs: z.number().int().positive().default(30_000).describe('Time to the first response byte of a query (ms)'),
    maxLineBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024)
      .describe('Longest response line (a v1 chunk, a v2 CSV row) accepted'),
  })
  .superRefine((o, ctx) => {
    if (o.apiVersion === '1' && o.database === undefined)
      ctx.addIssue({ code: 'custom', path: ['database'], message: 'required with apiVersion 1' });
    if (o.apiVersion === '2' && o.bucket === undefined)
      ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'required with apiVersion 2' });
    if (o.username !== undefined && o.password === undefined)
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'required with username' });
    if (o.end <= o.start) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  });

/** What callers pass to {@link readInfluxRange}. */
export type ReadRangeOptions = z.input<typeof ReadRangeOptionsSchema>;
/** Options with defaults applied. */
export type ResolvedReadRangeOptions = z.output<typeof ReadRangeOptionsSchema>;

/** Authorization header of the options (token, else Basic user:password), or none. */
export function authHeaders(o: ResolvedReadRangeOptions): Record<string, string> {
  if (o.token !== undefined && o.token !== '') return { authorization: `Token ${o.token}` };
  if (o.username !== undefined)
    return { authorization: `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}` };
  return {};
}
