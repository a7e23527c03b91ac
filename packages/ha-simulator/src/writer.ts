import type { Guard } from '@ha-ingestor/core';
import type { WebSocket } from 'ws';

/** Limits of the outgoing queue (HA's `const.py`). */
export interface WriterLimits {
  readonly max: number;
  readonly peak: number;
  readonly peakMs: number;
  /** Bytes handed to the socket and not yet flushed before we stop handing more (aiohttp's buffer). */
  readonly writeBufferBytes: number;
}

/** HA's per-connection writer (`http.py` `_writer` / `_send_message`). */
export interface Writer {
  /** Queues one serialised message. */
  readonly send: (json: string) => void;
  /** Messages queued but not yet handed to the socket. */
  readonly pending: () => number;
  /** Turns on array coalescing (`supported_features` with `coalesce_messages`). */
  readonly enableCoalescing: () => void;
  readonly stop: () => void;
}

/**
 * Creates the writer. Messages queued in the same tick go out together: as one JSON array when
 * coalescing is on (HA wakes its writer one loop iteration after the first message), else one frame
 * each. A socket that does not drain makes messages pile up; `onOverflow` fires at HA's limits.
 */
export function createWriter(
  ws: WebSocket,
  limits: WriterLimits,
  onOverflow: (reason: string) => void,
  guard: Guard,
): Writer {
  const queue: string[] = [];
  let scheduled = false;
  let coalesce = false;
  let stopped = false;
  let inflight = 0;
  let peakTimer: NodeJS.Timeout | undefined;

  const schedule = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    // A microtask (not setImmediate) so that vi.useFakeTimers() in a consumer's test cannot stall us.
    queueMicrotask(guard('writer flush', flush));
  };

  const write = (frame: string): void => {
    const size = frame.length;
    inflight += size;
    ws.send(frame, (err) => {
      inflight -= size;
      if (err === undefined || err === null) schedule();
    });
  };

  function flush(): void {
    scheduled = false;
    while (!stopped && queue.length > 0 && inflight < limits.writeBufferBytes && ws.readyState === ws.OPEN) {
      if (!coalesce || queue.length === 1) {
        const next = queue.shift();
        if (next !== undefined) write(next);
      } else {
        const frame = `[${queue.join(',')}]`;
        queue.length = 0;
        write(frame);
      }
    }
    if (queue.length < limits.peak && peakTimer !== undefined) {
      clearTimeout(peakTimer);
      peakTimer = undefined;
    }
  }

  const checkPeak = (): void => {
    peakTimer = undefined;
    if (queue.length < limits.peak) return;
    onOverflow(
      `Client unable to keep up with pending messages. Stayed over ${limits.peak} for ${limits.peakMs / 1000} seconds. The system's load is too high or an integration is misbehaving`,
    );
  };

  return {
    send: (json) => {
      if (stopped) return;
      queue.push(json);
      if (queue.length >= limits.max) {
        onOverflow(
          `Client unable to keep up with pending messages. Reached ${limits.max} pending messages. The system's load is too high or an integration is misbehaving`,
        );
        return;
      }
      schedule();
      if (queue.length > limits.peak && peakTimer === undefined)
        peakTimer = setTimeout(guard('writer peak check', checkPeak), limits.peakMs);
    },
    pending: () => queue.length,
    enableCoalescing: () => {
      coalesce = true;
    },
    stop: () => {
      stopped = true;
      queue.length = 0;
      if (peakTimer !== undefined) clearTimeout(peakTimer);
      peakTimer = undefined;
    },
  };
}
