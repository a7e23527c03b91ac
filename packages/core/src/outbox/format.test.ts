import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, crc32, decodeFrame, encodeFrame, scanFrames, tableCrc32 } from './format.js';

const frame = (id: number, text: string) => encodeFrame(id, 1_700_000_000_000 + id, 1, Buffer.from(text));

describe('outbox frames', () => {
  it('the table CRC-32 matches zlib', () => {
    for (const text of ['', 'a', '123456789', 'x'.repeat(1000)]) {
      expect(tableCrc32(Buffer.from(text))).toBe(zlibCrc32(Buffer.from(text)) >>> 0);
      expect(crc32(Buffer.from(text))).toBe(tableCrc32(Buffer.from(text)));
    }
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips header fields and payload', () => {
    const data = Buffer.concat([frame(1, '[1]'), frame(2, '[2,3]')]);
    const result = scanFrames(data);
    expect(result.invalidAt).toBeUndefined();
    expect(result.frames.map((f) => [f.id, f.appendedAt, f.offset, f.length])).toEqual([
      [1, 1_700_000_000_001, 0, FRAME_HEADER_BYTES + 3],
      [2, 1_700_000_000_002, FRAME_HEADER_BYTES + 3, FRAME_HEADER_BYTES + 5],
    ]);
    expect(decodeFrame(frame(2, '[2,3]'))?.toString()).toBe('[2,3]');
  });

  it('stops at a torn header, a torn payload, a garbage length and a bad CRC', () => {
    const good = frame(1, '[1]');
    const second = frame(2, '[22]');
    expect(scanFrames(Buffer.concat([good, second.subarray(0, 10)]))).toMatchObject({
      invalidAt: good.length,
      reason: 'truncated-header',
    });
    expect(scanFrames(Buffer.concat([good, second.subarray(0, second.length - 1)]))).toMatchObject({
      reason: 'truncated-payload',
    });
    expect(scanFrames(Buffer.concat([good, Buffer.alloc(FRAME_HEADER_BYTES, 0xff)]))).toMatchObject({
      reason: 'bad-length',
    });
    const flipped = Buffer.from(second);
    flipped[FRAME_HEADER_BYTES] = 0x41;
    const result = scanFrames(Buffer.concat([good, flipped]));
    expect(result).toMatchObject({ invalidAt: good.length, reason: 'crc-mismatch' });
    expect(result.frames).toHaveLength(1);
    expect(decodeFrame(flipped)).toBeUndefined();
  });
});
