import { z } from 'zod';
import { headerNameProblem } from './lines.js';

const MiB = 1024 * 1024;

// A name in an `influx -import` header line: a LF would inject directives (issue 11), `:` cuts it.
const headerName = z.string().superRefine((name, ctx) => {
  const problem = headerNameProblem(name);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Options of the file sink. */
export const FileSinkOptionsSchema = z.object({
  dir: z.string().min(1).describe('Directory the files are written to (created when missing)'),
  format: z
    .enum(['ndjson', 'lp', 'both'])
    .default('ndjson')
    .describe('`ndjson`: one JSON event per line; `lp`: InfluxDB line protocol; `both`: one file of each'),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, `.`, `_` and `-` only')
    .default('events')
    .describe('File name prefix: `<prefix>-<UTC time>.ndjson` / `.lp`'),
  rotate: z
    .object({
      maxBytes: z
        .number()
        .int()
        .positive()
        .default(64 * MiB)
        .describe('Start a new file before one would grow past this size'),
      maxAgeMs: z
        .number()
        .int()
        .positive()
        .default(3_600_000)
        .describe('Start a new file on the first write after the current one is this old (ms, pipeline clock)'),
    })
    .prefault({})
    .describe('Rotation: a new file is started when either limit is reached'),
  fsync: z
    .boolean()
    .default(true)
    .describe('fsync after every batch, so `write()` resolves only once the batch is on disk'),
  precision: z
    .enum(['ns', 'us', 'ms', 's'])
    .default('us')
    .describe('Timestamp precision of line protocol files (import with the same precision)'),
  database: headerName
    .default('home_assistant')
    .describe(
      'InfluxDB 1.x database named in the `# CONTEXT-DATABASE:` header of line protocol files (no `:`, control characters or surrounding spaces)',
    ),
  retentionPolicy: headerName
    .optional()
    .describe('Retention policy named in a `# CONTEXT-RETENTION-POLICY:` header; omitted → the default'),
});

/** Options of {@link fileSink} as a user writes them. */
export type FileSinkOptions = z.input<typeof FileSinkOptionsSchema>;
/** Options of {@link fileSink} with every default applied. */
export type ResolvedFileSinkOptions = z.output<typeof FileSinkOptionsSchema>;
