/** Options of {@link createLogLimiter}. */
export interface LogLimiterOptions {
  /** At most one line per this many ms; counts in between are carried to the next line. */
  readonly intervalMs: number;
  /** Clock (epoch ms): the injected pipeline clock, so fake timers control it. */
  readonly now: () => number;
  /** Writes one line for `count` occurrences seen over `sinceMs` (0 for the first one). */
  readonly log: (count: number, sinceMs: number) => void;
}

/** A counter that turns a stream of occurrences into at most one log line per interval. */
export interface LogLimiter {
  /** Records `count` occurrences; logs now when the interval since the last line has passed. */
  readonly hit: (count: number) => void;
  /** Logs what was carried and not logged yet (when the condition ends, and on close). */
  readonly flush: () => void;
}

/**
 * Creates a log limiter: the first occurrence is logged at once, later ones at most once per `intervalMs`
 * with the total since the previous line, and `flush` writes the rest, so no count is lost from the log.
 * Issue 11: an outbox dropping or refusing every batch during an outage logged one line per batch; the
 * metrics count every event, the log says it once per interval.
 *
 * @example
 * const drops = createLogLimiter({ intervalMs: 10_000, now, log: (n) => logger.warn({ dropped: n }, `dropped ${n}`) });
 * drops.hit(records);
 */
export function createLogLimiter(options: LogLimiterOptions): LogLimiter {
  let carried = 0;
  let lastAt: number | undefined;

  const write = (t: number) => {
    const count = carried;
    const sinceMs = lastAt === undefined ? 0 : t - lastAt;
    carried = 0;
    lastAt = t;
    options.log(count, sinceMs);
  };

  return {
    hit: (count) => {
      if (count <= 0) return;
      carried += count;
      const t = options.now();
      if (lastAt === undefined || t - lastAt >= options.intervalMs) write(t);
    },
    flush: () => {
      if (carried > 0) write(options.now());
    },
  };
}
