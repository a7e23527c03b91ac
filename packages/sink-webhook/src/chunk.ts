import type { RejectedEvent } from '@ha-ingestor/core';

/** One request's worth of a batch: a JSON array body and the indices of its events in the batch. */
export interface Chunk {
  readonly body: Buffer;
  readonly indices: readonly number[];
}

/** A batch split into request bodies; events that cannot be sent at all are `rejected`. */
export interface Chunked {
  readonly chunks: readonly Chunk[];
  readonly rejected: readonly RejectedEvent[];
}

/**
 * Serialises a batch into JSON-array bodies of at most `maxBytes` each, in batch order. An event that is not
 * JSON (bigint, a cycle) or alone exceeds `maxBytes` is rejected (dead-lettered), never failing the batch.
 * The split depends only on the events and `maxBytes`, so a retried batch yields the same bodies.
 */
export function chunkBatch(batch: readonly unknown[], maxBytes: number): Chunked {
  const chunks: Chunk[] = [];
  const rejected: RejectedEvent[] = [];
  let parts: Buffer[] = [];
  let indices: number[] = [];
  let size = 2; // "[" and "]"

  const flush = () => {
    if (indices.length === 0) return;
    chunks.push({ body: joinArray(parts, size), indices });
    parts = [];
    indices = [];
    size = 2;
  };

  for (let i = 0; i < batch.length; i++) {
    const json = serialise(batch[i]);
    if (typeof json !== 'string') {
      rejected.push({ index: i, ...json });
      continue;
    }
    const bytes = Buffer.from(json, 'utf8');
    if (bytes.length + 2 > maxBytes) {
      rejected.push({
        index: i,
        reason: 'payload_too_large',
        message: `event is ${bytes.length} bytes as JSON; maxBatchBytes is ${maxBytes}`,
      });
      continue;
    }
    const extra = bytes.length + (indices.length > 0 ? 1 : 0); // the comma
    if (size + extra > maxBytes) flush();
    size += bytes.length + (indices.length > 0 ? 1 : 0);
    parts.push(bytes);
    indices.push(i);
  }
  flush();
  return { chunks, rejected };
}

// --- internal ---

function serialise(event: unknown): string | { reason: string; message: string } {
  try {
    const json = JSON.stringify(event);
    return json === undefined ? { reason: 'not_serialisable', message: 'event is not a JSON value' } : json;
  } catch (error) {
    return {
      reason: 'not_serialisable',
      message: `event is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function joinArray(parts: readonly Buffer[], size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  out[at++] = 0x5b; // [
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ,
    at += (parts[i] as Buffer).copy(out, at);
  }
  out[at++] = 0x5d; // ]
  return out;
}
