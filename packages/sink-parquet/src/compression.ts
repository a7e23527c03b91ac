import * as zlib from 'node:zlib';
import { ErrorCode, SdkError } from '@ha-ingestor/core';
import type { ParquetWriter } from 'hyparquet-writer';

/** Page compression of a Parquet file: snappy (built into hyparquet-writer), zstd (Node's zlib) or none. */
export type ParquetCompression = 'snappy' | 'zstd' | 'uncompressed';

type WriterOptions = ConstructorParameters<typeof ParquetWriter>[0];
type CompressionCodec = NonNullable<WriterOptions['codec']>;
type Compressors = NonNullable<WriterOptions['compressors']>;
type ZstdCompressSync = (input: Uint8Array) => Uint8Array;

/**
 * The codec and compressors for `compression`. zstd uses `zlib.zstdCompressSync` (Node 22.15+, 23.8+):
 * on an older Node this throws CONFIG_INVALID saying so, rather than bundling a wasm or native zstd.
 */
export function codecFor(compression: ParquetCompression): { codec: CompressionCodec; compressors: Compressors } {
  switch (compression) {
    case 'snappy':
      return { codec: 'SNAPPY', compressors: {} };
    case 'uncompressed':
      return { codec: 'UNCOMPRESSED', compressors: {} };
    case 'zstd': {
      const zstd = zstdCompressSync();
      if (!zstd)
        throw new SdkError(
          ErrorCode.CONFIG_INVALID,
          `parquet-writer: compression "zstd" needs Node 22.15 or later (zlib.zstdCompressSync); this is Node ${process.versions.node}: use "snappy"`,
          { stage: 'parquet-writer' },
        );
      return { codec: 'ZSTD', compressors: { ZSTD: (input) => zstd(input) } };
    }
    default:
      throw new SdkError(
        ErrorCode.CONFIG_INVALID,
        `parquet-writer: unknown compression ${JSON.stringify(compression)} (snappy, zstd or uncompressed)`,
        { stage: 'parquet-writer' },
      );
  }
}

/** True when this Node can write zstd pages. */
export function zstdAvailable(): boolean {
  return zstdCompressSync() !== undefined;
}

// --- internal ---

function zstdCompressSync(): ZstdCompressSync | undefined {
  // Looked up by name: @types/node 20 does not declare it, and Node 20 does not have it.
  const candidate: unknown = (zlib as Record<string, unknown>)['zstdCompressSync'];
  return typeof candidate === 'function' ? (candidate as ZstdCompressSync) : undefined;
}
