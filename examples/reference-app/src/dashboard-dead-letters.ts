import { open } from 'node:fs/promises';
import type { DeadLetterSummary } from './dashboard-types.js';

export type { DeadLetterSummary } from './dashboard-types.js';

/** Bytes read from the end of the file: enough for the latest records, bounded whatever the file holds. */
const TAIL_BYTES = 64 * 1024;
const MAX_TEXT = 300;

/**
 * The latest `limit` records of an NDJSON dead-letter file, newest first. Reads only the last 64 KiB (the
 * file grows without bound); a partial first line and lines that are not records are skipped. A missing
 * file is an empty list (nothing was dead-lettered yet).
 */
export async function readDeadLetterTail(path: string, limit: number): Promise<DeadLetterSummary[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // cut mid-record
    const out: DeadLetterSummary[] = [];
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const record = parse(lines[i] ?? '');
      if (record !== undefined) out.push(record);
    }
    return out;
  } finally {
    await handle.close();
  }
}

// --- internal ---

function parse(line: string): DeadLetterSummary | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const r = value as Record<string, unknown>;
  const text = (v: unknown): string => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : '');
  if (typeof r['reason'] !== 'string') return undefined;
  return { time: text(r['time']), stage: text(r['stage']), reason: text(r['reason']), message: text(r['message']) };
}
