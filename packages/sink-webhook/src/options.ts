import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Headers the sink sets itself: a `headers` entry may not replace them. */
export const RESERVED_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'idempotency-key',
  'x-ha-ingestor-signature',
];

// RFC 9110 §5.1 token characters; values without CR/LF/NUL (header injection).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE_FORBIDDEN = /[\r\n\0]/;

const headers = z.record(z.string(), z.string()).superRefine((record, ctx) => {
  for (const [name, value] of Object.entries(record)) {
    if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'not a valid header name' });
    else if (RESERVED_HEADERS.includes(name.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: [name], message: 'set by the sink itself; cannot be overridden' });
    if (HEADER_VALUE_FORBIDDEN.test(value))
      ctx.addIssue({ code: 'custom', path: [name], message: 'header values may not contain CR, LF or NUL' });
  }
});

/** Options of {@link webhookSink}. */
export const WebhookSinkOptionsSchema = z.object({
  name: z.string().min(1).default('webhook').describe('Sink name (metric label, dead-letter stage `sink:<name>`)'),
  url: z
    .url({ protocol: /^https?$/ })
    .describe(
      'Receiver URL, e.g. `https://example.com/hooks/ha`; `user:pass@` in it is sent as HTTP Basic auth and masked in errors',
    ),
  secret: z
    .string()
    .min(16, 'expected at least 16 characters')
    .optional()
    .describe(
      'HMAC-SHA256 key: every request carries `X-Ha-Ingestor-Signature: sha256=<hex of the raw body>`; never logged',
    ),
  headers: headers
    .default({})
    .describe('Extra request headers (e.g. `Authorization`); the sink’s own headers cannot be replaced'),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(600_000)
    .default(10_000)
    .describe('Deadline of one request, response included (ms); a timeout is SINK_UNAVAILABLE (retried)'),
  maxBatchBytes: z
    .number()
    .int()
    .min(KiB)
    .max(64 * MiB)
    .default(MiB)
    .describe(
      'Largest request body: a bigger batch is sent as several requests; a single event bigger than this is dead-lettered (`payload_too_large`)',
    ),
  retryStatuses: z
    .array(z.number().int().min(400).max(499))
    .max(100)
    .default([408, 429])
    .describe(
      '4xx statuses that are retried like 5xx (e.g. add 401 while a receiver rotates its credentials); other 4xx dead-letter',
    ),
  maxResponseBytes: z
    .number()
    .int()
    .min(KiB)
    .max(16 * MiB)
    .default(64 * KiB)
    .describe('Response bytes read at most (the rest is discarded); errors quote at most 500 characters'),
});

/** What users pass to {@link webhookSink}. */
export type WebhookSinkOptions = z.input<typeof WebhookSinkOptionsSchema>;
/** The options after defaults, as `create` sees them. */
export type ResolvedWebhookSinkOptions = z.output<typeof WebhookSinkOptionsSchema>;
