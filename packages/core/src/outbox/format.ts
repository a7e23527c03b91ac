import * as zlib from 'node:zlib';

/**
 * On-disk framing of outbox entries. Every entry is one self-checking binary frame:
 *
 * ```
 * offset  size  field
 *      0     4  payload length (u32 LE)
 *      4     4  CRC-32 of bytes 8 … end of payload (u32 LE)
 *      8     8  entry id (f64 LE; ids are integers < 2^53)
 *     16     8  appendedAt, epoch ms (f64 LE)
 *     24     4  record count (u32 LE)
 *     28     …  payload: JSON array of the records (UTF-8)
 * ```
 *
 * Why length-prefixed binary rather than NDJSON with a checksum per line: a torn write is detected by
 * the length alone (the frame runs past the end of the file) and corruption by the CRC, without relying
 * on a newline surviving; the header carries id/time/count so opening a large outbox scans and checks
 * frames without JSON-parsing any payload; and payloads may contain anything JSON can.
 */
export const FRAME_HEADER_BYTES = 28;

/** A frame larger than this is treated as corruption (a garbage length), not as a record. */
export const MAX_FRAME_PAYLOAD_BYTES = 1 << 30;

/** Metadata of one valid frame found by {@link scanFrames}. */
export interface FrameInfo {
  readonly id: number;
  readonly appendedAt: number;
  readonly count: number;
  /** Byte offset of the frame in its segment. */
  readonly offset: number;
  /** Total bytes of the frame (header + payload). */
  readonly length: number;
}

/** Result of scanning a segment: the valid frames, and where (if anywhere) the valid prefix ends. */
export interface ScanResult {
  readonly frames: FrameInfo[];
  /** Offset of the first byte that is not part of a valid frame; undefined when the whole buffer is valid. */
  readonly invalidAt?: number;
  /** Why the data at `invalidAt` was rejected. */
  readonly reason?: 'truncated-header' | 'truncated-payload' | 'bad-length' | 'crc-mismatch';
}

/** Encodes one entry as a frame. */
export function encodeFrame(id: number, appendedAt: number, count: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeDoubleLE(id, 8);
  frame.writeDoubleLE(appendedAt, 16);
  frame.writeUInt32LE(count, 24);
  payload.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(crc32(frame.subarray(8)), 4);
  return frame;
}

/** Checks one frame read back from disk and returns its payload, or undefined when it is not intact. */
export function decodeFrame(frame: Buffer): Buffer | undefined {
  if (frame.length < FRAME_HEADER_BYTES) return undefined;
  const length = frame.readUInt32LE(0);
  if (frame.length !== FRAME_HEADER_BYTES + length) return undefined;
  if (crc32(frame.subarray(8)) !== frame.readUInt32LE(4)) return undefined;
  return frame.subarray(FRAME_HEADER_BYTES);
}

/** Walks the frames of a segment's bytes, stopping at the first torn or corrupt one. */
export function scanFrames(data: Buffer): ScanResult {
  const frames: FrameInfo[] = [];
  let offset = 0;
  while (offset < data.length) {
    const fail = (reason: NonNullable<ScanResult['reason']>): ScanResult => ({ frames, invalidAt: offset, reason });
    if (data.length - offset < FRAME_HEADER_BYTES) return fail('truncated-header');
    const payloadLength = data.readUInt32LE(offset);
    if (payloadLength > MAX_FRAME_PAYLOAD_BYTES) return fail('bad-length');
    const end = offset + FRAME_HEADER_BYTES + payloadLength;
    if (end > data.length) return fail('truncated-payload');
    if (crc32(data.subarray(offset + 8, end)) !== data.readUInt32LE(offset + 4)) return fail('crc-mismatch');
    frames.push({
      id: data.readDoubleLE(offset + 8),
      appendedAt: data.readDoubleLE(offset + 16),
      count: data.readUInt32LE(offset + 24),
      offset,
      length: end - offset,
    });
    offset = end;
  }
  return { frames };
}

/** CRC-32 (IEEE), zlib's when the runtime has it (Node ≥ 20.15), else a table implementation. */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : tableCrc32(data);
}

/** Table-driven CRC-32 (IEEE): the fallback of {@link crc32}, exported so a test can pin it against zlib. */
export function tableCrc32(data: Uint8Array): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// --- internal ---

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
