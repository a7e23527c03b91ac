import type { Guard } from '@ha-ingestor/core';

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  /** Sends an application-level ping; resolves on the pong, rejects when the connection is gone. */
  readonly ping: () => Promise<void>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Called once when a pong is later than `timeoutMs`: the link is dead. */
  readonly onDead: (lateByMs: number) => void;
  /** Called with a ping failure that is not a timeout (usually the connection closing). */
  readonly onError?: (error: unknown) => void;
  /** Runs the timers. A tick that throws leaves the link's state unknown: the heartbeat declares it dead. */
  readonly guard: Guard;
}

/**
 * Pings every `intervalMs` and declares the link dead when a pong takes longer than `timeoutMs`.
 * A dead TCP connection (NAT timeout, pulled cable) otherwise goes unnoticed until the next write.
 * Returns a function that stops the heartbeat.
 */
export function startHeartbeat(options: HeartbeatOptions): () => void {
  let stopped = false;
  let intervalTimer: ReturnType<typeof setTimeout> | undefined;
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  const { guard } = options;
  const giveUp = () => {
    if (stopped) return;
    stopped = true;
    options.onDead(options.timeoutMs);
  };
  const schedule = () => {
    if (stopped) return;
    intervalTimer = setTimeout(guard('heartbeat ping', tick, giveUp), options.intervalMs);
  };
  const tick = () => {
    if (stopped) return;
    let answered = false;
    deadlineTimer = setTimeout(
      guard(
        'heartbeat deadline',
        () => {
          if (!answered) giveUp();
        },
        giveUp,
      ),
      options.timeoutMs,
    );
    // Returned, so the guard also catches a throw in these handlers.
    return options.ping().then(
      () => {
        answered = true;
        clearTimeout(deadlineTimer);
        schedule();
      },
      (error: unknown) => {
        answered = true;
        clearTimeout(deadlineTimer);
        if (!stopped) options.onError?.(error);
        stopped = true;
      },
    );
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(intervalTimer);
    clearTimeout(deadlineTimer);
  };
}
