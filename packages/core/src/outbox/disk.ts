import { open } from 'node:fs/promises';
import { parseOptions } from '../component/config.js';
import { ErrorCode, SdkError, errorMessage } from '../model/errors.js';
import { noopLogger } from '../observability/logger.js';
import type { OpenOutboxOptions, Outbox, OutboxEntry } from './outbox.js';
import { FRAME_HEADER_BYTES, decodeFrame, encodeFrame } from './format.js';
import { createLogLimiter } from '../observability/log-limiter.js';
import { createOutboxFullState, OUTBOX_DROP_LOG_INTERVAL_MS } from './full.js';
import { createLock } from '../primitives/lock.js';
import { createSignal } from '../primitives/signal.js';
import { OutboxOptionsSchema } from './options.js';
import { deleteSegment, loadOutboxDir, writeCursor, type Segment } from './store.js';
import { createSegmentWriter } from './segment-writer.js';

interface Pending {
  readonly id: number;
  readonly appendedAt: number;
  readonly count: number;
  readonly offset: number;
  readonly length: number;
  readonly segment: Segment;
}

/**
 * Opens (or creates) a durable outbox in `options.dir`: append-only segment files of CRC-checked,
 * length-prefixed frames (see format.ts), a persisted acknowledged position (`cursor.json`,
 * atomic write-rename), and drained segments deleted. On open every segment is scanned; a torn or
 * corrupt tail is logged with its byte offset and skipped, and every entry before it is replayed.
 *
 * `bytes()` counts pending entries only; on disk there may additionally be up to one segment of already
 * acknowledged entries (the active segment is deleted once drained, on the next append or on close).
 *
 * @example
 * const outbox = await openOutbox<HaEvent>({ name: 'influx', dir: './data/outbox/influx', whenFull: 'drop-oldest' });
 * await outbox.append(batch);
 * for (let e = await outbox.peek(); e; e = await outbox.peek()) { await sink.write(e.records, ctx); await outbox.ack(e); }
 */
export async function openOutbox<T>(options: OpenOutboxOptions): Promise<Outbox<T>> {
  const { name } = options;
  const logger = options.logger ?? noopLogger;
  const now = options.now ?? Date.now;
  // Only the data options go through the schema, which refuses keys it does not know; the hooks are code.
  const { name: _name, logger: _logger, now: _now, onDrop: _onDrop, onFullChange: _onFullChange, ...data } = options;
  const { dir, maxBytes, whenFull, fsync, fsyncIntervalMs, segmentBytes } = parseOptions(
    OutboxOptionsSchema,
    data,
    `outbox:${name}`,
  );

  const loaded = await loadOutboxDir(dir, name, logger);
  const segments: Segment[] = loaded.segments;
  // A queue with a moving head (shift() on a large array is O(n)); compacted now and then.
  let queue: Pending[] = loaded.pending;
  let head = 0;
  let pendingBytes = 0;
  let pendingRecords = 0;
  for (const e of queue) {
    pendingBytes += e.length;
    pendingRecords += e.count;
  }
  let ackedThrough = loaded.ackedThrough;
  let nextId = loaded.maxId + 1;
  let cached: OutboxEntry<T> | undefined;
  let closed = false;
  /** Set by `stopWaiting`: a full `block` outbox refuses instead of waiting. */
  let refuseWaits = false;
  const space = createSignal(); // an acknowledgement, a drop or stop freed room (or stopped the wait)
  const appendLock = createLock(); // keeps appends (and their wait for space) in order
  const cursorLock = createLock();
  const ackLock = createLock();
  const stage = `outbox:${name}`;
  const fullState = createOutboxFullState({
    name,
    maxBytes,
    whenFull,
    logger,
    now,
    bytes: () => pendingBytes,
    ...(options.onFullChange === undefined ? {} : { onFullChange: options.onFullChange }),
  });
  // A batch larger than the whole cap is a configuration problem that repeats per batch: logged like drops.
  const oversize = createLogLimiter({
    intervalMs: OUTBOX_DROP_LOG_INTERVAL_MS,
    now,
    log: (records) =>
      logger.warn(
        { outbox: name, records, maxBytes },
        `outbox ${name}: refused ${records} records in batches larger than maxBytes ${maxBytes}`,
      ),
  });

  if (queue.length > 0)
    logger.info(
      { outbox: name, entries: queue.length, records: pendingRecords, bytes: pendingBytes },
      `outbox ${name}: replaying pending entries`,
    );

  const headEntry = (): Pending | undefined => queue[head];
  const forget = (segment: Segment) => {
    const index = segments.indexOf(segment);
    if (index >= 0) segments.splice(index, 1);
  };
  // New appends always go to a new segment: a pre-crash segment may end in a skipped torn tail.
  const writer = createSegmentWriter({
    dir,
    name,
    fsync,
    fsyncIntervalMs,
    segmentBytes,
    logger,
    onCreated: (segment) => segments.push(segment),
    onRetired: async (segment) => {
      if (segment.pending > 0) return;
      forget(segment);
      await deleteSegment(segment, name, logger);
    },
  });

  const removeHead = (): Pending | undefined => {
    const entry = queue[head];
    if (!entry) return undefined;
    head += 1;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    pendingBytes -= entry.length;
    pendingRecords -= entry.count;
    entry.segment.pending -= 1;
    ackedThrough = entry.id;
    if (cached?.id === entry.id) cached = undefined;
    space.notify();
    return entry;
  };

  /** Persists the cursor, then deletes drained segments (never before: a crash must not lose a pending entry). */
  const commitAcks = async (): Promise<void> => {
    await cursorLock.run(() => writeCursor(dir, name, ackedThrough, fsync === 'always'));
    for (const segment of [...segments]) {
      if (segment.pending > 0 || writer.isActive(segment)) continue;
      forget(segment);
      await deleteSegment(segment, name, logger);
    }
  };

  /** Refuses a new batch (drop-newest, or larger than the cap): reported through onDrop, logged rate-limited. */
  const overflow = (records: number, why: string): SdkError => {
    options.onDrop?.(records, 'drop-newest');
    return new SdkError(ErrorCode.BUFFER_OVERFLOW, `outbox ${name}: ${why}; refused ${records} records`, {
      stage,
      retryable: false,
      data: { outbox: name, dropped: records, maxBytes },
    });
  };

  /** Makes room for `frameBytes` according to whenFull; resolves once it fits. */
  const makeRoom = async (frameBytes: number, records: number, signal: AbortSignal | undefined): Promise<void> => {
    if (frameBytes > maxBytes) {
      oversize.hit(records);
      throw overflow(records, `a batch of ${frameBytes} bytes exceeds maxBytes ${maxBytes}`);
    }
    while (pendingBytes + frameBytes > maxBytes) {
      if (closed) throw closedError(name);
      fullState.reached(frameBytes);
      if (whenFull === 'drop-newest') {
        fullState.dropped(records);
        throw overflow(records, `full (${pendingBytes} of ${maxBytes} bytes)`);
      }
      if (whenFull === 'drop-oldest') {
        let dropped = 0;
        while (pendingBytes + frameBytes > maxBytes) {
          const removed = removeHead();
          if (!removed) break;
          dropped += removed.count;
        }
        options.onDrop?.(dropped, 'drop-oldest');
        fullState.dropped(dropped);
        await ackLock.run(commitAcks);
        return;
      }
      // Issue 11: a stopping pipeline must not wait for space only a drain to a dead database could free.
      if (refuseWaits) throw notWaiting(name, pendingBytes, maxBytes);
      if (!(await space.wait(signal))) throw aborted(name, signal?.reason);
    }
  };

  const readEntry = async (entry: Pending): Promise<OutboxEntry<T> | undefined> => {
    const buffer = Buffer.alloc(entry.length);
    const handle = await open(entry.segment.path, 'r');
    try {
      await handle.read(buffer, 0, entry.length, entry.offset);
    } finally {
      await handle.close();
    }
    const payload = decodeFrame(buffer);
    if (!payload) return undefined;
    try {
      return { id: entry.id, appendedAt: entry.appendedAt, records: JSON.parse(payload.toString('utf8')) as T[] };
    } catch {
      return undefined;
    }
  };

  return {
    append: (records, signal) =>
      appendLock.run(async () => {
        if (closed) throw closedError(name);
        if (signal?.aborted) throw aborted(name, signal.reason);
        if (records.length === 0) return;
        let payload: Buffer;
        try {
          payload = Buffer.from(JSON.stringify(records), 'utf8');
        } catch (error) {
          throw new SdkError(
            ErrorCode.EVENT_INVALID,
            `outbox ${name}: records are not JSON-serialisable: ${errorMessage(error)}`,
            { stage, cause: error },
          );
        }
        await makeRoom(FRAME_HEADER_BYTES + payload.length, records.length, signal);
        const id = nextId++;
        const appendedAt = now();
        const frame = encodeFrame(id, appendedAt, records.length, payload);
        const { segment, offset } = await writer.append(id, frame);
        queue.push({ id, appendedAt, count: records.length, offset, length: frame.length, segment });
        pendingBytes += frame.length;
        pendingRecords += records.length;
      }),

    peek: async () => {
      for (;;) {
        const entry = headEntry();
        if (!entry) return undefined;
        if (cached?.id === entry.id) return cached;
        let read: OutboxEntry<T> | undefined;
        try {
          read = await readEntry(entry);
        } catch (error) {
          if (headEntry() !== entry) continue; // dropped or acknowledged meanwhile (its segment may be gone)
          throw new SdkError(
            ErrorCode.STORAGE_FAILED,
            `outbox ${name}: cannot read entry ${entry.id}: ${errorMessage(error)}`,
            { stage, cause: error },
          );
        }
        if (headEntry() !== entry) continue;
        if (read) return (cached = read);
        // The frame checked out when it was written or scanned; it changed on disk since (bit rot, tampering).
        logger.error(
          { outbox: name, segment: entry.segment.path, offset: entry.offset, id: entry.id, records: entry.count },
          `outbox ${name}: entry ${entry.id} at byte ${entry.offset} of ${entry.segment.path} is corrupt; skipped`,
        );
        removeHead();
        fullState.freed();
        await ackLock.run(commitAcks);
      }
    },

    ack: (entry) =>
      ackLock.run(async () => {
        const first = headEntry();
        if (!first || entry.id < first.id) return; // already acknowledged, or dropped by drop-oldest
        if (entry.id !== first.id) {
          throw new SdkError(
            ErrorCode.INTERNAL,
            `outbox ${name}: ack of entry ${entry.id} before the oldest pending entry ${first.id}`,
            { stage },
          );
        }
        removeHead();
        fullState.freed();
        await commitAcks();
      }),

    bytes: () => pendingBytes,
    size: () => pendingRecords,
    oldestAppendedAt: () => headEntry()?.appendedAt,
    isFull: () => fullState.isFull(),

    stopWaiting: () => {
      refuseWaits = true;
      space.notify();
    },

    close: async () => {
      if (closed) return;
      closed = true;
      fullState.close();
      oversize.flush();
      space.notify();
      await appendLock.run(async () => undefined);
      await writer.close();
      await ackLock.run(commitAcks);
    },
  };
}

// --- internal ---

function aborted(name: string, reason: unknown): SdkError {
  return new SdkError(ErrorCode.ABORTED, `outbox ${name}: append aborted`, {
    stage: `outbox:${name}`,
    retryable: false,
    cause: reason,
  });
}

function notWaiting(name: string, bytes: number, maxBytes: number): SdkError {
  return new SdkError(
    ErrorCode.ABORTED,
    `outbox ${name} is full (${bytes} of ${maxBytes} bytes) and no longer waits for space (stopping): the batch was not made durable`,
    {
      stage: `outbox:${name}`,
      retryable: false,
      data: { outbox: name, bytes, maxBytes },
    },
  );
}

function closedError(name: string): SdkError {
  return new SdkError(ErrorCode.ABORTED, `outbox ${name} is closed`, { stage: `outbox:${name}`, retryable: false });
}
