import { ErrorCode, SdkError } from '@ha-ingestor/core';
import { attributeRejection, rejectionReason } from './attribute.js';
import type { LineRejection, ReportedFieldType, SentLine } from './attribute.js';
import { serverMessage } from './responses.js';
import type { Disposition, WireResponse } from './responses.js';

/** Sends one request body of `count` lines; throws SdkError on transport failures. */
export type SendBody = (body: string, count: number, signal?: AbortSignal) => Promise<WireResponse>;

/** Why a request was made (metric label). */
export type RequestKind = 'batch' | 'split' | 'bisect' | 'resend';

/** What poison-point isolation needs: how to send a body, how to read the answer, and its limits. */
export interface IsolateOptions {
  readonly send: SendBody;
  /** Maps a response (throws for auth, not-found, unavailable). */
  readonly classify: (response: WireResponse) => Disposition;
  readonly maxBatchBytes: number;
  readonly stage: string;
  readonly signal?: AbortSignal;
  /** Field types the server reported in conflict messages (to correct the registry). */
  readonly onReportedType?: (reported: ReportedFieldType) => void;
  /** Called for every request made (metric hook). */
  readonly onRequest?: (kind: RequestKind, lines: number) => void;
}

/**
 * Writes `lines` so that bad points cost only themselves. Bodies are cut at `maxBatchBytes`; a 413 splits
 * a body in halves. When the server refuses a body (400/422/other 4xx), the refused lines are read from its
 * error (see attributeRejection); lines it did not store are sent again. When the error can't be
 * attributed, the body is bisected recursively until each refused line stands alone. Resending is safe:
 * a point with the same series and time overwrites itself. Returns the refused lines with the server's
 * reason; throws (keeping nothing back) when the server can't take data now.
 */
export async function writeIsolated(lines: readonly SentLine[], options: IsolateOptions): Promise<LineRejection[]> {
  const rejections: LineRejection[] = [];
  for (const chunk of chunksByBytes(lines, options.maxBatchBytes)) {
    rejections.push(...(await writeChunk(chunk, 'batch', lines, options)));
  }
  return rejections;
}

/** Consecutive index ranges whose joined text stays within `maxBytes` (a longer line goes alone). */
export function chunksByBytes(lines: readonly SentLine[], maxBytes: number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const size = Buffer.byteLength((lines[i] as SentLine).text, 'utf8') + 1;
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const CONFIG_400_RE = /database is required|invalid precision|bucket (is )?required|organization name .* not found/i;

async function writeChunk(
  chunk: readonly number[],
  kind: RequestKind,
  lines: readonly SentLine[],
  options: IsolateOptions,
): Promise<LineRejection[]> {
  if (chunk.length === 0) return [];
  options.onRequest?.(kind, chunk.length);
  const body = chunk.map((i) => (lines[i] as SentLine).text).join('\n');
  const response = await options.send(body, chunk.length, options.signal);
  const disposition = options.classify(response);
  if (disposition === 'ok') return [];
  const message = serverMessage(response.body);

  if (disposition === 'too_large') {
    if (chunk.length === 1) {
      return [
        {
          line: chunk[0] as number,
          reason: 'too_large',
          message: `HTTP 413: the point alone exceeds the server's body limit${message ? ` (${message})` : ''}`,
        },
      ];
    }
    return bisect(chunk, 'split', lines, options);
  }

  // poison: the request was understood but (some of) its points refused
  if (CONFIG_400_RE.test(message)) {
    throw new SdkError(
      ErrorCode.SINK_UNAVAILABLE,
      `HTTP ${response.status}: ${message} — a configuration problem, the data is kept`,
      {
        stage: options.stage,
        retryable: true,
        data: { status: response.status, reason: 'config', serverMessage: message },
      },
    );
  }
  if (chunk.length === 1) {
    return [
      { line: chunk[0] as number, reason: rejectionReason(message), message: `HTTP ${response.status}: ${message}` },
    ];
  }
  const attribution = attributeRejection(serverMessage(response.body, Infinity), response.body, chunk, lines);
  if (attribution === undefined) return bisect(chunk, 'bisect', lines, options);
  for (const reported of attribution.reportedTypes) options.onReportedType?.(reported);
  const refused = new Set(attribution.rejected.map((r) => r.line));
  const found = attribution.rejected.map((r) => ({ ...r, message: `HTTP ${response.status}: ${r.message}` }));
  if (attribution.restStored) return found;
  const rest = chunk.filter((i) => !refused.has(i));
  return [...found, ...(await writeChunk(rest, 'resend', lines, options))];
}

async function bisect(
  chunk: readonly number[],
  kind: RequestKind,
  lines: readonly SentLine[],
  options: IsolateOptions,
): Promise<LineRejection[]> {
  const half = Math.ceil(chunk.length / 2);
  const first = await writeChunk(chunk.slice(0, half), kind, lines, options);
  const second = await writeChunk(chunk.slice(half), kind, lines, options);
  return [...first, ...second];
}
