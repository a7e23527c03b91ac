import type { ServerResponse } from 'node:http';
import type { Guard } from '@ha-ingestor/core';

/** Options of {@link streamBody}. */
export interface StreamBodyOptions {
  readonly guard: Guard;
  /** Bytes gathered into one write. @default 65536 */
  readonly chunkBytes?: number;
  /** A client that takes no bytes for this long is disconnected. @default 30000 */
  readonly stallMs?: number;
  /** Called once when the client stalled and was disconnected. */
  readonly onStall?: () => void;
}

/** How a streamed body ended. */
export type StreamOutcome = 'done' | 'closed' | 'stalled';

/**
 * Writes a response body piece by piece, honouring `write()`'s backpressure: after a `false` it waits
 * for `drain` before producing more, so a client that does not read holds at most about one chunk plus
 * the socket buffers on the server, not the whole export (issue 11: per-client buffers are bounded).
 * A client that takes nothing for `stallMs` is disconnected. Headers must already be written.
 */
export async function streamBody(
  res: ServerResponse,
  pieces: Iterable<string>,
  options: StreamBodyOptions,
): Promise<StreamOutcome> {
  const chunkBytes = options.chunkBytes ?? 65_536;
  const stallMs = options.stallMs ?? 30_000;
  let closed = res.destroyed;
  let wake: ((why: 'drain' | 'close') => void) | undefined;
  // One listener each for the whole body (not one per wait), so long bodies add no listeners.
  res.on(
    'drain',
    options.guard('http body drain', () => wake?.('drain')),
  );
  res.on(
    'close',
    options.guard('http body close', () => {
      closed = true;
      wake?.('close');
    }),
  );

  const flush = async (chunk: string): Promise<StreamOutcome | undefined> => {
    if (closed) return 'closed';
    if (res.write(chunk)) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const why = await new Promise<'drain' | 'close' | 'stall'>((resolve) => {
      wake = resolve;
      timer = setTimeout(
        options.guard('http body stall', () => resolve('stall')),
        stallMs,
      );
    });
    clearTimeout(timer);
    wake = undefined;
    if (why === 'drain') return undefined;
    if (why === 'stall') {
      options.onStall?.();
      res.destroy();
      return 'stalled';
    }
    return 'closed';
  };

  let buffer = '';
  for (const piece of pieces) {
    buffer += piece;
    if (buffer.length < chunkBytes) continue;
    const outcome = await flush(buffer);
    buffer = '';
    if (outcome !== undefined) return outcome;
  }
  if (buffer.length > 0) {
    const outcome = await flush(buffer);
    if (outcome !== undefined) return outcome;
  }
  if (closed) return 'closed';
  res.end();
  return 'done';
}
